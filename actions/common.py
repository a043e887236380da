"""What every action shares: the referral catalog, database calls with a timeout, and a safe failure."""
from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any, Awaitable, Callable, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from wegwijzer.catalog.cache import Catalog, CatalogCache
from wegwijzer.settings import database_timeout
from wegwijzer.storage.engine import get_engine, init_db

logger = logging.getLogger(__name__)
T = TypeVar("T")

DATABASE_TIMEOUT = database_timeout()

KNOWN_CHANNELS = frozenset({"widget", "telegram"})

_cache: CatalogCache | None = None


def catalog() -> Catalog:
    global _cache
    if _cache is None:
        engine = get_engine()
        init_db(engine)
        _cache = CatalogCache(engine)
    return _cache.get()


async def in_database(work: Callable[[], T]) -> T:
    """Run blocking database work off the event loop, giving up after ``DATABASE_TIMEOUT`` seconds."""
    return await asyncio.wait_for(asyncio.to_thread(work), DATABASE_TIMEOUT)


def language(tracker: Tracker) -> str:
    return "en" if tracker.get_slot("language") == "en" else "nl"


def channel_of(tracker: Tracker) -> str:
    """Where the entrepreneur writes from: the widget and the Telegram bridge both reach Rasa over REST and
    name themselves in the message metadata; anything else is Rasa's own input channel name."""
    named = (tracker.latest_message.get("metadata") or {}).get("channel")
    if named in KNOWN_CHANNELS:
        return named
    return tracker.get_latest_input_channel() or "unknown"


def intent_of(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def safely(run: Callable[..., Awaitable[list[dict[str, Any]]]]):
    """Wrap an action's ``run``: any failure gives the user a way forward, and the log gets no personal data.

    An action may name ``failure_events`` to return after a failure, so the dialogue knows where it is.
    """

    @functools.wraps(run)
    async def guarded(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        try:
            return await run(self, dispatcher, tracker, domain)
        except Exception as exc:  # noqa: BLE001 - the user must never see a stack trace or silence
            logger.error("action %s failed: %s", self.name(), type(exc).__name__)
            dispatcher.utter_message(response="utter_backend_error")
            return list(getattr(self, "failure_events", []))

    return guarded


def domain_text(domain: dict, response: str, lang: str) -> str:
    """The text of a response in the given language, where a message needs it as plain text."""
    variants = domain.get("responses", {}).get(response, [])
    for variant in variants:
        conditions = variant.get("condition") or []
        if any(c.get("name") == "language" and c.get("value") == lang for c in conditions):
            return variant["text"]
    return next((v["text"] for v in variants if not v.get("condition")), response)
