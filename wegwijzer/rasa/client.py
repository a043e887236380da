"""The one client of Rasa's REST channel, used by the web server and the Telegram bridge.

A message is sent again only when it certainly did not reach Rasa (no connection could be made) or when
Rasa answered with a server error (5xx). After a timeout while waiting for the answer, or a connection
that broke after the message was sent, Rasa may have handled it already: sending it again would make the
assistant see the user's message twice (a form slot filled twice, a handoff stored twice). So the client
waits long for an answer (``timeout``) and then raises RasaNoAnswer instead of trying again.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Mapping

import httpx

log = logging.getLogger(__name__)
# Errors raised before the request left: no connection (refused, unreachable) or none free in the pool.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
JSON = {"Content-Type": "application/json"}


class RasaUnavailable(Exception):
    """Rasa did not answer (down, restarting, overloaded); trying again later may work."""


class RasaNoAnswer(Exception):
    """Rasa got the message (or may have) but did not answer in time; sending it again could duplicate it."""


class RasaRejected(Exception):
    """Rasa answered, but not with a list of messages; trying again will not help."""


class RasaClient:
    """``send`` posts one user message and returns the assistant's replies (``text``, ``buttons``, ...);
    ``channel`` goes into every message's metadata (``telegram``, ``widget``)."""

    def __init__(self, base_url: str, channel: str, timeout: float = 180.0, attempts: int = 3, backoff: float = 0.5,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.webhook = f"{base_url.rstrip('/')}/webhooks/rest/webhook"
        self.channel = channel
        self.attempts, self.backoff = attempts, backoff
        # trust_env=False: Rasa is ours, on this machine or network; HTTP(S)_PROXY must not divert the messages
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)), transport=transport,
                                         trust_env=False)

    async def send(self, sender: str, message: str, metadata: Mapping[str, str] | None = None) -> list[dict]:
        """Raises RasaUnavailable after ``attempts`` failed tries (backing off), RasaNoAnswer when the message
        may have reached Rasa but no answer came, RasaRejected on a bad answer."""
        body = {"sender": sender, "message": message, "metadata": {"channel": self.channel, **(metadata or {})}}
        try:
            content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: not text, never sent
            raise RasaRejected("the message is not valid Unicode text") from None
        problem = ""
        for attempt in range(self.attempts):
            if attempt:
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                response = await self._client.post(self.webhook, content=content, headers=JSON)
            except NOT_SENT as exc:
                problem = type(exc).__name__
                continue
            except httpx.RequestError as exc:
                log.warning("Rasa at %s did not answer a message that may have reached it (%s); not sending it again",
                            self.webhook, type(exc).__name__)
                raise RasaNoAnswer(f"no answer from Rasa at {self.webhook} ({type(exc).__name__})") from None
            if response.status_code >= 500:
                problem = f"HTTP {response.status_code}"
                continue
            return _replies(response)
        log.warning("Rasa at %s did not answer after %d attempts (%s)", self.webhook, self.attempts, problem)
        raise RasaUnavailable(f"Rasa at {self.webhook} did not answer after {self.attempts} attempts ({problem})")

    async def aclose(self) -> None:
        await self._client.aclose()


def _replies(response: httpx.Response) -> list[dict]:
    """The messages in a 200 answer; RasaRejected for any other answer."""
    if response.status_code != 200:
        raise RasaRejected(f"Rasa answered HTTP {response.status_code}")
    try:
        replies = response.json()
    except ValueError:
        raise RasaRejected("Rasa's answer is not JSON") from None
    if not isinstance(replies, list):
        raise RasaRejected("Rasa's answer is not a list of messages")
    return [reply for reply in replies if isinstance(reply, dict)]  # anything else in the list is not a message
