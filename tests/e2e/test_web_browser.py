"""The chat widget in a real browser (Debian's Chromium, driven by Playwright) against the real
servers: the action server, the Rasa server (tests/servers.py) and the widget's web server.

Screenshots go to var/screenshots/ (desktop and 320 px wide).
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from wegwijzer.settings import PROJECT_ROOT
from tests.servers import VENV_BIN, Assistant, free_port, wait_for

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE = PROJECT_ROOT / "tests" / "web" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = PROJECT_ROOT / "var" / "screenshots"
STATIC = PROJECT_ROOT / "wegwijzer" / "web" / "static"
IN_CI = os.environ.get("CI", "").lower() == "true"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 320, "height": 640}
REPLY_TIMEOUT_MS = 60_000

FOCUSED = """() => {
  const active = document.querySelector('wegwijzer-chat').shadowRoot.activeElement;
  return active ? {tag: active.tagName.toLowerCase(), text: active.textContent.trim(),
                   label: active.getAttribute('aria-label'), outline: getComputedStyle(active).outlineStyle} : null;
}"""
SESSION_ID = """() => {
  const key = Object.keys(sessionStorage).find(k => k.startsWith('wegwijzer-widget'));
  return key ? JSON.parse(sessionStorage.getItem(key)).session : null;
}"""


def require(path: Path, why: str) -> None:
    """Skip with the reason on a machine without it; under CI=true the set-up should have installed it."""
    if path.exists():
        return
    message = f"{path} is missing: {why}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: scripts/test installs it)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def site(assistant) -> str:
    """The widget's web server (``wegwijzer web``) in front of the assistant: the demo page's URL."""
    port = free_port()
    env = {**assistant.env, "RASA_URL": assistant.url, "WEB_PORT": str(port),
           "WEGWIJZER_PUBLIC_URL": f"http://127.0.0.1:{port}"}  # the welcome links the privacy statement here
    with open(assistant.workdir / "web.log", "ab") as log:
        process = subprocess.Popen([VENV_BIN / "wegwijzer", "web"], cwd=PROJECT_ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    assistant.processes["web"] = process
    wait_for(f"http://127.0.0.1:{port}/health", 60, process)
    return f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def browser():
    require(CHROMIUM, "install Debian's chromium (scripts/test does: apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, site):
    context = browser.new_context(viewport=DESKTOP, locale="nl-NL", bypass_csp=True)
    opened = context.new_page()
    opened.set_default_timeout(REPLY_TIMEOUT_MS)
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.dialogs, opened.errors = dialogs, errors
    opened.goto(site)
    yield opened
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


# ---------- helpers: what a user sees and does ----------

def widget(page):
    return page.locator("wegwijzer-chat")


def log(page):
    return widget(page).locator(".ww-log")


def open_chat(page) -> None:
    widget(page).get_by_role("button", name="Chat met Wegwijzer").click()
    expect_bot(page, "computerprogramma", since=0)


def bot_count(page) -> int:
    return log(page).locator(".ww-msg-bot").count()


def expect_bot(page, text: str, since: int) -> None:
    """Wait until an assistant message after the first ``since`` ones says ``text``."""
    page.wait_for_function("""([since, text]) => [...document.querySelector('wegwijzer-chat').shadowRoot
        .querySelectorAll('.ww-msg-bot')].slice(since).some(m => m.textContent.includes(text))""", arg=[since, text])


def choose(page, title: str, then: str) -> None:
    since = bot_count(page)
    log(page).get_by_role("button", name=title, exact=True).click()
    expect_bot(page, then, since)


def say(page, text: str, then: str) -> None:
    since = bot_count(page)
    widget(page).get_by_label("Uw bericht").fill(text)
    widget(page).get_by_label("Uw bericht").press("Enter")
    expect_bot(page, then, since)


def focused(page) -> dict | None:
    return page.evaluate(FOCUSED)


def handoff_for(assistant: Assistant, session: str) -> dict:
    matching = [h for h in assistant.handoffs() if h["conversation_id"] == f"web-{session}"]  # the server names it
    assert len(matching) == 1, f"expected one handoff for the widget's session, got {matching}"
    return matching[0]


def settled(page) -> None:
    """Wait until the log has stopped scrolling (it scrolls smoothly unless the user asks for reduced motion)."""
    page.evaluate("""async () => {
      const log = document.querySelector('wegwijzer-chat').shadowRoot.querySelector('.ww-log');
      for (let last = -1; log.scrollTop !== last;) {
        last = log.scrollTop;
        await new Promise(done => setTimeout(done, 200));
      }
    }""")


def screenshot(page, name: str) -> Path:
    settled(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    return SCREENSHOTS / f"{name}.png"


NEWEST_ANSWER_START = """() => {  // where the first assistant message after the user's last message starts, in the log
  const root = document.querySelector('wegwijzer-chat').shadowRoot;
  const log = root.querySelector('.ww-log').getBoundingClientRect();
  const messages = [...root.querySelectorAll('.ww-msg')];
  let first = null;
  for (let i = messages.length - 1; i >= 0 && messages[i].classList.contains('ww-msg-bot'); i--) first = messages[i];
  const top = first.getBoundingClientRect().top;
  return {top: top - log.top, inView: top >= log.top - 1 && top < log.bottom, logHeight: log.height,
          scrolledToEnd: root.querySelector('.ww-log').scrollHeight - root.querySelector('.ww-log').clientHeight
                         - root.querySelector('.ww-log').scrollTop < 2};
}"""


# ---------- the tests ----------

def test_a_whole_intake_with_a_reload_ends_in_a_stored_handoff(page, assistant):
    open_chat(page)
    assert focused(page)["tag"] == "textarea", "opening the chat puts the focus in the input"
    choose(page, "Kennis en innovatie", then="plaats")
    say(page, "Enschede", then="sector")
    session = page.evaluate(SESSION_ID)
    before = log(page).inner_text()

    page.reload()
    widget(page).locator(".ww-panel").wait_for(state="visible")  # the open chat stays open after a reload
    assert log(page).inner_text() == before, "the transcript is restored"
    assert page.evaluate(SESSION_ID) == session

    choose(page, "Industrie en productie", then="medewerkers")
    choose(page, "10-49", then="zinnen")
    say(page, "Wij willen onze productielijn slimmer maken met sensoren en data.", then="contact")
    screenshot(page, "desktop-referral")
    choose(page, "Ja, graag", then="naam")
    say(page, "Anna de Vries", then="bedrijf")
    say(page, "De Vries Metaal", then="e-mailadres")
    say(page, "anna@devriesmetaal.example", then="Mag ik")
    choose(page, "Ja, dat mag", then="werkdagen")
    assert not log(page).get_by_role("button").count(), "answered buttons are gone"
    screenshot(page, "desktop-handoff")

    handoff = handoff_for(assistant, session)
    assert (handoff["municipality"], handoff["need"], handoff["employees"]) == ("Enschede", "kennis", "10-49")
    assert handoff["request_text"] == "Wij willen onze productielijn slimmer maken met sensoren en data."
    assert handoff["contact_email"] == "anna@devriesmetaal.example" and handoff["company_name"] == "De Vries Metaal"
    web_log = (assistant.workdir / "web.log").read_text(encoding="utf-8", errors="replace")
    assert "Vries" not in web_log and "devriesmetaal" not in web_log and session not in web_log

    say(page, "verwijder mijn gegevens", then="alle gegevens uit dit gesprek verwijder")
    log(page).get_by_role("button", name="Ja, verwijderen", exact=True).click()
    expect_bot(page, "Klaar: ik heb al uw antwoorden", since=0)  # the screen was cleared: the first message now
    shown, stored = log(page).inner_text(), page.evaluate("() => JSON.stringify(sessionStorage)")
    assert "Anna de Vries" not in shown and "devriesmetaal" not in shown, "erased answers stay on the screen"
    assert "Anna de Vries" not in stored and "devriesmetaal" not in stored, "erased answers stay in the tab"
    screenshot(page, "desktop-erased")

    widget(page).get_by_role("button", name="Nieuw gesprek").click()
    widget(page).get_by_role("alertdialog").get_by_role("button", name="Ja, opnieuw beginnen").click()
    expect_bot(page, "computerprogramma", since=0)
    assert page.evaluate(SESSION_ID) != session, "a new conversation has a new session id"
    assert "Anna de Vries" not in log(page).inner_text()
    assert handoff["channel"] == "widget", "the widget's channel reaches the stored handoff"


def test_the_rasa_server_stopping_mid_conversation_loses_nothing(page, assistant):
    open_chat(page)
    choose(page, "Personeel en opleiding", then="plaats")
    assistant.stop("rasa")
    try:
        widget(page).get_by_label("Uw bericht").fill("Zwolle")
        widget(page).get_by_role("button", name="Versturen").click()
        alert = widget(page).get_by_role("alert")
        alert.filter(has_text="niet bereikbaar").wait_for()
        assert [alert.get_by_role("link", name=name).get_attribute("href")
                for name in ("038 499 88 99", "postbus@overijssel.nl")] == ["tel:0384998899", "mailto:postbus@overijssel.nl"]
        assert "Zwolle" in log(page).locator(".ww-msg-user").last.inner_text()
        assert "Niet verstuurd" in log(page).locator(".ww-msg-user").last.inner_text()
        screenshot(page, "desktop-unreachable")
        alert.get_by_role("button", name="Opnieuw versturen").click()
        alert.filter(has_text="niet bereikbaar").wait_for()  # still down: the same message, nothing lost
    finally:
        assistant.start_rasa()
    since = bot_count(page)
    widget(page).get_by_role("button", name="Opnieuw versturen").click()
    expect_bot(page, "sector", since)
    assert "Niet verstuurd" not in log(page).inner_text()
    assert log(page).locator(".ww-msg-user").filter(has_text="Zwolle").count() == 1, "sent once, not twice"
    assert not widget(page).get_by_role("alert").inner_text()


def test_a_message_that_may_have_reached_the_assistant_is_not_sent_again_by_itself(page):
    """The server answers 504 when Rasa got the message but gave no answer in time (a form answer may be
    stored): the widget says so and does not offer to send the same message again."""
    open_chat(page)
    posted = []

    def no_answer(route):
        posted.append(json.loads(route.request.post_data)["message"])
        route.fulfill(status=504, content_type="application/json",
                      body=json.dumps({"error": "assistant_no_answer", "message": "no answer"}))

    page.route("**/api/message", no_answer)
    try:
        widget(page).get_by_label("Uw bericht").fill("Jansen Metaal")
        widget(page).get_by_role("button", name="Versturen").click()
        alert = widget(page).get_by_role("alert")
        alert.filter(has_text="gaf geen antwoord").wait_for()
        assert alert.get_by_role("button", name="Opnieuw versturen").count() == 0
        page.wait_for_timeout(1000)
        assert posted == ["Jansen Metaal"], "sent once, not again"
    finally:
        page.unroute("**/api/message")


def test_keyboard_only_intake(page, assistant):
    for _ in range(30):  # from the top of the page to the launcher with Tab only
        page.keyboard.press("Tab")
        if (focused(page) or {}).get("text") == "Chat met Wegwijzer":
            break
    else:
        pytest.fail("the launcher cannot be reached with Tab")
    page.keyboard.press("Enter")
    expect_bot(page, "computerprogramma", since=0)
    assert focused(page)["tag"] == "textarea"

    page.keyboard.press("Escape")
    assert not widget(page).locator(".ww-panel").is_visible(), "Escape closes the chat"
    assert focused(page)["text"] == "Chat met Wegwijzer", "closing gives the focus back to the launcher"
    page.keyboard.press("Enter")
    assert focused(page)["tag"] == "textarea"

    def press_button(title: str, then: str) -> None:
        for _ in range(25):  # the newest buttons are just before the input: Shift+Tab back to them
            page.keyboard.press("Shift+Tab")
            now = focused(page)
            if now and now["tag"] == "button" and now["text"] == title:
                assert now["outline"] != "none", "keyboard focus is visible"
                since = bot_count(page)
                page.keyboard.press("Enter")
                expect_bot(page, then, since)
                assert focused(page)["tag"] == "textarea", "after an answer the focus is back in the input"
                return
        pytest.fail(f"no button {title!r} reachable with Shift+Tab")

    def type_line(text: str, then: str) -> None:
        since = bot_count(page)
        page.keyboard.type(text)
        page.keyboard.press("Enter")
        expect_bot(page, then, since)

    press_button("Personeel en opleiding", then="plaats")
    type_line("Almelo", then="sector")
    press_button("ICT en software", then="medewerkers")
    press_button("2-9", then="zinnen")
    type_line("Onze ontwikkelaars moeten leren werken met nieuwe programmeertalen.", then="contact")
    press_button("Ja, graag", then="naam")
    type_line("Pieter Jansen", then="bedrijf")
    type_line("geen", then="e-mailadres")
    type_line("pieter@jansensoftware.example", then="Mag ik")
    press_button("Ja, dat mag", then="werkdagen")

    handoff = handoff_for(assistant, page.evaluate(SESSION_ID))
    assert (handoff["municipality"], handoff["need"], handoff["sector"]) == ("Almelo", "personeel", "ict")


def test_accessibility_scan_has_no_serious_or_critical_violations(page, browser, site):
    require(AXE, "run 'npm ci --prefix tests/web' (scripts/test does)")
    page.add_script_tag(path=str(AXE))
    found = {"closed": axe_problems(page)}
    open_chat(page)
    found["open, with answer buttons"] = axe_problems(page)
    widget(page).get_by_label("Uw bericht").fill("x" * 2100)
    widget(page).get_by_label("Uw bericht").press("Enter")
    widget(page).get_by_role("alert").filter(has_text="te lang").wait_for()
    found["message too long"] = axe_problems(page)

    phone = browser.new_context(viewport=PHONE, bypass_csp=True).new_page()
    phone.goto(site)
    phone.add_script_tag(path=str(AXE))
    open_chat(phone)
    found["320 px"] = axe_problems(phone)
    phone.context.close()
    assert not any(found.values()), json.dumps(found, indent=2, ensure_ascii=False)


def axe_problems(page) -> list[dict]:
    result = page.evaluate("""async () => {
      // Scan what the user sees once the panel has faded in (160 ms): half-way through the fade
      // every colour is lighter, which is not the contrast anyone reads.
      const root = document.querySelector('wegwijzer-chat').shadowRoot;
      await Promise.all(root.getAnimations()
        .filter(a => a.effect.getComputedTiming().iterations !== Infinity).map(a => a.finished));
      const r = await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']});
      return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
        .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
    }""")
    return result


def test_html_in_a_message_is_shown_as_text_and_the_counter_warns(page):
    open_chat(page)
    count = bot_count(page)
    page.evaluate("""() => {
      const typing = document.querySelector('wegwijzer-chat').shadowRoot.querySelector('.ww-typing');
      window.typingSeen = [];
      new MutationObserver(() => window.typingSeen.push(typing.textContent)).observe(typing, {childList: true, subtree: true});
    }""")
    widget(page).get_by_label("Uw bericht").fill("<img src=x onerror=alert(1)>")
    widget(page).get_by_label("Uw bericht").press("Enter")
    page.wait_for_function(f"() => document.querySelector('wegwijzer-chat').shadowRoot"
                           f".querySelectorAll('.ww-msg-bot').length > {count}")
    user = log(page).locator(".ww-msg-user .ww-bubble").last
    assert user.text_content() == "U: <img src=x onerror=alert(1)>"
    assert not widget(page).locator("img").count() and not page.dialogs
    assert any("typt een antwoord" in seen for seen in page.evaluate("window.typingSeen")), "a typing indicator showed"
    say(page, "javascript:alert(2) kijk op https://example.org/a?b=<b>c</b> of bel 038 499 88 99", then="")
    links = log(page).locator(".ww-msg-user").last.locator("a")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
        "https://example.org/a?b=", "tel:0384998899"], "only http(s), mailto and tel links"
    assert not widget(page).locator("b, img, [onerror]").count() and not page.dialogs

    box = widget(page).get_by_label("Uw bericht")
    box.fill("a" * 1900)
    assert widget(page).locator(".ww-counter").inner_text() == "1900 van 2000 tekens"
    box.fill("a" * 1999 + "<b>")
    assert "2002 van 2000 tekens: te lang" in widget(page).locator(".ww-counter").inner_text()
    box.press("Enter")
    widget(page).get_by_role("alert").filter(has_text="te lang").wait_for()
    assert box.input_value() == "a" * 1999 + "<b>", "a message that is too long stays in the input"


def test_phone_width_zoom_and_english(browser, site):
    context = browser.new_context(viewport=PHONE, bypass_csp=True, reduced_motion="reduce")
    phone = context.new_page()
    phone.goto(site)
    open_chat(phone)
    assert widget(phone).locator(".ww-panel").evaluate("panel => getComputedStyle(panel).animationName") == "none", \
        "no animation when the user asks for reduced motion"
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"
    panel = widget(phone).locator(".ww-panel").bounding_box()
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= PHONE["width"]
    assert widget(phone).get_by_label("Uw bericht").is_visible()
    assert widget(phone).get_by_role("button", name="Versturen").is_visible()
    assert widget(phone).get_by_role("button", name="Chat sluiten").is_visible()
    screenshot(phone, "phone-320-open")
    choose(phone, "Personeel en opleiding", then="plaats")
    screenshot(phone, "phone-320-buttons")
    context.close()

    zoomed = browser.new_context(viewport={"width": 640, "height": 400}, device_scale_factor=2)  # 1280x800 at 200%
    page = zoomed.new_page()
    page.goto(site)
    open_chat(page)
    for control in (widget(page).get_by_label("Uw bericht"), widget(page).get_by_role("button", name="Versturen"),
                    widget(page).get_by_role("button", name="Chat sluiten")):
        box = control.bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= 400, "every control fits at 200% zoom"
    screenshot(page, "desktop-200-percent")
    zoomed.close()

    english = browser.new_context(viewport=DESKTOP).new_page()
    english.goto(f"{site}health")  # the same origin, with an English page around the widget
    demo = (STATIC / "demo.html").read_text(encoding="utf-8")
    english.set_content(demo.replace('<html lang="nl">', '<html lang="en">').replace(' data-lang="nl"', ""))
    launcher = widget(english).get_by_role("button", name="Chat with Wegwijzer")
    launcher.click()
    assert widget(english).get_by_label("Your message").is_visible()
    english.context.close()


def test_the_choice_between_two_needs_fits_a_phone_and_its_first_buttons_are_the_two(browser, site):
    context = browser.new_context(viewport=PHONE, bypass_csp=True, reduced_motion="reduce")
    phone = context.new_page()
    phone.set_default_timeout(REPLY_TIMEOUT_MS)
    phone.goto(site)
    open_chat(phone)
    say(phone, "we hebben een stagiair nodig en ook geld voor een nieuwe bus", then="vooral over")
    titles = log(phone).locator(".ww-msg-bot").last.get_by_role("button").all_inner_texts()
    assert set(titles[:2]) == {"Samenwerken met onderwijs", "Financiering"} and len(titles) == 5
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"
    screenshot(phone, "phone-320-need-choice")
    choose(phone, "Samenwerken met onderwijs", then="plaats")
    context.close()


# ---------- issue 15: the first screen, links, starting over, WCAG 2.2 ----------

@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "320"])
def test_the_first_screen_shows_the_start_of_the_welcome_with_a_privacy_link(browser, site, viewport):
    page = browser.new_context(viewport=viewport, locale="nl-NL", reduced_motion="reduce").new_page()
    page.set_default_timeout(REPLY_TIMEOUT_MS)
    page.goto(site)
    open_chat(page)
    widget(page).locator(".ww-choice").first.wait_for()
    settled(page)
    welcome = log(page).locator(".ww-msg-bot").first
    assert welcome.inner_text().index("computerprogramma") < 80, "the welcome says first that it is a program"
    assert len(welcome.inner_text()) < 330, "the welcome is short"
    start = page.evaluate(NEWEST_ANSWER_START)
    assert start["inView"] and start["top"] < 24, f"the welcome's start is scrolled away: {start}"
    line = welcome.bounding_box()
    frame = log(page).bounding_box()
    assert line["y"] >= frame["y"] - 1, "the line saying it is a computer program is in view"
    link = welcome.get_by_role("link", name="/privacy")
    assert link.get_attribute("href").endswith("/privacy") and link.get_attribute("href").startswith("http")
    name = "desktop" if viewport == DESKTOP else "320"
    shot = screenshot(page, f"first-screen-{name}")
    assert shot.stat().st_size > 5000
    page.context.close()


def test_a_long_answer_is_shown_from_its_start_and_a_short_one_at_the_end(browser, site):
    page = browser.new_context(viewport=PHONE, locale="nl-NL", reduced_motion="reduce").new_page()
    page.set_default_timeout(REPLY_TIMEOUT_MS)
    page.goto(site)
    open_chat(page)
    choose(page, "Kennis en innovatie", then="plaats")
    settled(page)
    assert page.evaluate(NEWEST_ANSWER_START)["scrolledToEnd"], "a short answer: the log is at its end"
    say(page, "/ask_privacy", then="privacyverklaring")  # the payload: this test is about scrolling, not understanding
    settled(page)
    start = page.evaluate(NEWEST_ANSWER_START)
    assert start["inView"] and start["top"] < 24 and not start["scrolledToEnd"], start
    page.context.close()


def test_new_conversation_asks_first_and_keeps_the_conversation_when_the_user_says_no(page):
    open_chat(page)
    choose(page, "Financiering", then="plaats")
    session, before = page.evaluate(SESSION_ID), log(page).inner_text()
    new = widget(page).get_by_role("button", name="Nieuw gesprek")
    new.click()
    dialog = widget(page).get_by_role("alertdialog", name="Opnieuw beginnen? Dit gesprek verdwijnt dan uit dit venster.")
    assert dialog.is_visible() and new.get_attribute("aria-expanded") == "true"
    assert focused(page)["text"] == "Nee, verder met dit gesprek", "the safe choice has the focus"
    page.keyboard.press("Enter")
    assert not dialog.is_visible() and focused(page)["text"] == "Nieuw gesprek"
    assert log(page).inner_text() == before and page.evaluate(SESSION_ID) == session
    new.click()
    page.keyboard.press("Escape")
    assert not dialog.is_visible() and widget(page).locator(".ww-panel").is_visible(), "Escape only closes the question"
    new.click()
    dialog.get_by_role("button", name="Ja, opnieuw beginnen").click()
    expect_bot(page, "computerprogramma", since=0)
    assert page.evaluate(SESSION_ID) != session and log(page).locator(".ww-msg-user").count() == 0
    assert focused(page)["tag"] == "textarea"


def test_the_accessibility_statement_is_linked_from_the_widget_and_passes_the_scan(page, site):
    require(AXE, "run 'npm ci --prefix tests/web' (scripts/test does)")
    open_chat(page)
    footer = widget(page).locator(".ww-footer")
    href = footer.get_by_role("link", name="Toegankelijkheid").get_attribute("href")
    assert href == f"{site}toegankelijkheid"
    assert footer.get_by_role("link", name="Privacy").get_attribute("href") == f"{site}privacy"
    assert footer.get_by_role("link", name="038 499 88 99").get_attribute("href") == "tel:0384998899"
    statement = page.context.new_page()
    assert statement.goto(href).status == 200
    assert statement.get_by_role("heading", level=1).inner_text() == "Toegankelijkheidsverklaring Wegwijzer"
    for wanted in ("2.4.11", "2.5.8", "3.2.6", "038 499 88 99", "Nationale ombudsman"):
        assert wanted in statement.content()
    statement.add_script_tag(path=str(AXE))
    problems = statement.evaluate("""async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a',
        'wcag21aa', 'wcag22aa', 'best-practice']})).violations.filter(v => ['serious', 'critical'].includes(v.impact))
        .map(v => v.id)""")
    assert problems == []


TARGETS = """() => {
  const root = document.querySelector('wegwijzer-chat').shadowRoot;
  return [...root.querySelectorAll('button, .ww-footer a, .ww-launcher')]
    .filter(node => node.getClientRects().length)
    .map(node => { const box = node.getBoundingClientRect();
                   return {name: node.textContent.trim() || node.getAttribute('aria-label'), width: box.width, height: box.height}; });
}"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "320"])
def test_every_target_is_at_least_24_by_24_and_help_stays_in_one_place(browser, site, viewport):
    page = browser.new_context(viewport=viewport, locale="nl-NL", reduced_motion="reduce").new_page()
    page.set_default_timeout(REPLY_TIMEOUT_MS)
    page.goto(site)
    open_chat(page)
    widget(page).locator(".ww-choice").first.wait_for()
    widget(page).get_by_role("button", name="Nieuw gesprek").click()
    targets = page.evaluate(TARGETS)
    assert len(targets) >= 10
    small = [t for t in targets if t["width"] < 24 or t["height"] < 24]
    assert small == [], small
    footer = widget(page).locator(".ww-footer").bounding_box()
    widget(page).get_by_role("button", name="Nee, verder met dit gesprek").click()
    choose(page, "Financiering", then="plaats")
    assert widget(page).locator(".ww-footer").bounding_box() == footer, "the help moved"
    page.context.close()


def test_focus_on_the_page_is_never_hidden_behind_the_launcher_or_the_panel(page):
    page.evaluate("""() => {  // a long page with a link at its very end, bottom right, where the launcher sits
      const end = document.createElement('div');
      end.style.cssText = 'padding: 1500px 60px 24px 0; text-align: right';
      end.innerHTML = '<a href="#onder" id="onder">Onderaan</a>';
      document.body.appendChild(end);
      window.scrollTo(0, document.documentElement.scrollHeight);
    }""")
    uncovered = """() => { const box = document.getElementById('onder').getBoundingClientRect();
      const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      return hit !== null && hit.id === 'onder'; }"""
    assert not page.evaluate(uncovered), "the test link must start behind the launcher"
    page.focus("#onder")
    page.wait_for_function(uncovered)
    widget(page).get_by_role("button", name="Chat met Wegwijzer").click()
    expect_bot(page, "computerprogramma", since=0)
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.focus("#onder")
    page.wait_for_function(uncovered)


def test_on_a_phone_the_full_window_chat_keeps_the_focus_inside(browser, site):
    phone = browser.new_context(viewport=PHONE, locale="nl-NL").new_page()
    phone.goto(site)
    open_chat(phone)
    for _ in range(40):
        phone.keyboard.press("Tab")
        assert phone.evaluate("document.activeElement.tagName.toLowerCase()") == "wegwijzer-chat", \
            "Tab left the full-window chat for the page hidden behind it"
    phone.context.close()
