"""End to end: the real action server and Rasa server, talked to over the REST channel."""
from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from wegwijzer.storage.engine import PROJECT_ROOT
from tests.servers import VENV_BIN

pytestmark = pytest.mark.slow
SHARED_PERSONAS = PROJECT_ROOT.parent / "shared" / "eval" / "personas.yml"
SIMULATOR = PROJECT_ROOT.parent / "shared" / "eval" / "simulate.py"


def texts(messages: list[dict]) -> str:
    return " ".join(m.get("text", "") for m in messages)


def payload(messages: list[dict], word: str) -> str:
    for message in messages:
        for button in message.get("buttons") or []:
            if word.lower() in button["title"].lower():
                return button["payload"]
    raise AssertionError(f"no button with {word!r} in {messages}")


def test_a_whole_intake_ends_in_a_stored_handoff(assistant):
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    reply = assistant.say(sender, "Goedemiddag")
    assert "computerprogramma" in texts(reply), "the welcome says it is an automated assistant"
    reply = assistant.say(sender, payload(reply, "Personeel"))
    assert "plaats" in texts(reply)
    reply = assistant.say(sender, "Deventr")
    assert "Deventer" in texts(reply) and "sector" in texts(reply)
    reply = assistant.say(sender, payload(reply, "Bouw"))
    reply = assistant.say(sender, "25 man")
    assert "eigen woorden" in texts(reply)
    reply = assistant.say(sender, "Mijn monteurs moeten leren werken met warmtepompen.")
    assert "Ontwikkelfonds Cleantech Regio" in texts(reply)
    reply = assistant.say(sender, payload(reply, "Ja"))
    reply = assistant.say(sender, "Erik Nijland")
    assert "Hoe heet uw bedrijf" in texts(reply)
    reply = assistant.say(sender, "Nijland Installatietechniek")
    reply = assistant.say(sender, "erik@nijlandinstallatie.example")
    assert "Mag ik uw naam" in texts(reply) and "Ontwikkelfonds Cleantech Regio" in texts(reply)
    reply = assistant.say(sender, payload(reply, "Ja"))
    assert "werkdagen" in texts(reply)
    (handoff,) = [h for h in assistant.handoffs() if h["conversation_id"] == sender]
    assert handoff["organization"] == "Ontwikkelfonds Cleantech Regio"
    assert (handoff["municipality"], handoff["sector"], handoff["employees"], handoff["need"]) == ("Deventer", "bouw", "25", "personeel")
    assert handoff["request_text"] == "Mijn monteurs moeten leren werken met warmtepompen."
    assert handoff["company_name"] == "Nijland Installatietechniek"
    assert handoff["contact_email"] == "erik@nijlandinstallatie.example" and handoff["channel"] == "rest"
    for log in ("rasa.log", "actions.log"):
        text = (assistant.workdir / log).read_text(encoding="utf-8", errors="replace")
        assert "Nijland" not in text and "nijlandinstallatie" not in text, f"personal data in {log}"


def test_a_conversation_survives_a_restart_of_the_rasa_server(assistant):
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    assistant.say(sender, "Wij zijn een metaalbedrijf uit Hengelo met 35 man en willen robotiseren")
    assistant.stop("rasa")
    assistant.start_rasa()
    reply = assistant.say(sender, "We willen lasrobots gaan gebruiken in onze fabriek.")
    assert "Novel-T" in texts(reply)


def test_the_action_server_down_gives_a_way_forward(assistant):
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    assistant.stop("actions")
    try:
        reply = assistant.say(sender, "hallo")
        assert reply, "the user never gets silence"
    finally:
        assistant.start_actions()


@pytest.mark.parametrize("personas", [SHARED_PERSONAS, PROJECT_ROOT / "tests" / "personas.yml"], ids=["shared", "ours"])
def test_simulated_entrepreneurs_are_referred_correctly(assistant, personas, tmp_path):
    if not SIMULATOR.exists() or not personas.exists():
        pytest.skip(f"{SIMULATOR} or {personas} is not here")
    handoffs_cmd = f"env DATABASE_URL={assistant.env['DATABASE_URL']} {VENV_BIN / 'wegwijzer'} handoffs list --json"
    result = subprocess.run([sys.executable, str(SIMULATOR), "--url", assistant.url, "--personas", str(personas),
                             "--handoffs-cmd", handoffs_cmd, "--report", str(tmp_path / "report.json")],
                            capture_output=True, text=True, timeout=900)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
