"""Rasa's SQL tracker store on the embedded SQLite file, without a disk flush on every message.

Rasa commits each turn of a conversation. In WAL mode (which ``wegwijzer.rasa.endpoints`` sets on the file)
SQLite's default ``synchronous=FULL`` still waits for the disk on every commit; profiling the Rasa server showed
that wait as a fifth of its time per message. With ``synchronous=NORMAL`` a commit only appends to the log and
the disk is flushed at checkpoints: the file stays consistent, and nothing is lost when a process crashes or is
killed; only the last turns before a power cut or an operating-system crash may be missing (SQLite's
documented guarantee for WAL with NORMAL). Production runs on PostgreSQL, which this class does not touch.
"""
from __future__ import annotations

from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import event

SYNCHRONOUS = "NORMAL"


def _set_synchronous(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
    cursor.close()


class SQLiteTrackerStore(SQLTrackerStore):
    """``type: wegwijzer.rasa.sqlite_tracker_store.SQLiteTrackerStore`` with ``dialect: sqlite`` and ``db``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        event.listen(self.engine, "connect", _set_synchronous)
        self.engine.dispose()  # connections made while creating the table are dropped: every new one has the pragma
