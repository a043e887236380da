"""Calling the Bot API with retries: 429 waits ``retry_after``, network errors back off."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from typing import Awaitable, Callable, TypeVar

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

log = logging.getLogger(__name__)
T = TypeVar("T")


async def with_retries(call: Callable[[], Awaitable[T]], what: str, retry_for: float = 60.0,
                       backoff: float = 1.0, max_delay: float = 30.0) -> T | None:
    """Run ``call`` until it succeeds, for up to ``retry_for`` seconds; None when Telegram refuses it
    (bad request, bot blocked) or is still failing then.

    ``what`` names the call in the log (never the chat or the text).
    """
    deadline = time.monotonic() + retry_for
    delay = min(backoff, max_delay)
    failures = 0
    while True:
        try:
            return await call()
        except RetryAfter as exc:
            wait, reason = _seconds(exc.retry_after), "Telegram asks to slow down"
        except (BadRequest, Forbidden) as exc:
            log.warning("Telegram refused %s: %s", what, exc.message)
            return None
        except NetworkError as exc:
            wait, reason = delay, f"Telegram unreachable ({type(exc).__name__})"
            delay = min(delay * 2, max_delay)
        failures += 1
        if time.monotonic() + wait > deadline:
            log.error("Telegram call %s still failed after %d tries in %.0f s; giving up", what, failures,
                      retry_for - (deadline - time.monotonic()))
            return None
        log.warning("%s (%s): trying again in %.1f s", reason, what, wait)
        await asyncio.sleep(wait)


def _seconds(retry_after: float | dt.timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, dt.timedelta) else float(retry_after)
