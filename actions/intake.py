"""The intake form: validating each answer against the referral data."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import catalog, intent_of
from actions.contact import free_text_answer
from actions.form_validation import AskingFormValidation
from wegwijzer.referral.conversation import place_slots
from wegwijzer.referral.place_confirmation import (
    AFTER_OUTSIDE, DECLINED, confirmation, is_open_confirmation, needs_confirmation,
)
from wegwijzer.referral.places import FOUND, OUTSIDE
from wegwijzer.referral.size import parse_size
from wegwijzer.referral.text import words

MIN_REQUEST_WORDS = 3


def _text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def _names_a_place(tracker: Tracker) -> bool:
    return catalog().places.find_in_text(_text(tracker)) is not None


def _confirmation_answered(tracker: Tracker, question: dict | None) -> bool:
    """Whether this message answers an open "Is uw bedrijf gevestigd in ...?" with a bare yes or no."""
    return (tracker.get_slot("requested_slot") == "place" and is_open_confirmation(question)
            and not _names_a_place(tracker))


def _after_outside(tracker: Tracker) -> bool:
    """Whether the intake starts again after the outside-Overijssel answer."""
    return (tracker.get_slot("requested_slot") is None and tracker.get_slot("referral_status") == "outside"
            and bool(tracker.get_slot("outside_place")))


class ValidateIntakeForm(AskingFormValidation):
    def name(self) -> str:
        return "validate_intake_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        if tracker.get_slot("outside_place") and not tracker.get_slot("place") and not _after_outside(tracker):
            return []  # outside Overijssel: no more questions, the referral explains
        return domain_slots

    def extract_place(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        """A yes to "Is uw bedrijf gevestigd in ...?" answers with the proposed place; a no, and a new message after
        the outside-Overijssel answer, are handed to ``validate_place`` (only a required slot is validated)."""
        question = tracker.get_slot("place_question")
        if _confirmation_answered(tracker, question) and intent_of(tracker) == "affirm":
            return {"place": question["proposal"]}
        if _confirmation_answered(tracker, question) and intent_of(tracker) == "deny" or _after_outside(tracker):
            return {"place": tracker.get_slot("place")}
        return {}

    def extract_request_text(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        """The description in the user's own words, even when the NLU took it for "stop" or a question about a bot;
        a correction ("nee, we zitten in Almelo") is no description."""
        return free_text_answer(tracker, "request_text", lambda text: intent_of(tracker) != "correct"
                                and len(words(text)) >= MIN_REQUEST_WORDS)

    def validate_place(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        question = tracker.get_slot("place_question")
        if _confirmation_answered(tracker, question) and intent_of(tracker) == "deny":
            return {"place": None, "place_question": {"kind": DECLINED}}
        if _after_outside(tracker) and not _names_a_place(tracker):
            # "Wegwijzer helpt alleen bedrijven in Overijssel" was said: "my business is in Overijssel after all"
            # asks the place again; anything else gets a kind ending (after which a place may still follow).
            return {"place": None, "outside_place": None, "referral_status": None, "misses": 0,
                    "place_question": None if intent_of(tracker) == "correct" else {"kind": AFTER_OUTSIDE}}
        if value is None:
            return {"place": None}
        text = _text(tracker)
        answering = tracker.get_slot("requested_slot") == "place" or text.startswith("/")
        if not answering:  # read from a side remark: a weak reading is confirmed before anything is routed on it
            in_text = catalog().places.find_in_text(text)
            if needs_confirmation(in_text):
                return {"place": None, "place_question": confirmation(in_text)}
        match = catalog().places.resolve(str(value))
        slots = place_slots(catalog(), match)
        if match.status == FOUND and match.corrected:
            dispatcher.utter_message(response="utter_place_corrected", place=slots["place"], municipality=slots["municipality"])
        if match.status == OUTSIDE:
            slots["place"] = None
        return slots

    def validate_sector(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        known = {s.key for s in catalog().data.sectors}
        return {"sector": value if value in known else None}

    def validate_need(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        known = {n.key for n in catalog().data.needs}
        return {"need": value if value in known else None}

    def validate_employees(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        size = parse_size(str(value))
        return {"employees": str(size) if size else None}

    def validate_request_text(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        text = str(value or "").strip()
        if text.startswith("/") or len(words(text)) < MIN_REQUEST_WORDS:
            return {"request_text": None}
        return {"request_text": text}
