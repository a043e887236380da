"""Database connection: ``DATABASE_URL`` or a SQLite file in the project's ``var/`` folder."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from wegwijzer.storage.tables import Base
from wegwijzer.storage.schema import add_missing_columns
from wegwijzer.settings import PROJECT_ROOT, database_url  # PROJECT_ROOT: many tests import it from here


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")  # WAL: a commit survives a crashed process, not a power cut
    cursor.close()


_engines: dict[str, Engine] = {}


def _create_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        # kept connections (SQLAlchemy 2.0's default for files): 1.4 opens a new one per session, and closing it
        # checkpoints the write-ahead log; with the commit's wait for the disk (synchronous=NORMAL below) that was
        # a quarter of the action server's busy time per message (py-spy)
        engine = create_engine(url, future=True, poolclass=QueuePool,
                               connect_args={"timeout": 5, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, future=True, pool_pre_ping=True, pool_size=5, max_overflow=5)


def get_engine(url: str | None = None) -> Engine:
    """One engine (and connection pool) per database URL per process."""
    url = url or database_url()
    if url not in _engines:
        _engines[url] = _create_engine(url)
    return _engines[url]


def ready_engine(url: str | None = None) -> Engine:
    """The engine of a database whose tables exist (``init_db`` first): for commands that read or write rows."""
    engine = get_engine(url)
    init_db(engine)
    return engine


def dispose_engines() -> None:
    """Close every pooled connection (tests call this before dropping a database)."""
    while _engines:
        _engines.popitem()[1].dispose()


def init_db(engine: Engine) -> None:
    """Create missing tables and add columns that a database of an older version lacks; rows are left alone."""
    Base.metadata.create_all(engine)
    add_missing_columns(engine, Base.metadata)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = sessionmaker(engine, future=True, expire_on_commit=False)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
