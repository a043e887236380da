"""Talking to the Rasa assistant over its REST channel.

A message is sent again only when it certainly did not reach Rasa (no connection could be made) or when
Rasa answered with a server error (5xx). After a timeout while waiting for the answer, or a connection
that broke after the message was sent, Rasa may have handled it already: sending it again would make the
assistant see the user's message twice (a form slot filled twice, a handoff stored twice). So the client
waits long for an answer (``timeout``) and then raises RasaNoAnswer instead of trying again.
"""
from __future__ import annotations

import asyncio
import logging

import httpx

log = logging.getLogger(__name__)
CHANNEL = "telegram"
# Errors raised before the request left: no connection (refused, unreachable) or none free in the pool.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class RasaUnavailable(Exception):
    """Rasa did not answer (down, restarting, overloaded); trying again later may work."""


class RasaNoAnswer(Exception):
    """Rasa got the message (or may have) but did not answer in time; sending it again could duplicate it."""


class RasaRejected(Exception):
    """Rasa answered, but not with a list of messages; trying again will not help."""


class RasaClient:
    """``send`` posts one user message and returns the assistant's replies (``text``, ``buttons``, ...)."""

    def __init__(self, base_url: str, timeout: float = 180.0, attempts: int = 3, backoff: float = 0.5,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.webhook = f"{base_url.rstrip('/')}/webhooks/rest/webhook"
        self.attempts, self.backoff = attempts, backoff
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=5.0), transport=transport)

    async def send(self, sender: str, message: str) -> list[dict]:
        """Raises RasaUnavailable after ``attempts`` failed tries (backing off), RasaNoAnswer when the message
        may have reached Rasa but no answer came, RasaRejected on a bad answer."""
        body = {"sender": sender, "message": message, "metadata": {"channel": CHANNEL}}
        problem = ""
        for attempt in range(self.attempts):
            if attempt:
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                response = await self._client.post(self.webhook, json=body)
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
    if response.status_code != 200:
        raise RasaRejected(f"Rasa answered HTTP {response.status_code}")
    try:
        replies = response.json()
    except ValueError:
        raise RasaRejected("Rasa's answer is not JSON") from None
    if not isinstance(replies, list) or not all(isinstance(r, dict) for r in replies):
        raise RasaRejected("Rasa's answer is not a list of messages")
    return replies
