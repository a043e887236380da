"""The contact form: name, company name, e-mail or phone, and consent naming the organisation."""
from __future__ import annotations

from typing import Any, Callable

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.form_validation import AskingFormValidation
from wegwijzer.referral.contact import (
    ContactDetails, clean_company_name, clean_name, is_free_text_answer, parse_contact,
)


def free_text_answer(tracker: Tracker, slot: str, fits: Callable[[str], bool]) -> dict:
    """The message as the answer to the open question ``slot``, whatever intent the NLU gave it ("Stop & Go
    Transport" is no "stop"), when it ``fits`` that question and is not exactly a command, clearly a question,
    or a button payload. A message that does not fit (a correction: "nee, we zitten in Almelo") is left to Rasa."""
    text = (tracker.latest_message.get("text") or "").strip()
    if tracker.get_slot("requested_slot") != slot or not is_free_text_answer(text) or not fits(text):
        return {}
    return {slot: text}


def _name_or_contact(text: str) -> bool:
    return clean_name(text) is not None or parse_contact(text) is not None


def _company_name(text: str) -> bool:
    return clean_company_name(text) is not None


class ValidateContactForm(AskingFormValidation):
    def name(self) -> str:
        return "validate_contact_form"

    def extract_contact_name(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return free_text_answer(tracker, "contact_name", _name_or_contact)

    def extract_company_name(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return free_text_answer(tracker, "company_name", _company_name)

    def extract_contact_info(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return free_text_answer(tracker, "contact_info", lambda text: parse_contact(text) is not None)

    def validate_contact_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        text = str(value or "")
        details = parse_contact(text)
        if details is not None and clean_name(text) is None:  # an e-mail address or phone number, given early
            return {"contact_name": None, **self._contact_slots(details)}
        return {"contact_name": clean_name(text)}

    def validate_company_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> dict:
        return {"company_name": clean_company_name(str(value or ""))}

    def validate_consent(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return {"consent": value if isinstance(value, bool) else None}

    def validate_contact_info(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        details = parse_contact(str(value or ""))
        if details is None:
            return {"contact_info": None}
        return self._contact_slots(details)

    @staticmethod
    def _contact_slots(details: ContactDetails) -> dict:
        shown = " / ".join(filter(None, (details.email, details.phone)))
        return {"contact_info": shown, "contact_email": details.email, "contact_phone": details.phone}
