"""The province's report, filled through real conversations with the running assistant and real adviser links.

One assistant of its own (its own database), so the counts are exactly what these conversations did. The
conversations follow the questions the assistant asks (recognised by the texts in domain.yml), in whatever
order it asks them. Then ``wegwijzer report`` writes report.json, checked figure by figure, and report.html,
opened in Chromium: no request leaves the file, axe finds nothing serious, and a screenshot is saved.
"""
from __future__ import annotations

import json
import re
import subprocess
import urllib.parse
import urllib.request
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from tests.e2e.test_web_browser import AXE, CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, require
from tests.servers import VENV_BIN, Assistant, free_port, wait_for
from wegwijzer.handoffs.escalation import escalate_waiting
from wegwijzer.handoffs.lifecycle import utcnow
from wegwijzer.handoffs.links import adviser_links
from wegwijzer.handoffs.workdays import DUTCH_TIME
from wegwijzer.reporting.privacy import HIDDEN
from wegwijzer.settings import PROJECT_ROOT
from wegwijzer.storage.engine import get_engine

pytestmark = pytest.mark.slow

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
ASKS = {  # what the assistant asks -> its responses (both wordings)
    **{slot: (f"utter_question_{slot}", f"utter_question_{slot}_again")
       for slot in ("need", "place", "sector", "employees", "request_text", "contact_name", "company_name",
                    "contact_info")},
    "consent": ("utter_ask_consent",), "want_contact": ("utter_ask_want_contact",),
    "anything_else": ("utter_anything_else",), "helped": ("utter_ask_helped",),
}
LINK_SECRET = "report-test-secret-" + "x" * 24


def _openings(response: str) -> list[str]:
    return [variant["text"].split("{")[0].strip() for variant in DOMAIN["responses"].get(response, [])
            if not variant.get("condition")]


OPENINGS = {step: [o for r in responses for o in _openings(r) if len(o) >= 12] for step, responses in ASKS.items()}


def asked(reply: list[dict]) -> str | None:
    """The question the assistant's last message asks, by the opening of its Dutch text."""
    for message in reversed(reply):
        text = message.get("text") or ""
        for step, openings in OPENINGS.items():
            if any(text.startswith(opening) for opening in openings):
                return step
    return None


def answer_for(reply: list[dict], answer: str) -> str:
    """The payload of the button titled ``answer`` when there is one, else the answer as typed text."""
    for message in reply:
        for button in message.get("buttons") or []:
            if button["title"].lower() == answer.lower():
                return button["payload"]
    return answer


class Conversations:
    def __init__(self, assistant: Assistant):
        self.assistant = assistant
        self.count = 0

    def say(self, sender: str, message: str, channel: str | None) -> list[dict]:
        body = {"sender": sender, "message": message}
        if channel:
            body["metadata"] = {"channel": channel}
        request = urllib.request.Request(f"{self.assistant.url}/webhooks/rest/webhook", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read() or b"[]")

    def run(self, first: str, answers: dict[str, str], *, channel: str | None = None) -> tuple[list[str], list[dict]]:
        """Say ``first``, then answer every question in ``answers``; stop at a question not in it (or none).
        Returns the questions asked and the last reply."""
        self.count += 1
        sender = f"report-{self.count}"
        reply, steps = self.say(sender, first, channel), []
        while (step := asked(reply)) in answers and len(steps) < 20:
            steps.append(step)
            reply = self.say(sender, answer_for(reply, answers[step]), channel)
        if step is not None:
            steps.append(step)
        return steps, reply


def text_of(reply: list[dict]) -> str:
    return " ".join(m.get("text") or "" for m in reply)


def take_step(page_url: str, step: str, extra: dict[str, str] | None = None) -> str:
    """What an adviser does: open the handoff page from the e-mail, then press the button for ``step`` (a POST)."""
    with urllib.request.urlopen(page_url, timeout=30) as response:
        page = response.read().decode()
    assert f'<form method="post" action="/adviseur/{step}">' in page, page
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))
    base = page_url.split("/adviseur")[0]
    data = urllib.parse.urlencode({**fields, **(extra or {})}).encode()
    with urllib.request.urlopen(urllib.request.Request(f"{base}/adviseur/{step}", data=data), timeout=30) as response:
        answer = response.read().decode()
    assert "Dank u wel, dit is opgeslagen." in answer, answer
    return answer


def programs_for(env: dict, place: str, need: str, sector: str, employees: str, text: str) -> int:
    """How many programs the referral data suggests for this intake (programs are chosen by the request's words)."""
    out = subprocess.run([VENV_BIN / "wegwijzer", "route", "--place", place, "--need", need, "--sector", sector,
                          "--employees", employees, "--text", text, "--json"], env=env, check=True, capture_output=True,
                         text=True)
    return len(json.loads(out.stdout)["programs"])


HELPED = {"need": "Personeel en opleiding", "place": "Deventer", "sector": "Bouw en installatie", "employees": "25",
          "request_text": "Mijn monteurs moeten leren werken met warmtepompen.", "want_contact": "Ja",
          "contact_name": "Erik Nijland", "company_name": "Nijland Installatietechniek",
          "contact_info": "erik@nijland.example", "consent": "Ja", "anything_else": "nee", "helped": "Ja"}
NO_CONTACT = {"need": "Financiering", "place": "Enschede", "sector": "ICT en software", "employees": "3",
              "request_text": "Wij zoeken geld om onze software verder te ontwikkelen.", "want_contact": "Nee",
              "anything_else": "nee", "helped": "Nee"}
OUTSIDE = {"need": "Netwerk van ondernemers", "place": "Amersfoort", "sector": "Handel en webwinkels", "employees": "8",
           "request_text": "Ik zoek andere ondernemers om kennis mee te delen."}


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """Conversations of every kind, adviser clicks, and the report made from them."""
    workdir = tmp_path_factory.mktemp("report")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WEGWIJZER_LINK_SECRET", LINK_SECRET)
        assistant = Assistant(workdir)
        web_port = free_port()
        patch.setenv("WEGWIJZER_PUBLIC_URL", f"http://127.0.0.1:{web_port}")
        try:
            assistant.start()
            env = {**assistant.env, "RASA_URL": assistant.url, "WEB_PORT": str(web_port)}
            with open(workdir / "web.log", "ab") as log:
                web = subprocess.Popen([VENV_BIN / "wegwijzer", "web"], cwd=PROJECT_ROOT, env=env, stdout=log,
                                       stderr=subprocess.STDOUT)
            assistant.processes["web"] = web
            wait_for(f"http://127.0.0.1:{web_port}/health", 60, web)
            done = talk(Conversations(assistant), assistant)
            out = workdir / "out"
            subprocess.run([VENV_BIN / "wegwijzer", "report", "--out", str(out)], env=assistant.env, check=True,
                           capture_output=True)
            done["report"] = json.loads((out / "report.json").read_text(encoding="utf-8"))
            done["html"] = out / "report.html"
            yield done
        finally:
            assistant.stop_all()


def talk(conversations: Conversations, assistant: Assistant) -> dict:
    """Every kind of conversation the report counts; returns what they did, for the expected figures."""
    seen: dict = {"stopped": Counter(), "programs": []}
    for _ in range(6):  # the whole way: a handoff, then "helped: yes"
        steps, reply = conversations.run("Goedemiddag", HELPED, channel="widget")
        assert "consent" in steps and steps[-1] == "helped" and "Dank u wel" in text_of(reply), (steps, reply)
    seen["programs"] += [programs_for(assistant.env, "Deventer", "personeel", "bouw", "25", HELPED["request_text"])] * 6
    steps, reply = conversations.run("Hallo", NO_CONTACT)  # referred, no contact, "helped: no"
    assert "want_contact" in steps and "contact_name" not in steps and steps[-1] == "helped", steps
    seen["programs"].append(programs_for(assistant.env, "Enschede", "financiering", "ict", "3", NO_CONTACT["request_text"]))
    steps, reply = conversations.run("Goedendag", OUTSIDE)  # a business outside Overijssel
    assert "Amersfoort" in text_of(reply) and "place" in steps, (steps, reply)
    for _ in range(5):  # said hello, got the first question, went away
        steps, _ = conversations.run("Hallo", {}, channel="telegram")
        seen["stopped"][steps[-1]] += 1
    steps, _ = conversations.run("Hoi", {k: HELPED[k] for k in list(HELPED)[:2]})  # went away after two answers
    seen["stopped"][steps[-1]] += 1
    themes = {"ik wil een eigen bedrijf beginnen, hoe schrijf ik me in bij de KVK": "starten",
              "hoe regel ik de douane voor export buiten de EU": "export"}
    for message in themes:
        steps, reply = conversations.run(message, {})
        assert "0800 2117" in text_of(reply), reply
    steps, reply = conversations.run("wat voor weer wordt het morgen", {})
    assert "Daar kan ik u helaas niet mee helpen" in text_of(reply), reply
    steps, reply = conversations.run("qwrtp zxcvbn plkmjn", {})
    assert "begreep" in text_of(reply), reply
    seen["conversations"] = conversations.count

    handoffs = sorted(assistant.handoffs(), key=lambda h: h["id"])
    assert len(handoffs) == 6
    for number, handoff in enumerate(handoffs[:5]):  # five accepted, contacted and closed; the sixth waits
        page = adviser_links(handoff["id"], handoff["assignment"]).page
        take_step(page, "accept")
        take_step(page, "contacted")
        take_step(page, "closed", {"outcome": "helped" if number < 4 else "no_match"})
    assert escalate_waiting(get_engine(assistant.env["DATABASE_URL"]), utcnow() + timedelta(days=7)) == 1
    seen["handoffs"] = handoffs
    return seen


def cells(rows: list[dict]) -> dict[str, int | str]:
    return {row["key"]: row["count"] for row in rows}


def test_every_figure_is_what_the_conversations_did(filled):
    report, seen = filled["report"], filled
    assert report["empty"] is False and report["privacy"] == {"threshold": 5, "hidden_as": HIDDEN}
    funnel = report["funnel"]
    assert (funnel["conversations"], funnel["intakes_finished"], funnel["referred"], funnel["contact_wanted"],
            funnel["consent"], funnel["handoffs"]) == (18, 8, 7, 6, 6, 6)
    assert seen["conversations"] == 18
    first, second = seen["stopped"].most_common()
    assert first[1] == 5 and second[1] == 1
    expected_stops = {row["key"]: HIDDEN for row in funnel["stopped_at"]}
    expected_stops[first[0]] = 5
    assert cells(funnel["stopped_at"]) == expected_stops

    referrals = report["referrals"]
    assert referrals["total"] == 7
    assert cells(referrals["by_region"]) == {"cleantech": 6, "twente": HIDDEN}
    assert cells(referrals["by_municipality"]) == {"Deventer": 6, "Enschede": HIDDEN}
    assert cells(referrals["by_need"]) == {"personeel": 6, "financiering": HIDDEN}
    assert cells(referrals["by_sector"]) == {"bouw": 6, "ict": HIDDEN}
    assert list(cells(referrals["by_size_band"]).values()) == [6, HIDDEN]
    assert cells(referrals["by_channel"]) == {"widget": 6, "rest": HIDDEN}
    assert cells(referrals["by_month"]) == {datetime.now(DUTCH_TIME).strftime("%Y-%m"): 7}

    loop = report["closed_loop"]
    assert (loop["handoffs"], loop["accepted"], loop["contacted"], loop["closed"], loop["escalated"]) == (6, 5, 5, 5, 1)
    assert cells(loop["outcomes"]) == {"helped": HIDDEN, "referred_on": HIDDEN, "not_reachable": HIDDEN, "no_match": HIDDEN}
    (organisation,) = loop["by_organisation"]
    assert organisation["label"] == seen["handoffs"][0]["organization"]
    assert (organisation["handoffs"], organisation["accepted"], organisation["contacted"], organisation["closed"],
            organisation["escalated"], organisation["due"]) == (6, 5, 5, 5, HIDDEN, 5)
    assert organisation["median_hours_to_accepted"] == 0.0 and organisation["median_hours_to_contacted"] == 0.0
    assert organisation["contacted_in_time_percent"] == 100 and organisation["promised_working_days"] >= 1

    unmet = report["unmet"]
    no_program = sum(count == 0 for count in seen["programs"])
    assert (unmet["other_themes"], unmet["outside_overijssel"], unmet["unanswered"], unmet["no_program"]) == \
           (3, 1, 2, no_program)
    assert cells(unmet["by_theme"]) == {"starten": HIDDEN, "export": HIDDEN, "onbekend": HIDDEN}
    assert cells(unmet["by_region"]) == {"-": HIDDEN}, "asked before any place was known"
    assert report["satisfaction"] == {"answered": 7, "helped_percent": 86,
                                      "answers": [{"key": "ja", "label": "Ja, geholpen", "count": 6},
                                                  {"key": "nee", "label": "Nee, niet geholpen", "count": HIDDEN}]}
    every_cell = [row["count"] for section in (funnel["stopped_at"], *referrals.values(), loop["outcomes"],
                                               unmet["by_theme"], unmet["by_region"], unmet["no_program_by_need"])
                  if isinstance(section, list) for row in section]
    assert all(c == HIDDEN or c >= 5 for c in every_cell), "no breakdown cell under 5 is shown"


def test_the_page_opens_offline_and_passes_axe(filled):
    require(CHROMIUM, "install Debian's chromium (scripts/test does: apt-get install -y chromium)")
    require(AXE, "run 'npm ci --prefix tests/web' (scripts/test does)")
    from playwright.sync_api import sync_playwright

    html: Path = filled["html"]
    source = html.read_text(encoding="utf-8")
    assert "<script" not in source and "http://" not in source.replace("http://www.w3.org/", "")
    assert "&lt;5" in source and "Totalen zijn altijd precies" in source
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # Without the page's own Content-Security-Policy, so that anything it referred to elsewhere would be
            # requested (and seen here), and axe can be added.
            page = browser.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(html.as_uri())
            assert page.get_by_role("heading", level=1).inner_text().startswith("Wegwijzer Overijssel")
            assert page.locator("svg[role=img]").count() >= 10 and page.locator("table").count() >= 10
            assert all(url.startswith(("file:", "data:")) for url in requests), requests
            page.add_script_tag(path=str(AXE))
            problems = page.evaluate("""async () => {
              const r = await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']});
              return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
                .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
            }""")
            assert not problems, json.dumps(problems, indent=2)
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "report.png"), full_page=True)
        finally:
            browser.close()
