"""The messages a handoff produces: complete, escaped, short."""
from __future__ import annotations

import re
from datetime import datetime

from wegwijzer.handoffs.links import adviser_links, verify
from wegwijzer.storage.tables import HandoffRow
from wegwijzer.handoffs.summary import Labels, adviser_summary, confirmation, escalation, telegram_text, withdrawal
from wegwijzer.handoffs.workdays import add_working_days


def handoff(**changes) -> HandoffRow:
    fields = dict(id=7, conversation_id="web-1234abcd", organisation_key="novel-t", organisation_name="Novel-T",
                  adviser_key="novel-t-a", adviser_name="Voorbeeldadviseur Novel-T A", adviser_email="a@example.org",
                  region="Twente", municipality="Hof van Twente", place="Goor", sector="industrie", employees="35",
                  need="kennis", request_text="Wij willen <script>alert(1)</script> robots & meer.",
                  programs=[{"name": "InnovateGO", "reason": "voor vernieuwers in Twente"}],
                  contact_name="Erik \"Nijland\"", contact_email="erik@nijland.test", contact_phone="0612345678",
                  consent_text="Mag ik uw vraag doorsturen naar Novel-T?", consent_at=datetime(2026, 3, 2, 9, 30),
                  channel="widget", language="nl", status="new", created_at=datetime(2026, 3, 2, 9, 30),
                  company_name="Nijland <Metaal> BV", assignment=1)
    fields.update(changes)
    return HandoffRow(**fields)


LABELS = Labels("Kennis en innovatie", "Industrie en maakbedrijven", 2, "Knowledge and innovation")


def test_the_summary_has_every_fact_and_fits_one_screen(monkeypatch):
    monkeypatch.setenv("WEGWIJZER_LINK_SECRET", "s")
    monkeypatch.setenv("WEGWIJZER_PUBLIC_URL", "https://wegwijzer.example")
    message = adviser_summary(handoff(), LABELS, adviser_links(7, 1))
    assert message.subject == "Nieuwe aanvraag via Wegwijzer: kennis en innovatie - Goor - Nijland <Metaal> BV"
    text = message.text
    for fact in ("Wij willen <script>alert(1)</script> robots & meer.", "Nijland <Metaal> BV",
                 "Goor (gemeente Hof van Twente, regio Twente)", "Industrie en maakbedrijven", "35",
                 "InnovateGO: voor vernieuwers in Twente", "erik@nijland.test", "0612345678", "e-mail of telefoon",
                 "\"Mag ik uw vraag doorsturen naar Novel-T?\" - ja, op 02-03-2026 10:30 via de chat op de website",
                 "aannemen, contact gehad of afsluiten", "Aanvraagnummer 7. Noem dit nummer"):
        assert fact in text, fact
    assert len(text.splitlines()) <= 40 and max(len(line) for line in text.splitlines()) <= 120
    assert "web-1234abcd" not in text and "web-1234abcd" not in message.html, "no internal conversation id"


def test_the_summary_has_one_short_link_to_the_handoff_page(monkeypatch):
    monkeypatch.setenv("WEGWIJZER_LINK_SECRET", "s")
    monkeypatch.setenv("WEGWIJZER_PUBLIC_URL", "https://wegwijzer.example")
    links = adviser_links(7, 1)
    message = adviser_summary(handoff(), LABELS, links)
    urls = re.findall(r"https?://\S+", message.text)
    assert urls == [links.page] and len(links.page) <= 80, links.page
    assert re.fullmatch(r"https://wegwijzer\.example/adviseur\?t=7\.1\.[0-9a-z]+\.[A-Za-z0-9_-]{22}", links.page)
    assert re.findall(r'href="([^"]+)"', message.html) == [links.page]


def test_a_region_whose_name_says_regio_is_not_called_regio_twice():
    text = adviser_summary(handoff(region="Regio Zwolle", municipality="Zwolle", place="Zwolle"), LABELS).text
    assert "Zwolle (gemeente Zwolle, Regio Zwolle)" in text and "regio Regio" not in text
    assert "(gemeente Deventer, Cleantech Regio)" in adviser_summary(
        handoff(region="Cleantech Regio", municipality="Deventer", place="Deventer"), LABELS).text


def test_a_long_company_name_keeps_the_subject_on_one_short_line():
    subject = adviser_summary(handoff(company_name="Bouwbedrijf " + "Heel Lang " * 20 + "\nBV"), LABELS).subject
    assert "\n" not in subject and len(subject) <= 120 and subject.endswith("...")


def test_the_html_escapes_everything_the_entrepreneur_typed(monkeypatch):
    monkeypatch.setenv("WEGWIJZER_LINK_SECRET", "s")
    html = adviser_summary(handoff(), LABELS, adviser_links(7, 1)).html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; robots &amp; meer." in html
    assert "Nijland &lt;Metaal&gt; BV" in html and "Erik &quot;Nijland&quot;" in html
    assert html.count("<script>") == 0 and 'href="http' in html


def test_the_link_verifies_and_carries_the_assignment(monkeypatch):
    monkeypatch.setenv("WEGWIJZER_LINK_SECRET", "s")
    links = adviser_links(7, 3, now=1_000_000)
    token = links.page.split("?t=")[1]
    claim = verify(token, b"s", "closed", now=1_000_000 + 10)
    assert (claim.handoff_id, claim.assignment, claim.action) == (7, 3, "closed")
    assert verify(token, b"s", now=links.expires + 1) is None, "expired"
    assert verify(token, b"other secret") is None
    assert verify(token, b"s", "delete") is None, "only the three steps"
    number, assignment, expires, signature = token.split(".")
    for forged in (f"8.{assignment}.{expires}.{signature}", f"{number}.4.{expires}.{signature}",
                   f"{number}.{assignment}.{expires}z.{signature}", f"{number}.{assignment}.{expires}",
                   f"{number}.{assignment}.{expires}.{signature[:-1]}", f"{number}.{assignment}.{expires}.\u00e9{signature[1:]}",
                   f"-7.{assignment}.{expires}.{signature}", ""):
        assert verify(forged, b"s", now=1_000_000 + 10) is None, forged


def test_confirmation_in_the_entrepreneurs_language():
    nl = confirmation(handoff(), LABELS, "https://wegwijzer.example/privacy")
    assert nl.subject == "Uw vraag is doorgestuurd naar Novel-T"
    assert "binnen 2 werkdagen contact met u op via e-mail of telefoon" in nl.text and "/privacy" in nl.text
    en = confirmation(handoff(language="en", contact_phone=None), LABELS, "https://x/privacy")
    assert en.subject == "Your question has been sent to Novel-T" and "within 2 working days by e-mail" in en.text
    assert "&quot;Nijland&quot;" in en.html and "<script>" not in en.html
    one_day = Labels("Financiering", None, 1, "Financing")
    assert "binnen 1 werkdag contact" in confirmation(handoff(), one_day, "https://x/privacy").text
    assert "within 1 working day by" in confirmation(handoff(language="en"), one_day, "https://x/privacy").text


def test_the_confirmation_never_repeats_what_the_entrepreneur_typed():
    """It goes to an address typed in the chat, unchecked: it must not carry anyone's text to anyone."""
    spam = "KOOP NU goedkope pillen op http://spam.test <b>hier</b>"
    nl = confirmation(handoff(request_text=spam), LABELS, "https://wegwijzer.example/privacy")
    en = confirmation(handoff(request_text=spam, language="en"), LABELS, "https://x/privacy")
    for message in (nl, en):
        for part in ("KOOP NU", "spam.test", "pillen"):
            assert part not in message.text and part not in message.html and part not in message.subject
    assert "U vroeg om hulp bij: kennis en innovatie." in nl.text and "Novel-T" in nl.text
    assert "You asked for help with: knowledge and innovation." in en.text


def test_escalation_and_withdrawal(monkeypatch):
    monkeypatch.setenv("WEGWIJZER_LINK_SECRET", "s")
    message = escalation(handoff(), LABELS, adviser_links(7, 1))
    assert message.subject.startswith("Nog niet aangenomen: kennis en innovatie - Goor")
    assert "Voorbeeldadviseur Novel-T A, maar na 2 werkdagen nog niet aangenomen" in message.text
    assert "binnen 3 werkdagen contact komt" in escalation(handoff(), Labels("Financiering", None, 3), adviser_links(7, 1)).text
    notice = withdrawal(7)
    assert notice.subject == "Aanvraag 7 via Wegwijzer is ingetrokken" and "Nijland" not in notice.text


def test_telegram_text_shortens_the_request_and_keeps_the_links(monkeypatch):
    monkeypatch.setenv("WEGWIJZER_LINK_SECRET", "s")
    links = adviser_links(7, 1)
    for message in (adviser_summary(handoff(request_text="x" * 5000), LABELS, links),
                    escalation(handoff(request_text="x" * 5000), LABELS, links)):
        text = telegram_text(message)
        assert len(text) <= 4000 and "x [... ingekort, zie de e-mail]" in text
        assert links.page in text
        assert text.endswith("Aanvraagnummer 7. Noem dit nummer als u Wegwijzer belt of mailt.") and "erik@nijland.test" in text
    short = adviser_summary(handoff(), LABELS, links)
    assert telegram_text(short) == short.text


def test_telegram_text_without_a_long_request_cuts_the_middle_and_keeps_the_end(monkeypatch):
    monkeypatch.setenv("WEGWIJZER_LINK_SECRET", "s")
    programs = [{"name": f"Programma {n}", "reason": "y" * 90} for n in range(60)]
    message = adviser_summary(handoff(programs=programs), LABELS, adviser_links(7, 1))
    text = telegram_text(message)
    assert len(message.text) > 4000 and len(text) <= 4000
    assert text.startswith(message.subject) and text.endswith("Aanvraagnummer 7. Noem dit nummer als u Wegwijzer belt of mailt.")
    assert adviser_links(7, 1).page.split(".")[0] in text


def test_working_days_skip_the_weekend():
    thursday = datetime(2026, 11, 26, 10, 0)
    assert add_working_days(thursday, 2) == datetime(2026, 11, 30, 10, 0)  # Monday
    saturday = datetime(2026, 11, 28, 10, 0)
    assert add_working_days(saturday, 2) == datetime(2026, 12, 1, 23, 0)  # from Monday 00:00 Dutch time


def test_working_days_are_counted_in_dutch_time():
    """All times are stored in UTC; the weekend and midnight are those of Overijssel."""
    friday_night = datetime(2026, 11, 27, 23, 30)  # Saturday 00:30 in Zwolle: counts from Monday
    assert add_working_days(friday_night, 2) == datetime(2026, 12, 1, 23, 0)  # Wednesday 00:00 Dutch time
    sunday_night = datetime(2026, 11, 29, 23, 30)  # Monday 00:30 in Zwolle: a working day
    assert add_working_days(sunday_night, 2) == datetime(2026, 12, 1, 23, 30)
    before_summer_time = datetime(2026, 3, 27, 10, 0)  # Friday 11:00 CET
    assert add_working_days(before_summer_time, 2) == datetime(2026, 3, 31, 9, 0)  # Tuesday 11:00 CEST


def test_the_subject_header_is_one_line_that_starts_with_the_subject():
    """The standard 78-character folding made some mail clients show a leading space or a broken subject."""
    from email import message_from_bytes, policy

    from wegwijzer.delivery.email import build_email
    from wegwijzer.settings import SmtpSettings

    for company in ("Café 't Hoekje", "Bakkerij Öztürk en zonen met een heel lange naam", "X" * 60):
        message = adviser_summary(handoff(company_name=company), LABELS)
        raw = build_email(SmtpSettings(host="localhost"), "a@example.org", message, "key").as_bytes()
        header = raw.split(b"\nSubject: ", 1)[1].split(b"\n", 1)[0]
        assert header.startswith(b"Nieuwe aanvraag via Wegwijzer: kennis en innovatie - Goor - ")
        assert b"\nSubject: \n" not in raw and b"\n " not in raw.split(b"\n\n", 1)[0], "no folded header line"
        assert message_from_bytes(raw, policy=policy.default)["Subject"] == message.subject
