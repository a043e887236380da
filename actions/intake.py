"""The intake form: validating each answer against the referral data."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import catalog
from actions.form_validation import AskingFormValidation
from wegwijzer.referral.conversation import place_slots
from wegwijzer.referral.places import FOUND, OUTSIDE
from wegwijzer.referral.size import parse_size
from wegwijzer.referral.text import words

MIN_REQUEST_WORDS = 3


class ValidateIntakeForm(AskingFormValidation):
    def name(self) -> str:
        return "validate_intake_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        if tracker.get_slot("outside_place") and not tracker.get_slot("place"):
            return []  # outside Overijssel: no more questions, the referral explains
        return domain_slots

    def validate_place(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
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
