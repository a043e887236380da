"""The outbox on SQLite and PostgreSQL: queued with the handoff, sent once, retried, reported."""
from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from wegwijzer.handoffs import outbox
from wegwijzer.cli.main import main
from wegwijzer.storage.engine import get_engine, session_scope
from wegwijzer.delivery.worker import Worker
from wegwijzer.handoffs.escalation import escalate_waiting
from wegwijzer.handoffs.lifecycle import utcnow
from wegwijzer.handoffs.record import HandoffRequest, record_handoff
from wegwijzer.storage.tables import HandoffRow, OutboxRow
from wegwijzer.rasa.tracker_store import tracker_engine
from tests.conftest import SmtpInbox, start_smtp, store_handoff


def rows() -> list[OutboxRow]:
    with session_scope(get_engine()) as session:
        return list(session.execute(select(OutboxRow).order_by(OutboxRow.id)).scalars())


def worker(**settings) -> Worker:
    return Worker(get_engine(), tracker_engine(), settings=outbox.OutboxSettings.from_env() if not settings
                  else outbox.OutboxSettings(**settings))


def test_a_handoff_and_its_deliveries_are_stored_in_one_transaction(loaded_url, delivery_env):
    handoff_id = store_handoff()
    queued = rows()
    assert {(r.kind, r.channel, r.recipient) for r in queued} == {
        ("summary", "email", "novel-t-a"), ("confirmation", "email", "entrepreneur")}
    assert all(r.handoff_id == handoff_id and r.status == "pending" and r.attempts == 0 for r in queued)
    assert len({r.idempotency_key for r in queued}) == 2

    from wegwijzer.catalog.cache import CatalogCache
    from wegwijzer.referral.routing import IntakeFacts
    referral = CatalogCache(get_engine(), check_seconds=0).get().router.route(IntakeFacts(place="Goor", need="kennis"))
    with pytest.raises(RuntimeError):
        with session_scope(get_engine()) as session:
            record_handoff(session, HandoffRequest(
                conversation_id="c-rolled-back", organisation=referral.organisation, adviser=referral.adviser,
                location=referral.place.location, region_name="Twente", need="kennis", consent_text="?",
                channel="widget", language="nl", contact_email="x@y.test"))
            raise RuntimeError("the action failed after storing")
    assert len(rows()) == 2, "a rolled-back handoff leaves no delivery behind"
    with session_scope(get_engine()) as session:
        assert [h.conversation_id for h in session.execute(select(HandoffRow)).scalars()] == ["c-1"]


def test_no_address_no_confirmation(loaded_url, delivery_env):
    store_handoff(contact_email=None)
    assert [(r.kind, r.recipient) for r in rows()] == [("summary", "novel-t-a")]


def test_queuing_the_same_key_twice_is_a_no_op(loaded_url, delivery_env):
    handoff_id = store_handoff()
    with session_scope(get_engine()) as session:
        again = outbox.queue(session, key=outbox.handoff_key(handoff_id, "summary", "email", 1), kind="summary",
                             channel="email", handoff_id=handoff_id, now=utcnow())
    assert again is None and len(rows()) == 2


def test_only_one_claim_wins(loaded_url, delivery_env):
    store_handoff()
    row_id = rows()[0].id
    settings = outbox.OutboxSettings(lease=timedelta(seconds=60))
    now = utcnow()
    assert outbox.claim(get_engine(), row_id, now, settings)
    assert not outbox.claim(get_engine(), row_id, now, settings), "a claimed row cannot be claimed again"
    assert not outbox.claim(get_engine(), row_id, now + timedelta(seconds=59), settings)
    assert outbox.claim(get_engine(), row_id, now + timedelta(seconds=61), settings), "an expired lease frees the row"
    assert rows()[0].attempts == 2


def test_backoff_doubles_up_to_the_cap():
    settings = outbox.OutboxSettings(backoff=timedelta(seconds=30), max_backoff=timedelta(minutes=5))
    assert [settings.retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 5, 6)] == [30, 60, 120, 240, 300, 300]


def test_smtp_down_while_handoffs_arrive_then_up_every_summary_arrives_once(loaded_url, delivery_env):
    ids = [store_handoff("Goor", "kennis", sender="a"), store_handoff("Zwolle", "kennis", sender="b"),
           store_handoff("Deventer", "financiering", sender="c", contact_email=None)]
    work = worker()
    report = asyncio.run(work.run_once())
    assert report.sent == 0 and report.retried == 5, "SMTP is down: every delivery waits for a retry"
    assert {r.last_error for r in rows()} == {"SMTP ConnectionRefusedError"}
    assert "bedrijf.test" not in json.dumps([r.last_error for r in rows()])

    inbox = SmtpInbox()
    server = start_smtp(int(delivery_env["SMTP_PORT"]), inbox)
    try:
        for _ in range(40):
            asyncio.run(work.run_once())
            if all(r.status == "sent" for r in rows()):
                break
            asyncio.run(asyncio.sleep(0.1))
        asyncio.run(work.run_once())  # one more pass: nothing may be sent again
    finally:
        server.stop()
    assert all(r.status == "sent" for r in rows())
    received = inbox.messages
    assert len(received) == 5
    assert len({mail["Message-ID"] for _, mail in received}) == 5
    advisers = sorted(rcpt[0] for rcpt, mail in received if mail["Subject"].startswith("Nieuwe aanvraag"))
    assert advisers == ["kennispoort-regio-zwolle-a@example.org", "novel-t-a@example.org", "oost-nl-a@example.org"]
    confirmations = [rcpt for rcpt, mail in received if mail["Subject"].startswith("Uw vraag")]
    assert confirmations == [["ondernemer@bedrijf.test"], ["ondernemer@bedrijf.test"]]
    summary = next(mail for rcpt, mail in received if rcpt == ["novel-t-a@example.org"])
    assert summary["Subject"] == "Nieuwe aanvraag via Wegwijzer: kennis en innovatie - Goor"
    text = summary.get_body(("plain",)).get_content()
    html = summary.get_body(("html",)).get_content()
    assert "We willen <robots> & lasrobots gaan gebruiken." in text and "Erik Nijland" in text
    assert "&lt;robots&gt; &amp; lasrobots" in html and "<robots>" not in html
    assert f"http://wegwijzer.test/adviseur?t={ids[0]}.1." in text and "Aanvraagnummer" in text


def test_a_permanent_failure_is_marked_and_reported(loaded_url, delivery_env, capsys, caplog):
    class Refusing(SmtpInbox):
        async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
            return "550 no such user" if address.startswith("novel-t") else self._accept(envelope, address)

        @staticmethod
        def _accept(envelope, address):
            envelope.rcpt_tos.append(address)
            return "250 OK"

    inbox = Refusing()
    server = start_smtp(int(delivery_env["SMTP_PORT"]), inbox)
    try:
        store_handoff()
        report = asyncio.run(worker().run_once())
    finally:
        server.stop()
    assert report.failed == 1 and report.sent == 1
    failed = [r for r in rows() if r.status == "failed"]
    assert [(r.kind, r.last_error) for r in failed] == [("summary", "SMTP recipient refused (550)")]
    assert "example.org" not in caplog.text and "Nijland" not in caplog.text and "failed for good" in caplog.text
    capsys.readouterr()
    assert main(["outbox"]) == 1, "staff see a failure (exit status 1)"
    out = capsys.readouterr().out
    assert "failed" in out and "SMTP recipient refused (550)" in out and "0 pending, 1 failed" in out
    assert main(["outbox", "retry"]) == 0
    assert [r.status for r in rows() if r.kind == "summary"] == ["pending"]


def test_without_smtp_host_e_mail_waits_and_outbox_says_why(loaded_url, delivery_env, monkeypatch, capsys):
    monkeypatch.delenv("SMTP_HOST")
    store_handoff()
    report = asyncio.run(worker().run_once())
    assert report.waiting == 2 and report.sent == report.failed == 0
    assert all(r.status == "pending" and r.attempts == 0 for r in rows()), "waiting uses up no attempts"
    assert main(["outbox", "list"]) == 0
    out = capsys.readouterr().out
    assert "NOTE: e-mail is not configured (SMTP_HOST is empty): 2 email deliveries wait" in out
    assert main(["outbox", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed["rows"]) == 2 and "email" in listed["not_configured"]


def test_unaccepted_handoffs_escalate_after_two_working_days(loaded_url, delivery_env):
    handoff_id = store_handoff(contact_email=None)
    friday = datetime(2026, 11, 27, 15, 0)
    with session_scope(get_engine()) as session:
        session.get(HandoffRow, handoff_id).created_at = friday
    assert escalate_waiting(get_engine(), datetime(2026, 11, 30, 15, 0)) == 0, "Monday: one working day"
    assert escalate_waiting(get_engine(), datetime(2026, 12, 1, 14, 59)) == 0
    assert escalate_waiting(get_engine(), datetime(2026, 12, 1, 15, 1)) == 1, "Tuesday 15:00: two working days"
    assert escalate_waiting(get_engine(), datetime(2026, 12, 2, 15, 1)) == 0, "escalated once"
    inbox = SmtpInbox()
    server = start_smtp(int(delivery_env["SMTP_PORT"]), inbox)
    try:
        asyncio.run(worker().run_once(datetime(2026, 12, 2, 15, 2)))
    finally:
        server.stop()
    escalations = [(rcpt, mail) for rcpt, mail in inbox.messages if mail["Subject"].startswith("Nog niet aangenomen")]
    assert [rcpt for rcpt, _ in escalations] == [["novel-t-algemeen@example.org"]]
    assert "nog niet aangenomen" in escalations[0][1].get_body(("plain",)).get_content()


def test_escalation_waits_the_working_days_the_entrepreneur_was_promised(loaded_url, delivery_env):
    """Oost NL promises "binnen 3 werkdagen" (organisations.yml); Easter Monday is no working day."""
    handoff_id = store_handoff(need="financiering", contact_email=None)
    with session_scope(get_engine()) as session:
        row = session.get(HandoffRow, handoff_id)
        assert row.organisation_key == "oost-nl"
        row.created_at = datetime(2026, 4, 2, 8, 0)  # Thursday before Good Friday, 10:00 in Zwolle
    assert escalate_waiting(get_engine(), datetime(2026, 4, 8, 8, 1)) == 0, "Wednesday: two working days"
    assert escalate_waiting(get_engine(), datetime(2026, 4, 9, 7, 59)) == 0
    assert escalate_waiting(get_engine(), datetime(2026, 4, 9, 8, 1)) == 1, "Thursday 10:00: three working days"


def test_accepted_handoffs_do_not_escalate(loaded_url, delivery_env):
    from wegwijzer.handoffs.lifecycle import advance

    handoff_id = store_handoff(contact_email=None)
    with session_scope(get_engine()) as session:
        advance(session, handoff_id, "accept")
    assert escalate_waiting(get_engine(), utcnow() + timedelta(days=10)) == 0


def test_reassign_sends_the_summary_to_the_new_adviser_only(loaded_url, delivery_env, capsys):
    handoff_id = store_handoff(contact_email=None)
    assert main(["handoffs", "reassign", str(handoff_id), "--adviser", "novel-t-b"]) == 0
    assert "reassigned to Voorbeeldadviseur Novel-T B" in capsys.readouterr().out
    queued = rows()
    assert [(r.recipient, r.status) for r in queued] == [("novel-t-a", "cancelled"), ("novel-t-b", "pending")]
    inbox = SmtpInbox()
    server = start_smtp(int(delivery_env["SMTP_PORT"]), inbox)
    try:
        asyncio.run(worker().run_once())
    finally:
        server.stop()
    assert [rcpt for rcpt, _ in inbox.messages] == [["novel-t-b@example.org"]]
    assert f"/adviseur?t={handoff_id}.2." in inbox.messages[0][1].get_body(("plain",)).get_content(), "the new assignment's link"
    assert main(["handoffs", "list"]) == 0
    assert "Voorbeeldadviseur Novel-T B" in capsys.readouterr().out
    assert main(["handoffs", "reassign", "999", "--adviser", "novel-t-b"]) == 1
    assert main(["handoffs", "reassign", str(handoff_id), "--adviser", "nobody"]) == 1


def test_a_worker_whose_lease_ran_out_cannot_overwrite_the_new_holders_result(loaded_url, delivery_env):
    store_handoff(contact_email=None)
    row_id = rows()[0].id
    engine, settings = get_engine(), outbox.OutboxSettings(lease=timedelta(seconds=60))
    slow = utcnow()
    assert outbox.claim(engine, row_id, slow, settings)
    fast = slow + timedelta(seconds=61)
    assert outbox.claim(engine, row_id, fast, settings), "the lease ran out: another worker takes the row"

    assert outbox.mark_failure(engine, row_id, slow, "SMTP TimeoutError", fast, settings) is None
    assert not outbox.release(engine, row_id, slow, "not configured", fast)
    assert not outbox.cancel(engine, row_id, slow, "reassigned")
    assert not outbox.mark_sent(engine, row_id, slow, fast)
    (row,) = rows()
    assert (row.status, row.claimed_at, row.attempts, row.last_error) == ("sending", fast, 2, None)

    assert outbox.mark_sent(engine, row_id, fast, fast), "the holder records its result"
    assert outbox.mark_failure(engine, row_id, slow, "SMTP TimeoutError", fast, settings, permanent=True) is None
    assert not outbox.mark_sent(engine, row_id, fast, fast), "a result is recorded once"
    assert rows()[0].status == "sent", "the slow worker's late failure does not undo the send"


def test_confirmations_to_one_address_are_capped_per_day(loaded_url, delivery_env):
    for n in range(outbox.CONFIRMATIONS_PER_ADDRESS_PER_DAY + 2):
        email = "Ondernemer@Bedrijf.test" if n % 2 else "ondernemer@bedrijf.test"
        store_handoff(sender=f"flood-{n}", contact_email=email)
    kinds = [r.kind for r in rows()]
    assert kinds.count("summary") == outbox.CONFIRMATIONS_PER_ADDRESS_PER_DAY + 2, "the advisers still get the summary"
    assert kinds.count("confirmation") == outbox.CONFIRMATIONS_PER_ADDRESS_PER_DAY
    store_handoff(sender="someone-else", contact_email="anna@ander.test")
    assert [r.kind for r in rows()].count("confirmation") == outbox.CONFIRMATIONS_PER_ADDRESS_PER_DAY + 1

    with session_scope(get_engine()) as session:
        for row in session.execute(select(OutboxRow)).scalars():
            row.created_at -= timedelta(days=1, minutes=1)
    store_handoff(sender="next-day")
    assert [r.kind for r in rows()].count("confirmation") == outbox.CONFIRMATIONS_PER_ADDRESS_PER_DAY + 2, \
        "a day later the address gets a confirmation again"
