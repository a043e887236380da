"""End to end against the real servers: hostile input cannot stop Rasa, and a reduced hostile run finds nothing."""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
import uuid

import pytest

from wegwijzer.storage.engine import PROJECT_ROOT

pytestmark = pytest.mark.slow


def post_raw(url: str, body: bytes) -> int:
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_surrogate_sender_is_refused_and_rasa_with_its_sql_tracker_store_keeps_running(assistant):
    # Rasa's SQL tracker store took the encoding error for a missing schema and called sys.exit
    assert post_raw(assistant.url, b'{"sender": "sur\\ud800rogate", "message": "hallo"}') == 400
    assert post_raw(assistant.url, b'{"sender": "a-1", "message": "sur\\ud800rogate"}') == 400
    assert post_raw(assistant.url, json.dumps({"sender": "a-1", "message": "x" * 100_000}).encode()) == 413
    assert assistant.processes["rasa"].poll() is None
    assert assistant.say(f"e2e-{uuid.uuid4().hex[:8]}", "Goedemiddag"), "Rasa still answers"


def test_rasa_calls_the_action_server_with_its_token(assistant):
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    reply = assistant.say(sender, "Wij zijn een metaalbedrijf uit Hengelo met 35 man en willen robotiseren")
    assert "Novel-T" in " ".join(m.get("text", "") for m in reply), "the referral (action_refer) ran"
    log = (assistant.workdir / "actions.log").read_text(encoding="utf-8", errors="replace")
    assert "refused a call" not in log


def test_a_reduced_hostile_run_finds_no_5xx_crash_bypass_injection_or_personal_data(tmp_path):
    details = tmp_path / "hostile.json"
    run = subprocess.run([sys.executable, str(PROJECT_ROOT / "scripts" / "hostile_run.py"), "--start",
                          "--conversations", "20", "--max-requests", "800", "--max-seconds", "600",
                          "--json", str(details)], capture_output=True, text=True, timeout=1200, cwd=PROJECT_ROOT)
    last_line = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-2000:]
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert last_line.startswith("hostile run: ") and " 0 5xx, 0 crashed processes, 0 consent bypasses, 0 injected " \
                                                      "slots, 0 personal-data lines in logs" in last_line
