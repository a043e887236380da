"""Rasa's SQL tracker store with three changes measured on this project.

- **No disk flush per message on the embedded SQLite file.** Rasa commits each turn. In WAL mode (which
  ``wegwijzer.rasa.endpoints`` sets on the file) SQLite's default ``synchronous=FULL`` still waits for the disk on
  every commit; py-spy on the Rasa server showed that wait as a fifth of its busy time per message. With
  ``synchronous=NORMAL`` a commit only appends to the log and the disk is flushed at checkpoints: the file stays
  consistent and nothing is lost when a process crashes or is killed; only the last turns before a power cut or an
  operating-system crash may be missing (SQLite's documented guarantee for WAL with NORMAL).
- **A pooled connection is checked before use (``pool_pre_ping``).** After PostgreSQL restarted, each replica's
  first read used a dead pooled connection, failed, and Rasa answered that message as if the conversation were new
  (the load test of issue 14). With the check a dead connection is replaced and nothing is noticed.
- **The conversation this process saved last is not read back from the database.** Rasa rebuilds the whole
  conversation from its rows on every message (a sixth of the Rasa server's busy time per message, py-spy). This
  store keeps the tracker it saved and hands it out again when the database still holds exactly the rows it
  wrote: one query for the number and the highest id of the conversation's rows. Anything else (another replica
  answered a message, the conversation was erased) makes the numbers differ, and the conversation is read from the
  database as Rasa does. A tracker is handed out once (Rasa changes it while it handles the message) and kept
  again only when its save added exactly the rows the database then holds, and only when it is what reading
  the database would give: Rasa reads the latest session only, so a tracker with events before its last
  ``SessionStarted`` (every new conversation, every session that expired) is read back once instead.
"""
from __future__ import annotations

import itertools
from collections import OrderedDict
from typing import Any, Iterator, NamedTuple, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import event

from wegwijzer.rasa.action_responses import check_action_responses_with_one_validator

SQLITE_SYNCHRONOUS = "NORMAL"
CACHED_CONVERSATIONS = 500  # about 100 kB each; a conversation not in the cache is read from the database
_STORED_ROWS = "_wegwijzer_stored_rows"  # on a tracker handed out: the conversation's rows when it was read

check_action_responses_with_one_validator()  # this module is what Rasa's endpoints load: see action_responses


class Rows(NamedTuple):
    """How many rows a conversation has in the events table, and the highest id among them."""

    count: int
    last_id: Optional[int]


class _Cached(NamedTuple):
    rows: Rows
    tracker: DialogueStateTracker


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
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _set_synchronous)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self._cache: OrderedDict[str, _Cached] = OrderedDict()
        self._added_rows: dict[str, int] = {}

    def _rows(self, sender_id: str) -> Rows:
        with self.session_scope() as session:
            count, last_id = session.execute(
                sa.select(sa.func.count(self.SQLEvent.id), sa.func.max(self.SQLEvent.id))
                .where(self.SQLEvent.sender_id == sender_id)).one()
        return Rows(int(count), last_id)

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        cached = self._cache.pop(sender_id, None)
        rows = self._rows(sender_id)
        if cached is not None and cached.rows == rows:
            tracker = cached.tracker
        else:
            tracker = await super().retrieve(sender_id)
        if tracker is not None:
            setattr(tracker, _STORED_ROWS, rows.count)
        return tracker

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        events = list(super()._additional_events(session, tracker))
        self._added_rows[tracker.sender_id] = len(events)
        return iter(events)

    async def save(self, tracker: DialogueStateTracker) -> None:
        stored_before = getattr(tracker, _STORED_ROWS, None)
        self._cache.pop(tracker.sender_id, None)
        await super().save(tracker)
        added = self._added_rows.pop(tracker.sender_id, 0)
        rows = self._rows(tracker.sender_id)
        if stored_before is None or rows.count != stored_before + added:
            return  # rows were added or removed by someone else meanwhile: read it back next time
        if any(isinstance(event, SessionStarted) for event in itertools.islice(tracker.events, 1, None)):
            return  # reading the database gives the latest session only
        setattr(tracker, _STORED_ROWS, rows.count)
        self._cache[tracker.sender_id] = _Cached(rows, tracker)
        while len(self._cache) > CACHED_CONVERSATIONS:
            self._cache.popitem(last=False)
