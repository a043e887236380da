"""What the conversation needs from the referral data, as plain functions the actions call.

Kept out of ``actions/`` so that unit tests reach it without a Rasa tracker.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from wegwijzer.catalog.cache import Catalog
from wegwijzer.referral.places import AMBIGUOUS, FOUND, OUTSIDE, PlaceMatch
from wegwijzer.catalog.referral_data import Need, Organisation
from wegwijzer.referral.routing import REFERRED, IntakeFacts, Referral
from wegwijzer.texts import in_language

CONSENT_QUESTION = "utter_ask_consent"
CHOOSE = "choose"  # the ``place_question`` kind "Welke bedoelt u?" for a name several places share
REFERRAL_ACTION = "action_refer"
# Where the referral the user saw is kept; any change of the facts behind it empties these.
KEPT_REFERRAL_SLOTS = ("referral", "organisation_name")
CONTACT_SLOTS = ("contact_name", "company_name", "contact_info", "contact_email", "contact_phone", "consent")


@dataclass(frozen=True)
class Button:
    title: str
    payload: str

    def as_dict(self) -> dict[str, str]:
        return {"title": self.title, "payload": self.payload}


def inform_payload(slot: str, value: str) -> str:
    """A button payload that sets one fact, as Rasa's ``/intent{"entity": "value"}`` syntax."""
    escaped = value.replace('"', "'")
    return f'/inform{{"{slot}":"{escaped}"}}'


def need_buttons(catalog: Catalog, language: str, first: Sequence[str] = ()) -> list[Button]:
    """A button per need; the needs in ``first`` come first, in that order."""
    needs = sorted(catalog.data.needs, key=lambda n: first.index(n.key) if n.key in first else len(first))
    return [Button(need_label(n, language), inform_payload("need", n.key)) for n in needs]


def need_label(need: Need, language: str, in_sentence: bool = False) -> str:
    """The need's label; ``in_sentence``: lower case first, for "Gaat uw vraag over kennis en innovatie?"."""
    label = in_language(language, need.label, need.label_en)
    return label[:1].lower() + label[1:] if in_sentence else label


def sector_buttons(catalog: Catalog, language: str) -> list[Button]:
    return [Button(in_language(language, s.label, s.label_en), inform_payload("sector", s.key))
            for s in catalog.data.sectors]


def place_choice_buttons(match: PlaceMatch, language: str) -> list[Button]:
    """Buttons for "which one do you mean?": each Overijssel option, and the namesake outside if any."""
    word = in_language(language, "gemeente", "municipality")
    buttons = [Button(f"{o.place} ({word} {o.municipality})", inform_payload("place", f"{o.place} {o.municipality}"))
               for o in match.options]
    if match.outside_name:
        buttons.append(Button(match.outside_name, inform_payload("place", match.outside_name)))
    return buttons


def suggestion_buttons(match: PlaceMatch, language: str, other_title: str) -> list[Button]:
    suggestion = match.suggestion
    yes = in_language(language, "Ja", "Yes")
    return [Button(f"{yes}, {suggestion.place}", inform_payload("place", f"{suggestion.place} {suggestion.municipality}")),
            Button(other_title, "/deny")]


def place_slots(catalog: Catalog, match: PlaceMatch) -> dict:
    """The slots a resolved place fills; ``place_question`` tells the next question what to ask."""
    if match.status == FOUND:
        location = match.location
        region = next(r for r in catalog.data.regions if r.key == location.region)
        return {"place": location.place, "municipality": location.municipality, "region": region.key,
                "region_name": region.name, "place_question": None, "outside_place": None}
    if match.status == OUTSIDE:
        return {"place": None, "outside_place": match.outside_name or match.query, "place_question": None}
    if match.status == AMBIGUOUS:
        return {"place": None, "place_question": {"kind": CHOOSE, "typed": match.query}}
    if match.suggestion:
        return {"place": None, "place_question": {"kind": "suggest", "typed": match.query}}
    return {"place": None, "place_question": None}


def facts_from_slots(slots: dict, language: str) -> IntakeFacts:
    """Routing facts from the form's slots; the validated municipality is what routing needs."""
    return IntakeFacts(
        place=slots.get("municipality") or slots.get("place"),
        need=slots.get("need"),
        sector=slots.get("sector"),
        employees=slots.get("employees"),
        request_text=slots.get("request_text"),
        language=language,
    )


# The intake questions after which the organisation is already known: it depends on region and need only.
ASKED_AFTER_THE_ORGANISATION = ("sector", "employees", "request_text")


def early_referral(catalog: Catalog, slots: Mapping[str, Any], next_question: str | None,
                   language: str) -> Referral | None:
    """The referral to tell before ``next_question``, when place and need already decide the organisation and it
    was not told yet (``announced_organisation``); the remaining questions only choose programs and tell the
    adviser more. None when there is nothing new to tell."""
    if next_question not in ASKED_AFTER_THE_ORGANISATION or slots.get("place_question"):
        return None
    if not (slots.get("place") and slots.get("region") and slots.get("need")):
        return None
    referral = catalog.router.route(facts_from_slots(dict(slots), language))
    if referral.status != REFERRED or referral.organisation.key == slots.get("announced_organisation"):
        return None
    return referral


def programs_text(referral: Referral, language: str) -> str:
    """Per program what it is and, on the next line, why it fits (the user's own words); the adviser's
    summary has the same reasons."""
    lines = []
    for suggestion in referral.programs:
        description = in_language(language, suggestion.program.description, suggestion.program.description_en)
        lines.append(f"- {suggestion.program.name}: {description}\n  {suggestion.reason}")
    return "\n".join(lines)


def public_contact(organisation: Organisation, language: str) -> str:
    """How to reach an organisation yourself: website, and phone or e-mail where the data has them."""
    parts = [organisation.website]
    if organisation.phone:
        parts.append(in_language(language, "telefoon ", "phone ") + organisation.phone)
    if organisation.email:
        parts.append(organisation.email)
    return ", ".join(parts)


def reachable_organisation(catalog: Catalog, region: str | None, need: str | None) -> Organisation | None:
    """The organisation for this region and need, when the data has a phone number or address for it."""
    key = catalog.router.table.get((region, need)) if region and need else None
    organisation = catalog.router.organisations.get(key) if key else None
    if organisation and (organisation.phone or organisation.email):
        return organisation
    return None


def contact_channel(email: str | None, phone: str | None, language: str) -> str:
    if email:
        return f"e-mail ({email})"
    return f"{in_language(language, 'telefoon', 'phone')} ({phone})"


def place_in_municipality(catalog: Catalog, place: str | None, municipality: str) -> bool:
    """Whether the place the intake kept lies in the municipality the referral was routed by."""
    if not place:
        return False
    for query in (f"{place} {municipality}", place):
        match = catalog.places.resolve(query)
        if match.status == FOUND and match.location.municipality == municipality:
            return True
        if match.status == AMBIGUOUS and any(o.municipality == municipality for o in match.options):
            return True
    return False


@dataclass(frozen=True)
class KeptReferral:
    """The referral the entrepreneur was told about, kept in the conversation: the consent question and the
    handoff use it, so a data reload or another adviser's assignment cannot change where the data goes."""
    organisation_key: str
    organisation_name: str
    adviser_key: str
    place: str
    municipality: str
    region: str
    region_name: str
    need: str
    sector: str | None = None
    employees: str | None = None
    programs: tuple[tuple[str, str], ...] = ()  # (program name, reason for the adviser)

    @classmethod
    def of(cls, catalog: Catalog, referral: Referral, facts: IntakeFacts, place: str | None) -> KeptReferral:
        """Keep a referral; ``place`` is the place the intake validated, kept only when it lies in the
        municipality the referral was routed by (else the routed location's own name)."""
        location = referral.place.location
        return cls(
            organisation_key=referral.organisation.key,
            organisation_name=referral.organisation.name,
            adviser_key=referral.adviser.key,
            place=place if place_in_municipality(catalog, place, location.municipality) else location.place,
            municipality=location.municipality,
            region=location.region,
            region_name=catalog.router.regions[location.region].name,
            need=facts.need,
            sector=facts.sector,
            employees=facts.employees,
            programs=tuple((s.program.name, s.reason) for s in referral.programs),
        )

    def as_slot(self) -> dict[str, Any]:
        return {**self.__dict__, "programs": [list(p) for p in self.programs]}

    @classmethod
    def from_slot(cls, value: Any) -> KeptReferral | None:
        """The kept referral, or None when the slot is empty or not one (the slot is only set by actions)."""
        if not isinstance(value, Mapping):
            return None
        try:
            programs = tuple((str(name), str(reason)) for name, reason in value.get("programs") or ())
            kept = cls(**{**value, "programs": programs})
        except (TypeError, ValueError):
            return None
        required = (kept.organisation_key, kept.organisation_name, kept.adviser_key, kept.municipality, kept.need)
        return kept if all(isinstance(v, str) and v for v in required) else None


def consent_question(template: str, organisation_name: str) -> str:
    """The consent question as the user reads it: the domain's ``utter_ask_consent`` text for one organisation."""
    return template.replace("{organisation_name}", organisation_name)


def answered_consent_question(events: Iterable[Mapping[str, Any]]) -> str | None:
    """The text of the last consent question, when the user answered it with yes and nothing changed the
    referral or the consent since; else None.

    Walks back through the conversation's events: the first ``consent`` slot event met must be True and come
    after a user message that follows the question; a new referral, a cleared referral or a reset before the
    question is reached means the consent was for something else.
    """
    said_yes = answered = False
    for event in reversed(list(events)):
        kind = event.get("event")
        if kind in ("restart", "reset_slots", "session_started"):
            return None
        if kind == "action" and event.get("name") == REFERRAL_ACTION:
            return None
        if kind == "slot" and event.get("name") in KEPT_REFERRAL_SLOTS:
            return None
        if kind == "slot" and event.get("name") == "consent" and not said_yes:
            if event.get("value") is not True:
                return None
            said_yes = True
        if kind == "user" and said_yes:
            answered = True
        if kind == "bot" and (event.get("metadata") or {}).get("utter_action") == CONSENT_QUESTION:
            return event.get("text") if said_yes and answered else None
    return None


def cleared_referral() -> dict[str, None]:
    """The slots a change of the referral empties: the kept referral, the consent and the contact form."""
    return {name: None for name in (*KEPT_REFERRAL_SLOTS, *CONTACT_SLOTS)}
