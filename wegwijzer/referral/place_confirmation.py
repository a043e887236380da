"""Confirming a place read from free text on weak grounds, with a yes/no question, before routing on it.

The open question lives in the ``place_question`` slot (a dict), next to the conversation's other
place questions ("Bedoelt u ...?", "Welke bedoelt u?").
"""
from __future__ import annotations

from typing import Any, Mapping

from wegwijzer.referral.conversation import Button, inform_payload
from wegwijzer.referral.places import FOUND, OUTSIDE, PlaceMatch
from wegwijzer.texts import in_language

CONFIRM = "confirm"  # an Overijssel place: "Is uw bedrijf gevestigd in Meer (gemeente Twenterand)?"
CONFIRM_OUTSIDE = "confirm_outside"  # a place outside Overijssel read from a side remark
DECLINED = "declined"  # the user said no: ask the plain place question
AFTER_OUTSIDE = "after_outside"  # a new message after the outside-Overijssel answer: end kindly, a place may follow


def needs_confirmation(match: PlaceMatch | None) -> bool:
    return match is not None and not match.certain and match.status in (FOUND, OUTSIDE)


def confirmation(match: PlaceMatch) -> dict[str, Any]:
    """The ``place_question`` for a place that needs a yes; ``proposal`` is what a yes answers as the place."""
    if match.status == OUTSIDE:
        return {"kind": CONFIRM_OUTSIDE, "typed": match.query, "proposal": match.query,
                "place": match.outside_name or match.query}
    location = match.location
    return {"kind": CONFIRM, "typed": match.query, "proposal": f"{location.place} {location.municipality}",
            "place": location.place, "municipality": location.municipality}


def is_open_confirmation(question: Mapping[str, Any] | None) -> bool:
    return bool(question) and question.get("kind") in (CONFIRM, CONFIRM_OUTSIDE)


def confirmation_buttons(question: Mapping[str, Any], language: str, other_title: str) -> list[Button]:
    yes = in_language(language, "Ja", "Yes")
    return [Button(yes, inform_payload("place", question["proposal"])), Button(other_title, "/deny")]
