"""The chat's "verwijder mijn gegevens" with the real Rasa and action servers: the handoff rows go at
once, and the conversation leaves Rasa's tracker store after Rasa saved the erase turn."""
from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import select

from wegwijzer.storage.engine import get_engine, session_scope
from wegwijzer.storage.tables import OutboxRow
from wegwijzer.rasa.tracker_store import transcript
from tests.conftest import count_events, store_handoff

pytestmark = pytest.mark.slow


def texts(messages: list[dict]) -> str:
    return " ".join(m.get("text", "") for m in messages)


def test_erase_in_the_chat_removes_the_conversation_from_the_tracker_store(assistant):
    sender = f"erase-{uuid.uuid4().hex[:8]}"
    engine = get_engine(assistant.env["DATABASE_URL"])
    tracker = get_engine(assistant.env["TRACKER_DATABASE_URL"])
    with session_scope(engine) as session:  # the assistant is shared: other tests may have erased before
        earlier = set(session.execute(select(OutboxRow.id).where(OutboxRow.kind == "erase")).scalars())
    assert "computerprogramma" in texts(assistant.say(sender, "Goedemiddag, wij maken kozijnen in Goor"))
    store_handoff(sender=sender, engine=engine)
    assert [h["conversation_id"] for h in assistant.handoffs()].count(sender) == 1

    assert "verwijder" in texts(assistant.say(sender, "/erase_data"))
    reply = texts(assistant.say(sender, "/affirm"))
    assert "Ook uw doorverwijzing naar de adviseur is ingetrokken" in reply, "one referral, said as a person would"
    assert sender not in [h["conversation_id"] for h in assistant.handoffs()], "the handoff went at once"

    deadline = time.monotonic() + 20
    while count_events(tracker, sender) and time.monotonic() < deadline:
        time.sleep(0.25)
    assert count_events(tracker, sender) == 0, "the tracker store still holds the conversation"
    time.sleep(2)
    assert count_events(tracker, sender) == 0, "nothing came back after the erase"
    with session_scope(engine) as session:
        jobs = list(session.execute(select(OutboxRow).where(OutboxRow.kind == "erase",
                                                            OutboxRow.id.not_in(earlier))).scalars())
        assert [(j.status, j.conversation_id) for j in jobs] == [("sent", None)]
        assert not session.execute(select(OutboxRow).where(OutboxRow.conversation_id == sender)).first()

    again = assistant.say(sender, "hallo")
    assert "computerprogramma" in texts(again), "the next message starts a fresh conversation"
    said = " ".join(line.text for line in transcript(tracker, sender))
    assert "kozijnen" not in said and "Goedemiddag" not in said and "(en)" not in said
    for log in ("rasa.log", "actions.log"):
        text = (assistant.workdir / log).read_text(encoding="utf-8", errors="replace")
        assert "Nijland" not in text and "kozijnen" not in text, f"personal data in {log}"
