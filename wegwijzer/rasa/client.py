"""The one client of Rasa's REST channel, used by the web server and the Telegram bridge.

A message is sent again only when it certainly did not reach Rasa (no connection could be made) or when
Rasa answered with a server error (5xx). After a timeout while waiting for the answer, or a connection
that broke after the message was sent, Rasa may have handled it already: sending it again would make the
assistant see the user's message twice (a form slot filled twice, a handoff stored twice). So the client
waits long for an answer (``timeout``) and then raises RasaNoAnswer instead of trying again.

Several Rasa replicas (``RASA_URLS``) share the conversations (SQL tracker store) and the locks (Redis), but
Rasa's Redis lock store takes its ticket with a non-atomic read-modify-write, so two replicas handling one
conversation at the same moment could both run. The client therefore sends every message of a conversation to
one replica, chosen by a stable hash of the sender id (the same in every process and after every restart),
and moves to the next replica only when the chosen one refused the connection or none could be made: the
message certainly did not reach it. A replica that refused is tried last for ``down_seconds``, so a replica
that is down costs each conversation one refused connection, not one per message.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from typing import Mapping, Sequence

import httpx

log = logging.getLogger(__name__)
# Errors raised before the request left: no connection (refused, unreachable) or none free in the pool.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Of those, the ones that say the replica itself is down (a full pool says this process is busy).
REPLICA_DOWN = (httpx.ConnectError, httpx.ConnectTimeout)
JSON = {"Content-Type": "application/json"}


class RasaUnavailable(Exception):
    """Rasa did not answer (down, restarting, overloaded); trying again later may work."""


class RasaNoAnswer(Exception):
    """Rasa got the message (or may have) but did not answer in time; sending it again could duplicate it."""


class RasaRejected(Exception):
    """Rasa answered, but not with a list of messages; trying again will not help."""


class RasaClient:
    """``send`` posts one user message and returns the assistant's replies (``text``, ``buttons``, ...);
    ``channel`` goes into every message's metadata (``telegram``, ``widget``). ``base_urls`` is one Rasa server
    or the list of replicas."""

    def __init__(self, base_urls: str | Sequence[str], channel: str, timeout: float = 180.0, attempts: int = 3,
                 backoff: float = 0.5, transport: httpx.AsyncBaseTransport | None = None,
                 down_seconds: float = 5.0) -> None:
        urls = [base_urls] if isinstance(base_urls, str) else list(base_urls)
        if not urls:
            raise ValueError("no Rasa server to send messages to")
        self.webhooks = [f"{url.rstrip('/')}/webhooks/rest/webhook" for url in urls]
        self.channel = channel
        self.attempts, self.backoff, self.down_seconds = attempts, backoff, down_seconds
        self._down_since: dict[int, float] = {}  # replica index -> when it last refused a connection
        # trust_env=False: Rasa is ours, on this machine or network; HTTP(S)_PROXY must not divert the messages
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)), transport=transport,
                                         trust_env=False)

    def replica_order(self, sender: str) -> list[int]:
        """The replicas to try for ``sender``: its own (by hash) first, then the next ones; replicas that refused a
        connection within ``down_seconds`` go last."""
        order = [(home_replica(sender, len(self.webhooks)) + step) % len(self.webhooks)
                 for step in range(len(self.webhooks))]
        now = time.monotonic()
        down = {index for index, since in self._down_since.items() if now - since < self.down_seconds}
        return [index for index in order if index not in down] + [index for index in order if index in down]

    async def send(self, sender: str, message: str, metadata: Mapping[str, str] | None = None) -> list[dict]:
        """Raises RasaUnavailable after ``attempts`` failed tries (backing off), RasaNoAnswer when the message
        may have reached Rasa but no answer came, RasaRejected on a bad answer. One try walks the replicas in
        ``replica_order`` until one accepts the connection."""
        body = {"sender": sender, "message": message, "metadata": {"channel": self.channel, **(metadata or {})}}
        try:
            content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: not text, never sent
            raise RasaRejected("the message is not valid Unicode text") from None
        problem = ""
        for attempt in range(self.attempts):
            if attempt:
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
            for index in self.replica_order(sender):
                webhook = self.webhooks[index]
                try:
                    response = await self._client.post(webhook, content=content, headers=JSON)
                except REPLICA_DOWN as exc:  # it never got the message: the next replica may take it
                    problem = type(exc).__name__
                    self._down_since[index] = time.monotonic()
                    if len(self.webhooks) > 1:
                        log.warning("Rasa replica %s refused the connection (%s); trying the next replica",
                                    webhook, problem)
                    continue
                except NOT_SENT as exc:  # no free connection: this process is busy, not the replica; wait
                    problem = type(exc).__name__
                    break
                except httpx.RequestError as exc:
                    log.warning("Rasa at %s did not answer a message that may have reached it (%s); not sending it "
                                "again", webhook, type(exc).__name__)
                    raise RasaNoAnswer(f"no answer from Rasa at {webhook} ({type(exc).__name__})") from None
                self._down_since.pop(index, None)
                if response.status_code >= 500:  # the replica answered: it may be busy, so wait and try again
                    problem = f"HTTP {response.status_code}"
                    break
                return _replies(response)
        where = self.webhooks[0] if len(self.webhooks) == 1 else f"{len(self.webhooks)} replicas"
        log.warning("Rasa at %s did not answer after %d attempts (%s)", where, self.attempts, problem)
        raise RasaUnavailable(f"Rasa at {where} did not answer after {self.attempts} attempts ({problem})")

    async def aclose(self) -> None:
        await self._client.aclose()


def home_replica(sender: str, count: int) -> int:
    """The replica (0 .. count-1) that handles ``sender``'s conversation: a SHA-256 of the id, so every web server
    and bridge process picks the same one (Python's ``hash()`` differs per process)."""
    digest = hashlib.sha256(sender.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % count


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
