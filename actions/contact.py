"""The contact form: name, e-mail or phone, and consent naming the organisation."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.form_validation import AskingFormValidation
from wegwijzer.referral.contact import clean_company_name, clean_name, parse_contact


class ValidateContactForm(AskingFormValidation):
    def name(self) -> str:
        return "validate_contact_form"

    def validate_contact_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return {"contact_name": clean_name(str(value or ""))}

    def validate_company_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> dict:
        return {"company_name": clean_company_name(str(value or ""))}

    def validate_consent(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return {"consent": value if isinstance(value, bool) else None}

    def validate_contact_info(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        details = parse_contact(str(value or ""))
        if details is None:
            return {"contact_info": None}
        shown = " / ".join(filter(None, (details.email, details.phone)))
        return {"contact_info": shown, "contact_email": details.email, "contact_phone": details.phone}
