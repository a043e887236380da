"""The worker process killed (SIGKILL) in the middle of sending, then started again: nothing lost, nothing twice."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time

from wegwijzer.settings import PROJECT_ROOT
from tests.conftest import SmtpInbox, start_smtp, store_handoff
from tests.servers import VENV_BIN


def start_worker(env: dict[str, str], log) -> subprocess.Popen:
    return subprocess.Popen([VENV_BIN / "wegwijzer", "outbox", "work", "--poll", "0.2"], cwd=PROJECT_ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


def outbox_rows(env: dict[str, str]) -> list[dict]:
    out = subprocess.run([VENV_BIN / "wegwijzer", "outbox", "list", "--json"], env=env, capture_output=True, text=True,
                         check=False)
    return json.loads(out.stdout)["rows"]


def test_a_killed_worker_loses_nothing_and_sends_nothing_twice(loaded_url, delivery_env, tmp_path):
    handoffs = [store_handoff(place, sender=f"kill-{i}") for i, place in enumerate(("Goor", "Zwolle", "Hengelo"))]
    expected = 2 * len(handoffs)  # summary and confirmation each
    env = {**os.environ, "WEGWIJZER_OUTBOX_LEASE": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    inbox = SmtpInbox(delay=30)  # the server hangs on the first message, before it answers 250
    server = start_smtp(int(delivery_env["SMTP_PORT"]), inbox)
    log_path = tmp_path / "worker.log"
    try:
        with log_path.open("ab") as log:
            worker = start_worker(env, log)
            try:
                assert inbox.entered.wait(60), "the worker never started sending"
                os.kill(worker.pid, signal.SIGKILL)
                worker.wait(10)
            finally:
                if worker.poll() is None:
                    worker.kill()
            time.sleep(0.3)
            claimed = [r for r in outbox_rows(env) if r["status"] == "sending"]
            assert len(claimed) == 1, "the killed worker left its row claimed"
            assert inbox.messages == [], "the interrupted message was never accepted"

            inbox.delay = 0
            worker = start_worker(env, log)
            try:
                received = inbox.wait_for(expected, 60)
                deadline = time.monotonic() + 30
                while outbox_rows(env) and time.monotonic() < deadline:
                    time.sleep(0.2)
                time.sleep(1)  # a few more passes: nothing may be sent again
            finally:
                worker.terminate()
                worker.wait(10)
    finally:
        server.stop()
    assert outbox_rows(env) == [], "every delivery is marked sent"
    message_ids = [mail["Message-ID"] for _, mail in received]
    assert len(received) == expected and len(set(message_ids)) == expected, "each message exactly once"
    subjects = sorted(mail["Subject"] for _, mail in received)
    assert sum(s.startswith("Nieuwe aanvraag") for s in subjects) == len(handoffs)
    log_text = log_path.read_text(errors="replace")
    assert "Nijland" not in log_text and "bedrijf.test" not in log_text and "example.org" not in log_text
