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
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.endpoints import EndpointConfig

from wegwijzer.settings import PROJECT_ROOT
from wegwijzer.rasa.action_responses import ActionResponseCheck, check_action_responses_with_one_validator
from wegwijzer.rasa.endpoints import endpoints, write_endpoints
from wegwijzer.rasa.tracker_store import erase_sender
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


def _sqlite_store(tmp_path) -> TrackerStore:
    write_endpoints(tmp_path / "endpoints.yml", {}, "http://x/webhook", tmp_path / "tracker.db")
    config = endpoints({}, "http://x/webhook", tmp_path / "tracker.db")["tracker_store"]
    return TrackerStore.create(EndpointConfig.from_dict(config), DOMAIN)


def _turn(tracker: DialogueStateTracker, said: str, place: str) -> None:
    """What Rasa adds in one turn: the user's message, an action that sets a slot, and listening again."""
    tracker.update(UserUttered(said))
    tracker.update(ActionExecuted("action_extract"))
    tracker.update(SlotSet("place", place))
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME))


def _new_conversation(sender: str) -> DialogueStateTracker:
    """A conversation as Rasa starts it: listening, then the session start before the first message."""
    return DialogueStateTracker.from_events(sender, [
        ActionExecuted(ACTION_LISTEN_NAME), ActionExecuted(ACTION_SESSION_START_NAME), SessionStarted(),
        ActionExecuted(ACTION_LISTEN_NAME)], DOMAIN.slots)


async def _kept_conversation(store: TrackerStore, sender: str, said: str = "hallo") -> None:
    """A new conversation and two turns: it is read back once, and the second save is kept in the cache."""
    await store.save(_new_conversation(sender))
    for place in ("Goor", "Hengelo"):
        tracker = await store.retrieve(sender)
        _turn(tracker, said, place)
        await store.save(tracker)


def test_the_saved_conversation_is_handed_out_again_only_while_the_database_holds_what_was_saved(tmp_path):
    store, reader = _sqlite_store(tmp_path), _sqlite_store(tmp_path)  # reader: a second process, without cache
    sender = f"cache-{uuid.uuid4().hex[:8]}"

    async def conversation():
        new = _new_conversation(sender)
        await store.save(new)
        handed_out = [new]
        for turn, place in enumerate(["Goor", "Hengelo", "Zwolle", "Deventer"]):
            tracker = await store.retrieve(sender)
            handed_out.append(tracker)
            from_database = await reader.retrieve(sender)
            assert tracker.current_state(EventVerbosity.ALL) == from_database.current_state(EventVerbosity.ALL)
            _turn(tracker, f"bericht {turn}", place)
            await store.save(tracker)
        return handed_out

    handed_out = asyncio.run(conversation())
    # a new conversation holds events before its session start, so it is read back once; then it is kept
    assert handed_out[1] is not handed_out[0]
    assert handed_out[2] is handed_out[1] and handed_out[3] is handed_out[1] and handed_out[4] is handed_out[1]
    rows = asyncio.run(reader.retrieve(sender))
    assert [e.text for e in rows.events if isinstance(e, UserUttered)] == [f"bericht {i}" for i in range(4)]


def test_a_conversation_erased_or_changed_elsewhere_is_read_from_the_database(tmp_path):
    store, other_replica = _sqlite_store(tmp_path), _sqlite_store(tmp_path)
    sender = f"cache-{uuid.uuid4().hex[:8]}"

    async def conversation():
        await _kept_conversation(store, sender)
        elsewhere = await other_replica.retrieve(sender)
        _turn(elsewhere, "nog een bericht", "Zwolle")
        await other_replica.save(elsewhere)
        assert (await store.retrieve(sender)).get_slot("place") == "Zwolle"
        tracker = await store.retrieve(sender)
        _turn(tracker, "weer hier", "Ommen")
        await store.save(tracker)
        erase_sender(create_engine(f"sqlite:///{tmp_path / 'tracker.db'}", future=True), sender)
        return await store.retrieve(sender)

    assert asyncio.run(conversation()) is None


def test_after_a_new_session_the_conversation_is_what_the_database_gives(tmp_path):
    store, reader = _sqlite_store(tmp_path), _sqlite_store(tmp_path)
    sender = f"cache-{uuid.uuid4().hex[:8]}"

    async def conversation():
        await _kept_conversation(store, sender)
        expired = await store.retrieve(sender)  # the session expired: Rasa starts a new one
        for event in (ActionExecuted(ACTION_SESSION_START_NAME), SessionStarted(), ActionExecuted(ACTION_LISTEN_NAME)):
            expired.update(event)
        _turn(expired, "ik ben er weer", "Ommen")
        await store.save(expired)
        _turn(expired, "nog iets", "Ommen")  # saved again without being read in between
        await store.save(expired)
        return expired, await store.retrieve(sender), await reader.retrieve(sender)

    expired, retrieved, from_database = asyncio.run(conversation())
    assert retrieved is not expired
    assert retrieved.current_state(EventVerbosity.ALL) == from_database.current_state(EventVerbosity.ALL)
    assert [e.text for e in retrieved.events if isinstance(e, UserUttered)] == ["ik ben er weer", "nog iets"]


def test_a_conversation_erased_during_a_turn_keeps_only_that_turn(tmp_path):
    """The erase action deletes the rows while Rasa still holds the tracker; its save must not write them back."""
    store = _sqlite_store(tmp_path)
    sender = f"cache-{uuid.uuid4().hex[:8]}"

    async def conversation():
        await _kept_conversation(store, sender, said="mijn naam is Jan")
        tracker = await store.retrieve(sender)
        erase_sender(create_engine(f"sqlite:///{tmp_path / 'tracker.db'}", future=True), sender)
        _turn(tracker, "wis mijn gegevens", "Ommen")
        await store.save(tracker)
        return await store.retrieve(sender)

    after = asyncio.run(conversation())
    assert [e.text for e in after.events if isinstance(e, UserUttered)] == ["wis mijn gegevens"]


ANSWERS = [
    {}, {"events": [], "responses": []}, {"events": None}, {"events": "geen lijst"}, {"responses": ["tekst"]},
    {"events": [{"event": "slot", "name": "place", "value": "Goor", "timestamp": None}]},
    {"events": [{"event": "slot", "name": "place"}]}, {"events": [{"event": "slot", "name": 3, "value": 1}]},
    {"events": [{"event": "action", "name": "action_listen", "policy": None, "confidence": 1.0}]},
    {"events": [{"event": "action", "name": 5}]}, {"events": [{"name": "action_listen"}]}, {"events": ["slot"]},
    {"events": [{"event": "no_such_event"}]}, {"events": [{"event": "bot", "text": "hallo", "timestamp": "nu"}]},
    {"events": [{"event": "bot", "metadata": []}]}, {"events": [{"event": "active_loop", "name": None}]},
    {"events": [{"event": "entities", "entities": [{"entity": "place", "value": "Goor"}]}]},
    {"events": [{"event": "entities", "entities": [{"entity": "place"}]}]}, {"events": [{"event": "entities"}]},
    {"events": [{"event": "user", "text": "hoi", "parse_data": {"intent": {"name": "greet", "confidence": 0.9},
                                                                 "entities": [{"entity": "x", "value": 1}]}}]},
    {"events": [{"event": "user", "text": "hoi", "parse_data": {"intent": {"name": 3}}}]},
    {"events": [{"event": "followup", "name": "action_refer"}, {"event": "restart"}, {"event": 7}]},
    {"events": [{"event": "reset_slots"}, {"event": "session_started", "timestamp": 1.5}]}, [], "tekst",
]


@pytest.mark.parametrize("answer", ANSWERS)
def test_the_faster_check_of_action_answers_gives_rasas_verdict(answer):
    schema = RemoteAction.action_response_format_spec()
    assert ActionResponseCheck(schema).is_valid(answer) == validator_for(schema)(schema).is_valid(answer)


def test_an_action_server_answer_that_breaks_rasas_schema_is_still_refused():
    check_action_responses_with_one_validator()
    action = RemoteAction("action_extract", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "place", "value": "Goor"}],
                                           "responses": [{"text": "hallo"}]})
    for broken in ({"events": "geen lijst"}, {"events": [{"event": "no_such_event"}]}, {"responses": ["tekst"]}):
        with pytest.raises(ValidationError):
            action._validate_action_result(broken)
