"""The production configuration really works: conversations in PostgreSQL, locks in Redis, via our endpoints."""
from __future__ import annotations

import asyncio
import sqlite3
import uuid

import pytest
from sqlalchemy import create_engine, text
from rasa.core.lock_store import LockStore, RedisLockStore
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from wegwijzer.settings import PROJECT_ROOT
from wegwijzer.rasa.endpoints import endpoints, write_endpoints
from tests.conftest import POSTGRES_URL, require_service

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))


def _roundtrip(config: dict) -> DialogueStateTracker:
    store = TrackerStore.create(EndpointConfig.from_dict(config), DOMAIN)
    sender = f"store-test-{uuid.uuid4().hex[:8]}"
    tracker = DialogueStateTracker.from_events(sender, [UserUttered("hallo"), SlotSet("place", "Goor")], DOMAIN.slots)

    async def save_and_read():
        await store.save(tracker)
        return await store.retrieve(sender)

    retrieved = asyncio.run(save_and_read())
    return retrieved


def test_conversations_are_kept_in_sqlite_by_default(tmp_path):
    write_endpoints(tmp_path / "endpoints.yml", {}, "http://x/webhook", tmp_path / "tracker.db")
    config = endpoints({}, "http://x/webhook", tmp_path / "tracker.db")["tracker_store"]
    assert _roundtrip(config).get_slot("place") == "Goor"
    with sqlite3.connect(tmp_path / "tracker.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_the_embedded_store_commits_without_waiting_for_the_disk(tmp_path):
    write_endpoints(tmp_path / "endpoints.yml", {}, "http://x/webhook", tmp_path / "tracker.db")
    config = endpoints({}, "http://x/webhook", tmp_path / "tracker.db")["tracker_store"]
    store = TrackerStore.create(EndpointConfig.from_dict(config), DOMAIN)
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL (FULL is 2)
    assert _roundtrip(config).get_slot("place") == "Goor"


@pytest.mark.postgres
def test_conversations_are_kept_in_postgresql_when_configured():
    require_service("PostgreSQL", "127.0.0.1", 5432)
    config = endpoints({"TRACKER_DATABASE_URL": POSTGRES_URL}, "http://x/webhook", PROJECT_ROOT)["tracker_store"]
    assert config["dialect"] == "postgresql"
    assert _roundtrip(config).get_slot("place") == "Goor"


@pytest.mark.postgres
def test_a_conversation_survives_a_dropped_database_connection():
    """After PostgreSQL restarts, the pooled connections are dead: the store must not answer as if the
    conversation were new (what Rasa's own SQL store did in the load test of issue 14)."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    name = f"wegwijzer-test-{uuid.uuid4().hex[:8]}"
    config = {**endpoints({"TRACKER_DATABASE_URL": POSTGRES_URL}, "http://x/webhook", PROJECT_ROOT)["tracker_store"],
              "query": {"application_name": name}}
    store = TrackerStore.create(EndpointConfig.from_dict(config), DOMAIN)
    sender = f"store-test-{uuid.uuid4().hex[:8]}"
    tracker = DialogueStateTracker.from_events(sender, [UserUttered("hallo"), SlotSet("place", "Goor")], DOMAIN.slots)
    asyncio.run(store.save(tracker))
    admin = create_engine(POSTGRES_URL, future=True)
    with admin.begin() as connection:  # what a restart does to every open connection of the store
        killed = connection.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                         "WHERE application_name = :name"), {"name": name}).scalar()
    admin.dispose()
    assert killed >= 1, "the store keeps a pooled connection"
    assert asyncio.run(store.retrieve(sender)).get_slot("place") == "Goor"


@pytest.mark.redis
def test_locks_are_kept_in_redis_when_configured():
    require_service("Redis", "127.0.0.1", 6379)
    config = endpoints({"LOCK_STORE_URL": "redis://127.0.0.1:6379/0"}, "http://x/webhook", PROJECT_ROOT)["lock_store"]
    store = LockStore.create(EndpointConfig.from_dict(config))
    assert isinstance(store, RedisLockStore)
    conversation = f"lock-test-{uuid.uuid4().hex[:8]}"

    async def hold_lock():
        async with store.lock(conversation, wait_time_in_seconds=0.05):
            held = store.get_lock(conversation)
            assert held is not None and not held.is_locked(held.last_issued)
            return held.last_issued

    assert asyncio.run(hold_lock()) >= 0
    assert store.get_lock(conversation) is None, "the lock is released afterwards"
