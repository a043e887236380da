"""The intake form: validating each answer against the referral data."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import catalog, intent_of, language
from actions.contact import free_text_answer
from actions.form_validation import AskingFormValidation
from wegwijzer.referral.conversation import early_referral, place_slots
from wegwijzer.referral.place_confirmation import (
    PlaceTurn, is_after_outside, namesake_by_default, place_answer, place_to_extract,
)
from wegwijzer.referral.places import FOUND, OUTSIDE
from wegwijzer.referral.size import parse_size
from wegwijzer.referral.text import words

MIN_REQUEST_WORDS = 3
EARLY_REFERRAL_SLOTS = ("place", "municipality", "region", "need", "sector", "employees", "place_question",
                        "announced_organisation")


def _text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def _place_turn(tracker: Tracker) -> PlaceTurn:
    return PlaceTurn(text=_text(tracker), intent=intent_of(tracker), requested_slot=tracker.get_slot("requested_slot"),
                     question=tracker.get_slot("place_question"), referral_status=tracker.get_slot("referral_status"),
                     outside_place=tracker.get_slot("outside_place"),
                     find_in_text=catalog().places.find_in_text)


class ValidateIntakeForm(AskingFormValidation):
    def name(self) -> str:
        return "validate_intake_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        outside_place = tracker.get_slot("outside_place")
        after_outside = is_after_outside(tracker.get_slot("requested_slot"), tracker.get_slot("referral_status"),
                                         outside_place)
        if outside_place and not tracker.get_slot("place") and not after_outside:
            return []  # outside Overijssel: no more questions, the referral explains
        return domain_slots

    def before_asking(self, next_slot: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        """As soon as place and need decide the organisation, say so: the remaining questions only choose programs."""
        slots = {name: tracker.get_slot(name) for name in EARLY_REFERRAL_SLOTS}
        referral = early_referral(catalog(), slots, next_slot, language(tracker))
        if referral is None:
            return []
        dispatcher.utter_message(response="utter_referral_early", organisation=referral.organisation.name,
                                 reason=referral.reason)
        return [SlotSet("announced_organisation", referral.organisation.key)]

    def extract_place(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return place_to_extract(_place_turn(tracker), tracker.get_slot("place"))

    def extract_request_text(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        """The description in the user's own words, even when the NLU took it for "stop" or a question about a bot;
        a correction ("nee, we zitten in Almelo") is no description."""
        return free_text_answer(tracker, "request_text", lambda text: intent_of(tracker) != "correct"
                                and len(words(text)) >= MIN_REQUEST_WORDS)

    def validate_place(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        settled = place_answer(_place_turn(tracker), value)
        if settled is not None:
            return settled
        match = namesake_by_default(tracker.get_slot("place_question"), catalog().places.resolve(str(value)))
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
