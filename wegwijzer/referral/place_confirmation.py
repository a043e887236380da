"""Confirming a place read from free text on weak grounds, with a yes/no question, before routing on it.

The open question lives in the ``place_question`` slot (a dict), next to the conversation's other
place questions ("Bedoelt u ...?", "Welke bedoelt u?").
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable, Mapping

from wegwijzer.referral.conversation import CHOOSE, Button, inform_payload
from wegwijzer.referral.places import AMBIGUOUS, FOUND, OUTSIDE, PlaceMatch
from wegwijzer.referral.text import normalize
from wegwijzer.texts import in_language

CONFIRM = "confirm"  # an Overijssel place: "Is uw bedrijf gevestigd in Meer (gemeente Twenterand)?"
CONFIRM_OUTSIDE = "confirm_outside"  # a place outside Overijssel read from a side remark
DECLINED = "declined"  # the user said no: ask the plain place question
AFTER_OUTSIDE = "after_outside"  # a new message after the outside-Overijssel answer: end kindly, a place may follow
OUTSIDE_STATUS = "outside"  # the ``referral_status`` after the outside-Overijssel answer


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


def is_after_outside(requested_slot: str | None, referral_status: str | None, outside_place: str | None) -> bool:
    """Whether a message comes after the outside-Overijssel answer, with no question open."""
    return requested_slot is None and referral_status == OUTSIDE_STATUS and bool(outside_place)


@dataclass
class PlaceTurn:
    """One message as far as the place is concerned: what was said and open, and the place it names."""
    text: str
    intent: str | None
    requested_slot: str | None
    question: Mapping[str, Any] | None  # the ``place_question`` slot
    referral_status: str | None
    outside_place: str | None
    find_in_text: Callable[[str], PlaceMatch | None]  # ``PlaceResolver.find_in_text``

    @cached_property
    def named(self) -> PlaceMatch | None:
        """The place the text names: read at most once, and only when a decision needs it."""
        return self.find_in_text(self.text)

    @property
    def after_outside(self) -> bool:
        return is_after_outside(self.requested_slot, self.referral_status, self.outside_place)

    @property
    def answers_confirmation(self) -> bool:
        """Whether this answers an open "Is uw bedrijf gevestigd in ...?" with a bare yes or no (no place named)."""
        return self.requested_slot == "place" and is_open_confirmation(self.question) and self.named is None


def place_to_extract(turn: PlaceTurn, current_place: str | None) -> dict[str, Any]:
    """A yes to the confirmation answers with the proposed place; a no, and a message after the outside answer,
    hand the current place on to validation (only a slot that is set gets validated)."""
    if turn.answers_confirmation and turn.intent == "affirm":
        return {"place": turn.question["proposal"]}
    if turn.answers_confirmation and turn.intent == "deny" or turn.after_outside:
        return {"place": current_place}
    return {}


def place_answer(turn: PlaceTurn, value: Any) -> dict[str, Any] | None:
    """The place slots when this message settles the place question without resolving ``value``: a no to the
    confirmation, a message after the outside answer, nothing to resolve, or a weak reading from a side remark
    (confirmed before anything is routed on it). None: resolve ``value``."""
    if turn.answers_confirmation and turn.intent == "deny":
        return {"place": None, "place_question": {"kind": DECLINED}}
    if turn.after_outside and turn.named is None:
        # "my business is in Overijssel after all" asks the place again; anything else gets a kind ending
        # (after which a place may still follow).
        return {"place": None, "outside_place": None, "referral_status": None, "misses": 0,
                "place_question": None if turn.intent == "correct" else {"kind": AFTER_OUTSIDE}}
    if value is None:
        return {"place": None}
    answering = turn.requested_slot == "place" or turn.text.startswith("/")
    if not answering and needs_confirmation(turn.named):
        return {"place": None, "place_question": confirmation(turn.named)}
    return None


def namesake_by_default(question: Mapping[str, Any] | None, match: PlaceMatch) -> PlaceMatch:
    """The same bare name again after "Welke bedoelt u?" ("Emmen", "Emmen"): the well-known namesake outside
    Overijssel, whose Overijssel namesakes are hamlets. Its answer says which place it took and offers "my business
    is in Overijssel after all", so a user from the hamlet has a way on; asking a third time would be a loop."""
    if (match.status == AMBIGUOUS and match.outside_name and question and question.get("kind") == CHOOSE
            and question.get("asked") and normalize(str(question.get("typed", ""))) == normalize(match.query)):
        return PlaceMatch(OUTSIDE, match.query, outside_name=match.outside_name)
    return match
