"""Rasa's SQL tracker store with two changes measured on this project.

- **No disk flush per message on the embedded SQLite file.** Rasa commits each turn. In WAL mode (which
  ``wegwijzer.rasa.endpoints`` sets on the file) SQLite's default ``synchronous=FULL`` still waits for the disk on
  every commit; py-spy on the Rasa server showed that wait as a fifth of its busy time per message. With
  ``synchronous=NORMAL`` a commit only appends to the log and the disk is flushed at checkpoints: the file stays
  consistent and nothing is lost when a process crashes or is killed; only the last turns before a power cut or an
  operating-system crash may be missing (SQLite's documented guarantee for WAL with NORMAL).
- **A pooled connection is checked before use (``pool_pre_ping``).** After PostgreSQL restarted, each replica's
  first read used a dead pooled connection, failed, and Rasa answered that message as if the conversation were new
  (the load test of issue 14). With the check a dead connection is replaced and nothing is noticed.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from sqlalchemy import event

SQLITE_SYNCHRONOUS = "NORMAL"


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
