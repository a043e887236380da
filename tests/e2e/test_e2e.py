"""End to end: the real action server and Rasa server, talked to over the REST channel."""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
import uuid

import pytest

from wegwijzer.storage.engine import PROJECT_ROOT
from tests.servers import VENV_BIN

pytestmark = pytest.mark.slow
SHARED_PERSONAS = PROJECT_ROOT.parent / "shared" / "eval" / "personas.yml"
SHARED_PERSONAS_HARD = PROJECT_ROOT.parent / "shared" / "eval" / "personas_hard.yml"
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


def say_from_page(assistant, sender: str, message: str, language: str) -> list[dict]:
    """A message as the website server forwards it: the page's language in the metadata."""
    body = json.dumps({"sender": sender, "message": message,
                       "metadata": {"channel": "widget", "language": language}}).encode()
    request = urllib.request.Request(f"{assistant.url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"[]")


def handoffs_of(assistant, sender: str) -> list[dict]:
    return [h for h in assistant.handoffs() if h["conversation_id"] == sender]


def referred_and_asked_for_consent(assistant, sender: str, need: str, place: str) -> list[dict]:
    """An intake in Goor-like steps up to the consent question; returns that reply."""
    reply = assistant.say(sender, "Goedemiddag")
    reply = assistant.say(sender, payload(reply, need))
    reply = assistant.say(sender, place)
    reply = assistant.say(sender, payload(reply, "Bouw"))
    reply = assistant.say(sender, "12 man")
    reply = assistant.say(sender, "We willen onze werkplaats vernieuwen en daar hulp bij krijgen.")
    assert "Wilt u dat een adviseur" in texts(reply)
    reply = assistant.say(sender, payload(reply, "Ja"))
    assistant.say(sender, "Erik Nijland")
    assistant.say(sender, "Nijland Bouw")
    reply = assistant.say(sender, "erik@nijlandbouw.example")
    assert "Mag ik uw naam" in texts(reply)
    return reply


def test_after_a_handoff_a_changed_need_is_not_handed_off_without_a_new_consent_question(assistant):
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    reply = referred_and_asked_for_consent(assistant, sender, "Financiering", "Goor")
    assert "Oost NL" in texts(reply)
    assert "werkdagen" in texts(assistant.say(sender, payload(reply, "Ja")))
    assistant.say(sender, "Ik bedoelde eigenlijk dat ik stagiairs zoek, niet financiering")
    reply = assistant.say(sender, "ja graag")
    assert "werkdagen" not in texts(reply) and len(handoffs_of(assistant, sender)) == 1, "no second handoff"
    assert "naam" in texts(reply), "the contact form starts again"
    assistant.say(sender, "Erik Nijland")
    assistant.say(sender, "Nijland Bouw")
    question = texts(assistant.say(sender, "erik@nijlandbouw.example"))
    assistant.say(sender, "ja dat mag")
    first, second = handoffs_of(assistant, sender)
    assert second["consent_text"] == question and second["organization"] in question


def test_a_correction_at_the_consent_question_asks_consent_for_the_organisation_that_gets_the_data(assistant):
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    reply = referred_and_asked_for_consent(assistant, sender, "Kennis en innovatie", "Goor")
    assert "Novel-T" in texts(reply)
    reply = assistant.say(sender, "nee sorry, we zitten in Zwolle")
    assert "Kennispoort Regio Zwolle" in texts(reply) and handoffs_of(assistant, sender) == []
    reply = assistant.say(sender, payload(reply, "Ja"))
    assistant.say(sender, "Erik Nijland")
    assistant.say(sender, "Nijland Bouw")
    reply = assistant.say(sender, "erik@nijlandbouw.example")
    question = texts(reply)
    assert "Kennispoort Regio Zwolle" in question and "Novel-T" not in question
    assistant.say(sender, payload(reply, "Ja"))
    (handoff,) = handoffs_of(assistant, sender)
    assert handoff["organization"] == "Kennispoort Regio Zwolle" and handoff["consent_text"] == question
    assert (handoff["place"], handoff["municipality"]) == ("Zwolle", "Zwolle")


def test_a_need_told_as_a_situation_is_understood_at_the_need_question_and_in_a_first_message(assistant):
    """No word in these sentences names the need (no keyword, no training example); the NeedClassifier reads it."""
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    reply = assistant.say(sender, "Goedemiddag")
    reply = assistant.say(sender, "mijn mensen snappen de nieuwe kassa niet")
    assert "plaats" in texts(reply) and "begreep" not in texts(reply), "the need question is answered"
    assistant.say(sender, "Deventr")
    reply = assistant.say(sender, "een bouwbedrijf")
    reply = assistant.say(sender, "25 man")
    assert "Ontwikkelfonds Cleantech Regio" in texts(reply), "training in the Deventer region"

    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    reply = assistant.say(sender, "niemand wil meebetalen aan onze nieuwe loods")
    assert "plaats" in texts(reply), "the need is read from the first message: the place is asked next"


def test_a_first_message_naming_two_needs_asks_which_and_the_choice_decides_the_referral(assistant):
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    reply = assistant.say(sender, "we hebben een stagiair nodig voor de zomer en ook geld voor een nieuwe bus")
    assert "vooral over" in texts(reply) and "plaats" not in texts(reply)
    titles = [b["title"] for m in reply for b in m.get("buttons") or []]
    assert set(titles[:2]) == {"Samenwerken met onderwijs", "Financiering"} and len(titles) == 5
    reply = assistant.say(sender, payload(reply, "Samenwerken met onderwijs"))
    assert "plaats" in texts(reply)
    reply = assistant.say(sender, "Tubbergen")
    assert "Novel-T" in texts(reply) and "Oost NL" not in texts(reply)


def test_an_english_page_greets_in_english_until_the_user_writes_dutch(assistant):
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    reply = say_from_page(assistant, sender, "Hi!", "en")
    assert "computer program" in texts(reply), "an English page gets the English welcome"
    reply = say_from_page(assistant, sender, "Wij zoeken financiering voor een nieuwe werkplaats", "en")
    assert "plaats" in texts(reply), "the user writes Dutch: Dutch answers"
    reply = say_from_page(assistant, sender, "Goor", "en")
    assert "sector" in texts(reply) and "Which" not in texts(reply), "a short answer keeps the user's language"


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


@pytest.mark.parametrize("personas", [SHARED_PERSONAS, SHARED_PERSONAS_HARD, PROJECT_ROOT / "tests" / "personas.yml"],
                         ids=["shared", "shared-hard", "ours"])
def test_simulated_entrepreneurs_are_referred_correctly(assistant, personas, tmp_path):
    if not SIMULATOR.exists() or not personas.exists():
        pytest.skip(f"{SIMULATOR} or {personas} is not here")
    handoffs_cmd = f"env DATABASE_URL={assistant.env['DATABASE_URL']} {VENV_BIN / 'wegwijzer'} handoffs list --json"
    result = subprocess.run([sys.executable, str(SIMULATOR), "--url", assistant.url, "--personas", str(personas),
                             "--handoffs-cmd", handoffs_cmd, "--report", str(tmp_path / "report.json")],
                            capture_output=True, text=True, timeout=900)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
