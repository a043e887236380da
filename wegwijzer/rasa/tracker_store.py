"""Reading and erasing conversations in Rasa's tracker store (table ``events`` of Rasa's SQLTrackerStore).

The store is the SQLite file ``var/tracker.db`` unless ``TRACKER_DATABASE_URL`` names another
database, the same choice ``wegwijzer.rasa.endpoints`` gives Rasa.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Mapping

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from wegwijzer.settings import tracker_database_url
from wegwijzer.storage.engine import get_engine

TABLE = "events"
ERASE_ACTION = "action_erase_data"


def tracker_engine(env: Mapping[str, str] | None = None) -> Engine:
    return get_engine(tracker_database_url(env))


def _has_events(engine: Engine) -> bool:
    return inspect(engine).has_table(TABLE)


def erase_sender(engine: Engine, sender_id: str) -> int:
    """Delete every event of one conversation; return how many."""
    if not _has_events(engine):
        return 0
    with engine.begin() as connection:
        result = connection.execute(text(f"DELETE FROM {TABLE} WHERE sender_id = :sender"), {"sender": sender_id})
        return result.rowcount or 0


def erase_turn_saved(engine: Engine, sender_id: str) -> bool:
    """Whether Rasa has saved the turn in which the erase action ran (it saves after the action returns).

    True once the store holds the erase action followed by ``action_listen``, or holds nothing at all.
    """
    if not _has_events(engine):
        return True
    with engine.connect() as connection:
        rows = connection.execute(text(f"SELECT type_name, action_name FROM {TABLE} WHERE sender_id = :sender "
                                       "ORDER BY id"), {"sender": sender_id}).all()
    if not rows:
        return True
    erase_at = max((i for i, (kind, name) in enumerate(rows) if kind == "action" and name == ERASE_ACTION), default=None)
    if erase_at is None:
        return False
    return any(kind == "action" and name == "action_listen" for kind, name in rows[erase_at + 1:])


def stale_senders(engine: Engine, before: datetime) -> list[str]:
    """Conversations whose last event is older than ``before`` (naive UTC)."""
    if not _has_events(engine):
        return []
    cutoff = before.replace(tzinfo=timezone.utc).timestamp()
    with engine.connect() as connection:
        return list(connection.execute(text(f"SELECT sender_id FROM {TABLE} GROUP BY sender_id "
                                            "HAVING MAX(timestamp) < :cutoff"), {"cutoff": cutoff}).scalars())


@dataclass(frozen=True)
class Line:
    """One line of a transcript: who said it, when, and what."""

    speaker: str  # "user" or "bot"
    at: datetime | None
    text: str


def transcript(engine: Engine, sender_id: str) -> list[Line]:
    """What the entrepreneur and the assistant said, in order (buttons shown as their titles)."""
    if not _has_events(engine):
        return []
    with engine.connect() as connection:
        rows = connection.execute(text(f"SELECT type_name, timestamp, data FROM {TABLE} WHERE sender_id = :sender "
                                       "AND type_name IN ('user', 'bot') ORDER BY id"), {"sender": sender_id}).all()
    lines = []
    for kind, timestamp, data in rows:
        event = json.loads(data or "{}")
        said = event.get("text") or ""
        buttons = (event.get("data") or {}).get("buttons") or []
        if buttons:
            said += " [" + " | ".join(str(b.get("title", "")) for b in buttons) + "]"
        if said:
            at = datetime.utcfromtimestamp(timestamp) if timestamp else None
            lines.append(Line(kind, at, said))
    return lines
