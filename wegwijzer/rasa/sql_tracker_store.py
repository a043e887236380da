"""Rasa's SQL tracker store with four changes measured on this project (py-spy on the Rasa server).

- **No disk flush per message on the embedded SQLite file.** Rasa commits each turn. In WAL mode (which
  ``wegwijzer.rasa.endpoints`` sets on the file) SQLite's default ``synchronous=FULL`` still waits for the disk on
  every commit: a fifth of the Rasa server's busy time per message. With ``synchronous=NORMAL`` a commit only
  appends to the log and the disk is flushed at checkpoints: the file stays consistent and nothing is lost when a
  process crashes or is killed; only the last turns before a power cut or an operating-system crash may be
  missing (SQLite's documented guarantee for WAL with NORMAL).
- **Connections to the SQLite file are kept.** SQLAlchemy 1.4 opens and closes a connection to a SQLite file for
  every session, and closing the last one checkpoints the log; Rasa's store opens three sessions per message.
  Kept connections are SQLAlchemy 2.0's default for files; each is used by one caller at a time.
- **A pooled PostgreSQL connection is checked before use (``pool_pre_ping``).** After PostgreSQL restarted, each
  replica's first read used a dead pooled connection, failed, and Rasa answered that message as if the
  conversation were new (the load test of issue 14). With the check a dead connection is replaced.
- **The conversation this process saved is not read back from the database.** Rasa rebuilds the conversation from
  its rows on every message and counts the rows again on every save (together a quarter of the busy time). This
  store keeps the tracker it saved, with the number and the highest id of the conversation's rows it then left
  in the database, and hands the tracker out again when one query finds exactly those. Anything else (another
  replica answered a message, the conversation was erased) makes them differ, and the conversation is read from
  the database as Rasa does. A tracker is handed out once (Rasa changes it while it handles the message); its
  save stores the events added since, and it is kept only when it is what reading the database would give:
  Rasa reads the latest session only, so a tracker with events before its last ``SessionStarted`` (every new
  conversation, every session that expired) is read back once instead.
"""
from __future__ import annotations

import itertools
import json
from collections import OrderedDict
from typing import Any, NamedTuple, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import SessionStarted
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import event

from wegwijzer.rasa.action_responses import check_action_responses_with_one_validator
from wegwijzer.rasa.kept_connections import keep_endpoint_connections

SQLITE_SYNCHRONOUS = "NORMAL"
SQLITE_POOL: dict[str, Any] = {"poolclass": sa.pool.QueuePool, "connect_args": {"check_same_thread": False}}
CACHED_CONVERSATIONS = 500  # 30-50 kB each (150 events); one not in the cache is read from the database
_STORED = "_wegwijzer_stored"  # on a tracker this store handed out: what of it the database holds

# This module is what Rasa's endpoints load, so the two changes to Rasa's action calls are made here.
check_action_responses_with_one_validator()  # see action_responses
keep_endpoint_connections()  # see kept_connections


class Rows(NamedTuple):
    """How many rows a conversation has in the events table, and the highest id among them."""

    count: int
    last_id: Optional[int]


class Stored(NamedTuple):
    """The conversation's rows in the database, and how many of the tracker's events they are."""

    rows: Rows
    events: int


def _set_synchronous(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
    cursor.close()


class CheckedSQLTrackerStore(SQLTrackerStore):
    """``type: wegwijzer.rasa.sql_tracker_store.CheckedSQLTrackerStore`` with the keys of Rasa's ``type: SQL``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # creates the table (and the PostgreSQL database) as Rasa does
        url = self.engine.url
        self.engine.dispose()
        if url.get_backend_name() == "sqlite":
            self.engine = sa.create_engine(url, **SQLITE_POOL)
            event.listen(self.engine, "connect", _set_synchronous)
        else:
            self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self._cache: OrderedDict[str, DialogueStateTracker] = OrderedDict()

    def _rows(self, sender_id: str) -> Rows:
        with self.session_scope() as session:
            count, last_id = session.execute(
                sa.select(sa.func.count(self.SQLEvent.id), sa.func.max(self.SQLEvent.id))
                .where(self.SQLEvent.sender_id == sender_id)).one()
        return Rows(int(count), last_id)

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        cached = self._cache.pop(sender_id, None)
        rows = self._rows(sender_id)
        if cached is not None and getattr(cached, _STORED).rows == rows:
            return cached
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            setattr(tracker, _STORED, Stored(rows, len(tracker.events)))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's save, but the events to add are those after the ones the tracker was read with."""
        self._cache.pop(tracker.sender_id, None)
        await self.stream_events(tracker)
        stored: Optional[Stored] = getattr(tracker, _STORED, None)
        with self.session_scope() as session:
            if stored is None:  # not read by this store: count the rows, as Rasa does
                events = list(self._additional_events(session, tracker))
            else:
                events = list(itertools.islice(tracker.events, stored.events, None))
            rows = [self._row(tracker.sender_id, event) for event in events]
            session.add_all(rows)
            session.flush()  # gives the rows their ids
            last_id = rows[-1].id if rows else None
            session.commit()
        if stored is None:
            return
        rows_now = Rows(stored.rows.count + len(rows), last_id if rows else stored.rows.last_id)
        setattr(tracker, _STORED, Stored(rows_now, len(tracker.events)))  # a second save adds only what is new
        if any(isinstance(e, SessionStarted) for e in itertools.islice(tracker.events, 1, None)):
            return  # read it back next time: reading gives the latest session only
        self._cache[tracker.sender_id] = tracker
        while len(self._cache) > CACHED_CONVERSATIONS:
            self._cache.popitem(last=False)

    def _row(self, sender_id: str, event: Any) -> Any:
        """One row of the events table, as Rasa's ``save`` writes it."""
        data = event.as_dict()
        return self.SQLEvent(sender_id=sender_id, type_name=event.type_name, timestamp=data.get("timestamp"),
                             intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                             action_name=data.get("name"), data=json.dumps(data))
