"""The messages a handoff produces: the adviser's summary, the confirmation, the escalation and the withdrawal.

Each comes as subject, plain text and HTML (every value escaped), short enough to read on one screen.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape

from wegwijzer.handoffs.links import AdviserLinks
from wegwijzer.referral.wording import region_phrase, working_days
from wegwijzer.storage.tables import HandoffRow
from wegwijzer.texts import in_language, province_contact

try:
    from zoneinfo import ZoneInfo

    LOCAL_TIME = ZoneInfo("Europe/Amsterdam")
except Exception:  # noqa: BLE001 - no time zone data on this machine: show UTC
    LOCAL_TIME = timezone.utc

CHANNEL_NAMES = {"widget": "de chat op de website", "telegram": "Telegram", "rest": "de chat (REST)"}
OUTCOMES = {"helped": "geholpen", "referred_on": "doorverwezen", "not_reachable": "niet bereikbaar",
            "no_match": "past niet"}
TELEGRAM_LIMIT = 4000  # Telegram takes 4096 characters; a margin for its own counting
CUT_NOTE = " [... ingekort, zie de e-mail]"
SUBJECT_COMPANY = 60


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str
    shortenable: str = ""  # the part of ``text`` that may be cut when a channel has a length limit


@dataclass(frozen=True)
class Labels:
    """Dutch labels of the handoff's keys, from the referral data."""

    need: str
    sector: str | None = None
    response_days: int = 2
    need_en: str | None = None


def local_time(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.replace(tzinfo=timezone.utc).astimezone(LOCAL_TIME).strftime("%d-%m-%Y %H:%M")


def preferred_contact(handoff: HandoffRow) -> str:
    ways = [w for w, given in (("e-mail", handoff.contact_email), ("telefoon", handoff.contact_phone)) if given]
    return " of ".join(ways) or "-"


def summary_subject(handoff: HandoffRow, labels: Labels) -> str:
    """One line: the need, the place and the company (cut to ``SUBJECT_COMPANY`` characters, one line only)."""
    parts = [labels.need.lower(), handoff.place or handoff.municipality]
    if handoff.company_name:
        company = " ".join(handoff.company_name.split())
        parts.append(company if len(company) <= SUBJECT_COMPANY else company[:SUBJECT_COMPANY - 3].rstrip() + "...")
    return "Nieuwe aanvraag via Wegwijzer: " + " - ".join(parts)


def _facts(handoff: HandoffRow, labels: Labels) -> list[tuple[str, str]]:
    return [
        ("Bedrijf", handoff.company_name or "-"),
        ("Plaats", f"{handoff.place or '-'} (gemeente {handoff.municipality}, {region_phrase(handoff.region)})"),
        ("Sector", labels.sector or handoff.sector or "-"),
        ("Medewerkers", handoff.employees or "-"),
        ("Behoefte", labels.need.lower()),
    ]


def _contact(handoff: HandoffRow) -> list[tuple[str, str]]:
    return [
        ("Naam", handoff.contact_name or "-"),
        ("E-mail", handoff.contact_email or "-"),
        ("Telefoon", handoff.contact_phone or "-"),
        ("Voorkeur", preferred_contact(handoff)),
    ]


def _consent(handoff: HandoffRow) -> str:
    channel = CHANNEL_NAMES.get(handoff.channel, handoff.channel)
    return f"\"{handoff.consent_text}\" - ja, op {local_time(handoff.consent_at)} via {channel}"


LINK_INTRO = "Open de aanvraag en kies wat u heeft gedaan: aannemen, contact gehad of afsluiten."


def _link_note(links: AdviserLinks) -> str:
    return (f"De link werkt tot {local_time(datetime.utcfromtimestamp(links.expires))} en is alleen voor u: "
            "stuur hem niet door.")


def _footer(handoff: HandoffRow) -> str:
    return f"Aanvraagnummer {handoff.id}. Noem dit nummer als u Wegwijzer belt of mailt."


def _text_block(rows: list[tuple[str, str]]) -> list[str]:
    width = max(len(label) for label, _ in rows) + 2
    return [f"{label + ':':<{width}}{value}" for label, value in rows]


def _html_table(rows: list[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><th align=\"left\" style=\"padding-right:1em\">{escape(label)}</th><td>{escape(value)}</td></tr>"
                    for label, value in rows)
    return f"<table>{cells}</table>"


def _html_page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang=\"nl\"><head><meta charset=\"utf-8\"><title>{escape(title)}</title></head>"
            f"<body style=\"font-family:sans-serif;max-width:42em\">{body}</body></html>")


def render_summary(handoff: HandoffRow, need_label: str, links: AdviserLinks | None = None,
                   sector_label: str | None = None) -> str:
    """The adviser's summary as plain text, starting with the subject line."""
    return adviser_summary(handoff, Labels(need_label, sector_label), links).text


def adviser_summary(handoff: HandoffRow, labels: Labels, links: AdviserLinks | None = None,
                    intro: str | None = None) -> Message:
    """What the adviser reads: the request, the facts, programs, contact, consent and the links."""
    subject = summary_subject(handoff, labels)
    request = handoff.request_text or "(niet gegeven)"
    programs = [f"{p['name']}: {p['reason']}" for p in handoff.programs or []]
    lines = [subject, ""]
    if intro:
        lines += [intro, ""]
    lines += ["Vraag in eigen woorden:", f"  \"{request}\"", ""]
    lines += _text_block(_facts(handoff, labels))
    if programs:
        lines += ["", "Mogelijk passende programma's:"] + [f"  - {p}" for p in programs]
    lines += ["", "Contact:"] + _text_block(_contact(handoff))
    lines += ["", f"Toestemming: {_consent(handoff)}"]
    if links:
        lines += ["", LINK_INTRO, f"  {links.page}", "Daar leest u ook het gesprek met Wegwijzer terug.", _link_note(links)]
    lines += ["", _footer(handoff)]

    html = [f"<h2>{escape(subject)}</h2>"]
    if intro:
        html.append(f"<p><strong>{escape(intro)}</strong></p>")
    html.append(f"<p>Vraag in eigen woorden:</p><blockquote>{escape(request)}</blockquote>")
    html.append(_html_table(_facts(handoff, labels)))
    if programs:
        html.append("<p>Mogelijk passende programma's:</p><ul>"
                    + "".join(f"<li>{escape(p)}</li>" for p in programs) + "</ul>")
    html.append("<p>Contact:</p>" + _html_table(_contact(handoff)))
    html.append(f"<p>Toestemming: {escape(_consent(handoff))}</p>")
    if links:
        html.append(f"<p>{escape(LINK_INTRO)} Daar leest u ook het gesprek met Wegwijzer terug.</p>"
                    f"<p><a href=\"{escape(links.page)}\">Open aanvraag {handoff.id}</a></p>"
                    f"<p><small>{escape(_link_note(links))}</small></p>")
    html.append(f"<p><small>{escape(_footer(handoff))}</small></p>")
    return Message(subject, "\n".join(lines), _html_page(subject, "".join(html)), shortenable=request)


def escalation(handoff: HandoffRow, labels: Labels, links: AdviserLinks) -> Message:
    """To the organisation's general address: nobody accepted this handoff within the promised working days."""
    days = labels.response_days
    intro = (f"Deze aanvraag is op {local_time(handoff.assigned_at or handoff.created_at)} doorgestuurd naar "
             f"{handoff.adviser_name}, maar na {working_days(days, 'nl')} nog niet aangenomen. "
             f"De ondernemer hoorde dat er binnen {working_days(days, 'nl')} contact komt. "
             "Wilt u zorgen dat iemand contact opneemt?")
    summary = adviser_summary(handoff, labels, links, intro=intro)
    subject = "Nog niet aangenomen: " + summary.subject.removeprefix("Nieuwe aanvraag via Wegwijzer: ")
    return Message(subject, summary.text.replace(summary.subject, subject, 1),
                   summary.html.replace(escape(summary.subject), escape(subject), 2), summary.shortenable)


# The confirmation goes to an address the entrepreneur typed, unchecked: it names the need and the
# organisation in our words and never repeats what they typed, so it cannot carry someone's text
# to someone else's inbox.
_CONFIRMATION = {
    "nl": {
        "subject": "Uw vraag is doorgestuurd naar {organisation}",
        "lines": ["Beste {name},", "",
                  "Dank u wel voor uw vraag. Met uw toestemming hebben wij die doorgestuurd naar {organisation}.",
                  "U vroeg om hulp bij: {need}.",
                  "{adviser} neemt binnen {days} contact met u op via {way}.", "",
                  "Wilt u dat wij uw gegevens verwijderen? Lees hoe op {privacy_url}.",
                  "Vragen? Bel de provincie Overijssel: {phone}, of mail {email}.", "",
                  "Met vriendelijke groet,", "Wegwijzer, provincie Overijssel"],
    },
    "en": {
        "subject": "Your question has been sent to {organisation}",
        "lines": ["Dear {name},", "",
                  "Thank you for your question. With your permission we have sent it to {organisation}.",
                  "You asked for help with: {need}.",
                  "{adviser} will contact you within {days} by {way}.", "",
                  "Do you want us to delete your data? See how at {privacy_url}.",
                  "Questions? Call the province of Overijssel: {phone_international}, or e-mail {email}.", "",
                  "Kind regards,", "Wegwijzer, province of Overijssel"],
    },
}


def confirmation(handoff: HandoffRow, labels: Labels, privacy_url: str) -> Message:
    """To the entrepreneur, in the language of the conversation; without the text they typed."""
    language = handoff.language
    words = _CONFIRMATION[in_language(language, "nl", "en")]
    way = preferred_contact(handoff)
    way = in_language(language, way, way.replace("telefoon", "phone").replace(" of ", " or "))
    contact = province_contact()
    values = {"organisation": handoff.organisation_name, "adviser": handoff.adviser_name,
              "name": handoff.contact_name or in_language(language, "heer/mevrouw", "Sir/Madam"),
              "days": working_days(labels.response_days, in_language(language, "nl", "en")), "way": way,
              "need": in_language(language, labels.need, labels.need_en or labels.need).lower(),
              "privacy_url": privacy_url, "phone": contact.phone, "phone_international": contact.phone_international,
              "email": contact.email}
    subject = words["subject"].format(**values)
    text = "\n".join(line.format(**values) for line in words["lines"])
    escaped = {k: escape(str(v)) for k, v in values.items()}
    body = "".join(f"<p>{line.format(**escaped)}</p>" if line else "" for line in words["lines"])
    return Message(subject, text, _html_page(subject, body))


def withdrawal(handoff_ref: int) -> Message:
    """To an adviser who got a summary of a handoff that the entrepreneur had erased: no personal data."""
    subject = f"Aanvraag {handoff_ref} via Wegwijzer is ingetrokken"
    paragraphs = [f"De ondernemer van aanvraag {handoff_ref} heeft gevraagd al zijn of haar gegevens te verwijderen. "
                  "Wij hebben de aanvraag verwijderd.",
                  f"Heeft u een e-mail of bericht over aanvraag {handoff_ref} gekregen? Wilt u dat dan ook verwijderen, "
                  "met uw notities, en geen contact meer opnemen over deze aanvraag?",
                  "Dank u wel. Wegwijzer, provincie Overijssel"]
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return Message(subject, "\n\n".join([subject, *paragraphs]), _html_page(subject, f"<h2>{escape(subject)}</h2>{body}"))


def telegram_text(message: Message) -> str:
    """The plain text within Telegram's limit. The request text is shortened first, so the links at
    the end always stay; only when that is not enough is the middle cut out."""
    text = message.text
    if len(text) <= TELEGRAM_LIMIT:
        return text
    part = message.shortenable
    at = text.find(f"\"{part}\"") + 1 if part else 0  # the quoted request, not a word of the subject
    if at > 0:
        keep = max(len(part) - (len(text) - TELEGRAM_LIMIT) - len(CUT_NOTE), 0)
        text = text[:at] + part[:keep].rstrip() + CUT_NOTE + text[at + len(part):]
    if len(text) <= TELEGRAM_LIMIT:
        return text
    head = TELEGRAM_LIMIT // 4
    return text[:head] + CUT_NOTE + "\n" + text[-(TELEGRAM_LIMIT - head - len(CUT_NOTE) - 1):]
