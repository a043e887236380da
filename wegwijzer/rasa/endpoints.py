"""Rasa's endpoints file, made from the environment.

Embedded default: conversations in a SQLite file (they survive a restart of the Rasa server) and
an in-memory lock store. Production: ``TRACKER_DATABASE_URL=postgresql://...`` and
``LOCK_STORE_URL=redis://host:6379/0`` so that several Rasa replicas share conversations and locks.
With ``ACTIONS_TOKEN`` set, Rasa sends it to the action server in an ``Authorization: Bearer`` header (a
header rather than Rasa's ``token`` query parameter, which would end up in access logs). The file holds
secrets, so only its owner may read it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import os
import sqlite3

import yaml
from sqlalchemy.engine import make_url

from wegwijzer.settings import actions_token


SQL_TRACKER_STORE = "wegwijzer.rasa.sql_tracker_store.CheckedSQLTrackerStore"  # Rasa's SQL store, two changes


def tracker_store(url: str | None, sqlite_file: Path) -> dict[str, Any]:
    if not url:  # the embedded file, in WAL mode (``use_write_ahead_log``)
        return {"type": SQL_TRACKER_STORE, "dialect": "sqlite", "db": str(sqlite_file)}
    parsed = make_url(url)
    store: dict[str, Any] = {"type": SQL_TRACKER_STORE, "dialect": parsed.drivername.split("+")[0],
                             "db": parsed.database}
    if parsed.drivername.startswith("sqlite"):
        return store
    store.update({k: v for k, v in {"url": parsed.host, "port": parsed.port, "username": parsed.username,
                                     "password": parsed.password}.items() if v is not None})
    return store


def lock_store(url: str | None) -> dict[str, Any]:
    if not url:
        return {"type": "in_memory"}
    parsed = make_url(url)
    store: dict[str, Any] = {"type": "redis", "url": parsed.host or "127.0.0.1", "port": parsed.port or 6379,
                             "db": int(parsed.database or 0), "key_prefix": "wegwijzer"}
    if parsed.password:
        store["password"] = parsed.password
    return store


def action_token_headers(token: str) -> dict[str, str]:
    """The header that carries ``ACTIONS_TOKEN`` from Rasa to the action server."""
    return {"Authorization": f"Bearer {token}"}


def action_endpoint(action_url: str, token: str | None) -> dict[str, Any]:
    """Selective domain: only actions marked ``send_domain`` in domain.yml (and the form validators) get the
    whole domain with each call, which keeps the other calls small."""
    endpoint: dict[str, Any] = {"url": action_url, "enable_selective_domain": True}
    if token:
        endpoint["headers"] = action_token_headers(token)
    return endpoint


def endpoints(env: Mapping[str, str], action_url: str, sqlite_file: Path) -> dict[str, Any]:
    """Rasa's endpoints: the action server (with ``ACTIONS_TOKEN``), the tracker store and the lock store."""
    return {
        "action_endpoint": action_endpoint(action_url, actions_token(env)),
        "tracker_store": tracker_store(env.get("TRACKER_DATABASE_URL"), sqlite_file),
        "lock_store": lock_store(env.get("LOCK_STORE_URL")),
    }


def use_write_ahead_log(sqlite_file: Path) -> None:
    """Put the SQLite tracker store in WAL mode (the file keeps it): a commit appends to the log instead of
    rewriting a rollback journal, and readers (the adviser's transcript, the erase job) do not block Rasa."""
    sqlite_file.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(sqlite_file) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
    connection.close()


def write_endpoints(path: Path, env: Mapping[str, str], action_url: str, sqlite_file: Path) -> None:
    if not env.get("TRACKER_DATABASE_URL"):
        use_write_ahead_log(sqlite_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(endpoints(env, action_url, sqlite_file), sort_keys=False)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # also when the file existed with wider permissions
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
