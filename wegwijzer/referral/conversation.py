"""What the conversation needs from the referral data, as plain functions the actions call.

Kept out of ``actions/`` so that unit tests reach it without a Rasa tracker.
"""
from __future__ import annotations

from dataclasses import dataclass

from wegwijzer.catalog.cache import Catalog
from wegwijzer.referral.places import AMBIGUOUS, FOUND, OUTSIDE, PlaceMatch
from wegwijzer.catalog.referral_data import Organisation
from wegwijzer.referral.routing import IntakeFacts, Referral


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


def need_buttons(catalog: Catalog, language: str) -> list[Button]:
    return [Button(n.label_en if language == "en" else n.label, inform_payload("need", n.key)) for n in catalog.data.needs]


def sector_buttons(catalog: Catalog, language: str) -> list[Button]:
    return [Button(s.label_en if language == "en" else s.label, inform_payload("sector", s.key)) for s in catalog.data.sectors]


def place_choice_buttons(match: PlaceMatch, language: str) -> list[Button]:
    """Buttons for "which one do you mean?": each Overijssel option, and the namesake outside if any."""
    word = "municipality" if language == "en" else "gemeente"
    buttons = [Button(f"{o.place} ({word} {o.municipality})", inform_payload("place", f"{o.place} {o.municipality}"))
               for o in match.options]
    if match.outside_name:
        buttons.append(Button(match.outside_name, inform_payload("place", match.outside_name)))
    return buttons


def suggestion_buttons(match: PlaceMatch, language: str, other_title: str) -> list[Button]:
    suggestion = match.suggestion
    yes = "Yes" if language == "en" else "Ja"
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
        return {"place": None, "place_question": {"kind": "choose", "typed": match.query}}
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


def programs_text(referral: Referral, language: str) -> str:
    """One short line per program for the entrepreneur; the reasons go into the adviser's summary."""
    lines = []
    for suggestion in referral.programs:
        description = suggestion.program.description_en if language == "en" else suggestion.program.description
        lines.append(f"- {suggestion.program.name}: {description}")
    return "\n".join(lines)


def public_contact(organisation: Organisation, language: str) -> str:
    """How to reach an organisation yourself: website, and phone or e-mail where the data has them."""
    parts = [organisation.website]
    if organisation.phone:
        parts.append(("phone " if language == "en" else "telefoon ") + organisation.phone)
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
    return f"{'phone' if language == 'en' else 'telefoon'} ({phone})"

