"""Erase and purge leave no personal data: database rows and Rasa's tracker store are checked."""
from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import MetaData, Table, inspect, select, text

from wegwijzer.handoffs import outbox
from wegwijzer.cli.main import main
from wegwijzer.storage.engine import get_engine, session_scope
from wegwijzer.delivery.worker import Worker
from wegwijzer.handoffs.escalation import escalate_waiting
from wegwijzer.handoffs.lifecycle import advance, utcnow
from wegwijzer.storage.tables import Base, HandoffRow, IntakeRecordRow, OutboxRow
from wegwijzer.handoffs.privacy import erase_from_chat, purge, run_erase_job
from wegwijzer.rasa.tracker_store import erase_sender, erase_turn_saved, tracker_engine, transcript
from tests.conftest import POSTGRES_URL, SmtpInbox, count_events, require_service, start_smtp, store_handoff

PERSONAL = ("Erik Nijland", "ondernemer@bedrijf.test", "0612345678", "lasrobots", "kozijnen")


def tracker_store(delivery_env):
    from rasa.core.tracker_store import TrackerStore
    from rasa.utils.endpoints import EndpointConfig

    from wegwijzer.rasa.endpoints import tracker_store as store_config

    return TrackerStore.create(EndpointConfig.from_dict(store_config(delivery_env["TRACKER_DATABASE_URL"], None)))


def conversation(sender: str, *extra):
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    return DialogueStateTracker.from_events(sender, [
        ActionExecuted("action_listen"), UserUttered("Wij maken kozijnen, ik ben Erik Nijland"),
        BotUttered("Waar kan ik u mee helpen?"), ActionExecuted("action_listen"), *extra])


def everything_stored() -> str:
    """Every value in every handoff, outbox and intake row, as one text to search."""
    with session_scope(get_engine()) as session:
        values = []
        for model in (HandoffRow, OutboxRow, IntakeRecordRow):
            for row in session.execute(select(model)).scalars():
                values += [str(getattr(row, c.name)) for c in model.__table__.columns]
    return json.dumps(values, ensure_ascii=False)


def deliver_all(delivery_env) -> SmtpInbox:
    inbox = SmtpInbox()
    server = start_smtp(int(delivery_env["SMTP_PORT"]), inbox)
    try:
        asyncio.run(Worker(get_engine(), tracker_engine(), settings=outbox.OutboxSettings.from_env()).run_once())
    finally:
        server.stop()
    return inbox


def test_privacy_erase_removes_one_conversation_everywhere(loaded_url, delivery_env, capsys):
    store = tracker_store(delivery_env)
    asyncio.run(store.save(conversation("mine")))
    asyncio.run(store.save(conversation("other")))
    mine = store_handoff(sender="mine")
    store_handoff(sender="other", contact_name="Anna Ander", contact_email="anna@ander.test", contact_phone="0699999999",
                  request_text="Wij zoeken personeel.")
    deliver_all(delivery_env)
    store_handoff(sender="mine", contact_email=None)  # a second one, not sent yet

    assert main(["privacy", "erase", "--conversation", "mine"]) == 0
    assert "erased 2 handoff(s) and 4 conversation event(s)" in capsys.readouterr().out
    tracker = tracker_engine()
    assert count_events(tracker, "mine") == 0 and count_events(tracker, "other") == 4
    stored = everything_stored()
    assert "mine" not in stored.replace("handoff-", "")
    for value in PERSONAL:
        assert value not in stored
    assert "Anna Ander" in stored, "the other conversation is untouched"
    with session_scope(get_engine()) as session:
        notices = list(session.execute(select(OutboxRow).where(OutboxRow.kind == "withdrawal")).scalars())
    assert [(n.handoff_ref, n.handoff_id, n.recipient, n.channel) for n in notices] == [(mine, None, "novel-t-a", "email")]

    inbox = deliver_all(delivery_env)
    (rcpt, mail), = inbox.messages
    assert rcpt == ["novel-t-a@example.org"] and mail["Subject"] == f"Aanvraag {mine} via Wegwijzer is ingetrokken"
    body = mail.get_body(("plain",)).get_content()
    assert not any(value in body for value in PERSONAL)


def test_rasa_saving_after_the_action_undoes_an_in_turn_delete_so_the_erase_waits_for_the_save(loaded_url, delivery_env):
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    store = tracker_store(delivery_env)
    tracker = conversation("chat-1", UserUttered("verwijder mijn gegevens"), ActionExecuted("utter_confirm_erase"),
                           ActionExecuted("action_listen"), UserUttered("/affirm"))
    asyncio.run(store.save(tracker))
    store_handoff(sender="chat-1")
    engine, events = get_engine(), tracker_engine()

    # The pitfall: deleting the events inside the action is undone when Rasa saves the turn.
    erase_sender(events, "chat-1")
    for event in (ActionExecuted("action_erase_data"), BotUttered("Klaar"), ActionExecuted("action_listen")):
        tracker.update(event)
    asyncio.run(store.save(tracker))
    assert count_events(events, "chat-1") == len(tracker.events), "Rasa re-added the whole conversation"

    # The fix: the action erases the rows and queues a job that runs after Rasa saved the turn.
    erase_sender(events, "chat-1")
    before_turn = conversation("chat-1", UserUttered("/affirm"))
    asyncio.run(store.save(before_turn))
    handoffs, job_id = erase_from_chat(engine, "chat-1")
    assert handoffs == 1
    settings = outbox.OutboxSettings()
    now = utcnow()
    with session_scope(engine) as session:
        session.get(OutboxRow, job_id).next_attempt_at = now
    assert not run_erase_job(engine, events, job_id, settings, now), "the turn is not saved yet: wait"
    assert count_events(events, "chat-1") > 0
    for event in (ActionExecuted("action_erase_data"), BotUttered("Klaar"), ActionExecuted("action_listen")):
        before_turn.update(event)
    asyncio.run(store.save(before_turn))
    assert run_erase_job(engine, events, job_id, settings, now + timedelta(seconds=2))
    assert count_events(events, "chat-1") == 0
    assert "chat-1" not in everything_stored() and not any(v in everything_stored() for v in PERSONAL[:3])


def test_the_worker_finishes_an_erase_the_action_server_could_not(loaded_url, delivery_env):
    from rasa.shared.core.events import ActionExecuted

    store = tracker_store(delivery_env)
    asyncio.run(store.save(conversation("chat-2", ActionExecuted("action_erase_data"), ActionExecuted("action_listen"))))
    _, job_id = erase_from_chat(get_engine(), "chat-2")
    worker = Worker(get_engine(), tracker_engine(), settings=outbox.OutboxSettings())
    assert asyncio.run(worker.run_once()).sent == 0, "not due yet: the action server goes first"
    report = asyncio.run(worker.run_once(utcnow() + timedelta(minutes=1)))
    assert report.sent == 1 and count_events(tracker_engine(), "chat-2") == 0
    with session_scope(get_engine()) as session:
        job = session.get(OutboxRow, job_id)
        assert job.status == "sent" and job.conversation_id is None


def test_purge_removes_personal_data_after_the_retention_time_and_keeps_counts(loaded_url, delivery_env, capsys):
    store = tracker_store(delivery_env)
    for sender in ("old-closed", "recent-closed", "open"):
        asyncio.run(store.save(conversation(sender)))
    old, recent, still_open = (store_handoff(sender=s) for s in ("old-closed", "recent-closed", "open"))
    with session_scope(get_engine()) as session:
        session.add(IntakeRecordRow(outcome="referred", region="twente", need="kennis", created_at=utcnow()))
    now = utcnow()
    for handoff_id, days_ago in ((old, 91), (recent, 10)):
        with session_scope(get_engine()) as session:
            advance(session, handoff_id, "closed", outcome="helped", now=now - timedelta(days=days_ago))

    report = purge(get_engine(), tracker_engine(), 90, now)
    assert (report.handoffs, report.conversations) == (1, 1) and report.outbox_rows == 2
    with session_scope(get_engine()) as session:
        purged = session.get(HandoffRow, old)
        assert purged.conversation_id == "purged" and purged.purged_at is not None
        assert (purged.contact_name, purged.contact_email, purged.contact_phone, purged.request_text) == (None,) * 4
        assert (purged.need, purged.municipality, purged.outcome, purged.status) == ("kennis", "Hof van Twente", "helped", "closed")
        assert session.get(HandoffRow, recent).contact_name == "Erik Nijland"
        assert session.get(HandoffRow, still_open).contact_name == "Erik Nijland"
        assert session.execute(select(IntakeRecordRow)).scalars().all(), "anonymous counts stay"
        assert not session.execute(select(OutboxRow).where(OutboxRow.handoff_id == old)).first()
    tracker = tracker_engine()
    assert count_events(tracker, "old-closed") == 0
    assert count_events(tracker, "recent-closed") == 4 and count_events(tracker, "open") == 4

    assert main(["privacy", "purge", "--days", "5"]) == 0
    assert "personal data removed from 1 handoff(s)" in capsys.readouterr().out
    assert count_events(tracker, "recent-closed") == 0
    assert count_events(tracker, "open") == 4, "a handoff in progress keeps its conversation"


def test_conversations_without_a_handoff_are_purged_when_idle_too_long(loaded_url, delivery_env):
    store = tracker_store(delivery_env)
    asyncio.run(store.save(conversation("idle")))
    assert purge(get_engine(), tracker_engine(), 90).conversations == 0
    assert purge(get_engine(), tracker_engine(), 90, utcnow() + timedelta(days=91)).conversations == 1
    assert count_events(tracker_engine(), "idle") == 0


NEW_COLUMNS = {"handoffs": {"company_name", "accepted_at", "contacted_at", "closed_at", "outcome", "escalated_at",
                            "assignment", "assigned_at", "purged_at"},
               "advisers": {"deliver", "telegram_chat_id"},
               "organisations": {"escalation_email", "webhook_url", "webhook_secret_env"}}


def test_a_database_from_before_the_outbox_is_upgraded_by_db_init(database_url, delivery_env):
    old = MetaData()
    for table in Base.metadata.sorted_tables:
        if table.name != "outbox":
            Table(table.name, old, *[c.copy() for c in table.columns if c.name not in NEW_COLUMNS.get(table.name, ())])
    engine = get_engine()
    old.create_all(engine)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO handoffs (conversation_id, organisation_key, organisation_name, adviser_key, "
                                "adviser_name, adviser_email, region, municipality, need, programs, channel, language, "
                                "status, created_at) VALUES ('old', 'novel-t', 'Novel-T', 'novel-t-a', 'A', 'a@x.org', "
                                "'Twente', 'Enschede', 'kennis', '[]', 'rest', 'nl', 'new', '2026-01-05 10:00:00')"))
    assert main(["db", "init"]) == 0
    inspector = inspect(engine)
    for table, columns in NEW_COLUMNS.items():
        assert columns <= {c["name"] for c in inspector.get_columns(table)}, table
    assert inspector.has_table("outbox")
    with session_scope(engine) as session:
        row = session.execute(select(HandoffRow)).scalar_one()
        assert (row.conversation_id, row.assignment, row.status) == ("old", 1, "new")
    assert main(["db", "init"]) == 0, "running it again changes nothing"
    assert main(["data", "load"]) == 0
    store_handoff()
    with session_scope(engine) as session:
        assert len(session.execute(select(OutboxRow)).scalars().all()) == 2


@pytest.mark.parametrize("value", ["", "not-a-number"])
def test_retention_setting_is_read_from_the_environment(monkeypatch, value):
    from wegwijzer.settings import retention_days

    monkeypatch.setenv("WEGWIJZER_RETENTION_DAYS", "30")
    assert retention_days() == 30
    monkeypatch.setenv("WEGWIJZER_RETENTION_DAYS", value)
    if value:
        with pytest.raises(ValueError):
            retention_days()
    else:
        assert retention_days() == 90


def test_erasing_works_on_a_postgresql_tracker_store(monkeypatch):
    from rasa.shared.core.events import ActionExecuted

    require_service("PostgreSQL", "127.0.0.1", 5432)
    monkeypatch.setenv("TRACKER_DATABASE_URL", POSTGRES_URL)
    store = tracker_store({"TRACKER_DATABASE_URL": POSTGRES_URL})
    sender, other = f"pg-erase-{uuid.uuid4().hex[:8]}", f"pg-keep-{uuid.uuid4().hex[:8]}"
    asyncio.run(store.save(conversation(sender)))
    asyncio.run(store.save(conversation(other)))
    tracker = tracker_engine()
    assert "kozijnen" in transcript(tracker, sender)[0].text
    assert not erase_turn_saved(tracker, sender)
    asyncio.run(store.save(conversation(sender, ActionExecuted("action_erase_data"), ActionExecuted("action_listen"))))
    assert erase_turn_saved(tracker, sender)
    assert erase_sender(tracker, sender) > 0
    assert count_events(tracker, sender) == 0 and count_events(tracker, other) == 4
    erase_sender(tracker, other)


def test_purge_keeps_the_conversation_of_a_handoff_still_open_when_an_older_one_of_it_is_purged(loaded_url, delivery_env):
    store = tracker_store(delivery_env)
    asyncio.run(store.save(conversation("twice")))
    old, current = store_handoff(sender="twice"), store_handoff(sender="twice", contact_email=None)
    now = utcnow()
    with session_scope(get_engine()) as session:
        advance(session, old, "closed", outcome="helped", now=now - timedelta(days=91))
        session.get(HandoffRow, old).created_at = now - timedelta(days=100)

    report = purge(get_engine(), tracker_engine(), 90, now)
    assert (report.handoffs, report.conversations) == (1, 0)
    assert count_events(tracker_engine(), "twice") == 4, "the adviser of the open handoff still reads the transcript"
    with session_scope(get_engine()) as session:
        assert session.get(HandoffRow, current).conversation_id == "twice"


def test_purge_also_removes_handoffs_nobody_touched_for_the_retention_time(loaded_url, delivery_env):
    store = tracker_store(delivery_env)
    for sender in ("forgotten", "accepted-lately", "fresh"):
        asyncio.run(store.save(conversation(sender)))
    forgotten, accepted_lately, fresh = (store_handoff(sender=s) for s in ("forgotten", "accepted-lately", "fresh"))
    now = utcnow()
    with session_scope(get_engine()) as session:
        session.get(HandoffRow, forgotten).created_at = now - timedelta(days=91)
        session.get(HandoffRow, accepted_lately).created_at = now - timedelta(days=200)
        advance(session, accepted_lately, "accept", now=now - timedelta(days=10))

    report = purge(get_engine(), tracker_engine(), 90, now)
    assert report.handoffs == 1 and report.conversations == 1
    with session_scope(get_engine()) as session:
        gone = session.get(HandoffRow, forgotten)
        assert (gone.status, gone.conversation_id, gone.contact_name, gone.request_text) == ("new", "purged", None, None)
        assert session.get(HandoffRow, accepted_lately).contact_name == "Erik Nijland", "accepted 10 days ago: active"
        assert session.get(HandoffRow, fresh).contact_name == "Erik Nijland"
        assert not session.execute(select(OutboxRow).where(OutboxRow.handoff_id == forgotten)).first()
    assert count_events(tracker_engine(), "forgotten") == 0
    assert count_events(tracker_engine(), "accepted-lately") == 4 and count_events(tracker_engine(), "fresh") == 4
    assert escalate_waiting(get_engine(), now + timedelta(days=7)) == 1, "only the fresh handoff can still escalate"


def test_erase_withdraws_a_sent_escalation_at_the_organisations_address(loaded_url, delivery_env):
    mine = store_handoff(sender="escalated", contact_email=None)
    with session_scope(get_engine()) as session:
        session.get(HandoffRow, mine).created_at = utcnow() - timedelta(days=7)
    escalate_waiting(get_engine(), utcnow())
    first = deliver_all(delivery_env)
    assert sorted(rcpt[0] for rcpt, _ in first.messages) == ["novel-t-a@example.org", "novel-t-algemeen@example.org"]

    assert main(["privacy", "erase", "--conversation", "escalated"]) == 0
    with session_scope(get_engine()) as session:
        notices = sorted(session.execute(select(OutboxRow.recipient).where(OutboxRow.kind == "withdrawal")).scalars())
    assert notices == ["novel-t-a", "organisation:novel-t"]
    inbox = deliver_all(delivery_env)
    assert sorted(rcpt[0] for rcpt, _ in inbox.messages) == ["novel-t-a@example.org", "novel-t-algemeen@example.org"]
    for _, mail in inbox.messages:
        assert mail["Subject"] == f"Aanvraag {mine} via Wegwijzer is ingetrokken"
        assert not any(value in mail.get_body(("plain",)).get_content() for value in PERSONAL)


def test_erase_while_the_summary_is_being_sent_withdraws_it_after_the_send(loaded_url, delivery_env):
    store_handoff(sender="in-flight", contact_email=None)
    engine = get_engine()
    with session_scope(engine) as session:
        summary_id = session.execute(select(OutboxRow.id).where(OutboxRow.kind == "summary")).scalar_one()
    settings = outbox.OutboxSettings()
    claimed_at = utcnow()
    assert outbox.claim(engine, summary_id, claimed_at, settings)  # a worker is sending it right now

    assert main(["privacy", "erase", "--conversation", "in-flight"]) == 0
    with session_scope(engine) as session:
        (notice,) = session.execute(select(OutboxRow).where(OutboxRow.kind == "withdrawal")).scalars()
        assert session.get(OutboxRow, summary_id) is None
    assert (notice.recipient, notice.channel) == ("novel-t-a", "email")
    assert notice.next_attempt_at >= claimed_at + settings.lease - timedelta(seconds=1), \
        "the notice waits until the send in progress is over"
    assert not outbox.mark_sent(engine, summary_id, claimed_at, utcnow()), "the erased row stays erased"
