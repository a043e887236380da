"""Two outbox workers at once on PostgreSQL (as on two hosts): they share the work, and every message is
delivered exactly once (the claim/lease in wegwijzer.handoffs.outbox)."""
from __future__ import annotations

import os
import re
import time

import pytest

from tests.conftest import SmtpInbox, start_smtp, store_handoff
from tests.integration.test_outbox_kill import outbox_rows, start_worker


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_two_workers_deliver_every_message_exactly_once(loaded_url, delivery_env, tmp_path):
    env = {**os.environ, "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    inbox = SmtpInbox(delay=0.1)  # each message takes a moment, so both workers have work at the same time
    server = start_smtp(int(delivery_env["SMTP_PORT"]), inbox)
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    workers = []
    try:
        for path in logs:
            with path.open("ab") as log:
                workers.append(start_worker(env, log))
        deadline = time.monotonic() + 60
        while not all("outbox worker started" in p.read_text(errors="replace") for p in logs):
            assert time.monotonic() < deadline, "a worker did not start"
            time.sleep(0.1)
        places = ("Goor", "Zwolle", "Hengelo", "Deventer", "Enschede", "Almelo", "Kampen", "Oldenzaal")
        handoffs = [store_handoff(place, sender=f"two-{i}", contact_email=f"ondernemer{i}@bedrijf.test")
                    for i, place in enumerate(places * 2)]
        expected = 2 * len(handoffs)  # the adviser's summary and the confirmation
        received = inbox.wait_for(expected, 90)
        deadline = time.monotonic() + 30
        while outbox_rows(env) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.5)  # several more passes of both: nothing may go out again
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(20)
        server.stop()
    assert outbox_rows(env) == [], "every delivery is marked sent"
    message_ids = [mail["Message-ID"] for _, mail in received]
    assert len(received) == expected and len(set(message_ids)) == expected, "each message exactly once"
    sent_by = [len(re.findall(r"outbox row \d+ sent", p.read_text(errors="replace"))) for p in logs]
    assert sum(sent_by) == expected and all(sent_by), f"both workers sent messages: {sent_by}"
