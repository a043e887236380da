"""The intake form: validating each answer against the referral data, and asking in other words after a miss."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import SIDE_INTENTS, catalog, domain_text, intent_of, language, safely
from bot.conversation import (
    need_buttons, place_choice_buttons, place_slots, reachable_organisation, sector_buttons, public_contact,
    suggestion_buttons,
)
from bot.places import FOUND, OUTSIDE
from bot.size import parse_size
from bot.text import words

MIN_REQUEST_WORDS = 3
MISSES_BEFORE_HUMAN = 2


def count_misses(form_events: list[dict[str, Any]], tracker: Tracker) -> list[dict[str, Any]]:
    """Reset the miss counter when the requested question was answered, else count one more miss.

    Interruptions (a question about Novel-T, "stop") are no miss: nothing is returned for them, so
    Rasa rejects the form for this turn and the rule for the interruption runs instead.
    """
    requested = tracker.get_slot("requested_slot")
    if requested is None or intent_of(tracker) in SIDE_INTENTS:
        return form_events
    answered = any(e.get("event") == "slot" and e.get("name") == requested and e.get("value") is not None
                   for e in form_events)
    misses = 0 if answered else int(tracker.get_slot("misses") or 0) + 1
    return form_events + [SlotSet("misses", misses)]


class ValidateIntakeForm(FormValidationAction):
    def name(self) -> str:
        return "validate_intake_form"

    @safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        return count_misses(await super().run(dispatcher, tracker, domain), tracker)

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


class AskQuestion(Action, ABC):
    """Asks one question of a form; after a miss in other words, after two also with a human contact."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The slot this action asks for; its responses are utter_ask_<slot> and utter_ask_<slot>_again."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    def buttons(self, tracker: Tracker) -> list[dict[str, str]]:
        return []

    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        again = int(tracker.get_slot("misses") or 0) > 0
        dispatcher.utter_message(response=f"utter_ask_{self.slot}{'_again' if again else ''}", buttons=self.buttons(tracker))
        return []

    @safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        events = self.ask(dispatcher, tracker, domain)
        if int(tracker.get_slot("misses") or 0) >= MISSES_BEFORE_HUMAN:
            offer_human(dispatcher, tracker)
        return events


def offer_human(dispatcher: CollectingDispatcher, tracker: Tracker, response: str = "utter_offer_human") -> None:
    """A person to talk to: the organisation for this region and need when it has a number, else the province."""
    organisation = reachable_organisation(catalog(), tracker.get_slot("region"), tracker.get_slot("need"))
    if organisation:
        dispatcher.utter_message(response=response,
                                 contact=f"{organisation.name}, {public_contact(organisation, language(tracker))}")
    else:
        dispatcher.utter_message(response="utter_general_contact")


class AskNeed(AskQuestion):
    slot = "need"

    def buttons(self, tracker: Tracker) -> list[dict[str, str]]:
        return [b.as_dict() for b in need_buttons(catalog(), language(tracker))]


class AskSector(AskQuestion):
    slot = "sector"

    def buttons(self, tracker: Tracker) -> list[dict[str, str]]:
        return [b.as_dict() for b in sector_buttons(catalog(), language(tracker))]


class AskEmployees(AskQuestion):
    slot = "employees"


class AskRequestText(AskQuestion):
    slot = "request_text"


class AskPlace(AskQuestion):
    """Besides the plain question: "Bedoelt u Hengelo?" after a near miss, or a choice between namesakes."""

    slot = "place"

    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        question = tracker.get_slot("place_question")
        if not question:
            return super().ask(dispatcher, tracker, domain)
        lang = language(tracker)
        match = catalog().places.resolve(question["typed"])
        if question["kind"] == "suggest" and match.suggestion:
            other = domain_text(domain, "utter_place_other", lang)
            dispatcher.utter_message(response="utter_place_suggestion", typed=question["typed"],
                                     suggestion=match.suggestion.place,
                                     buttons=[b.as_dict() for b in suggestion_buttons(match, lang, other)])
        else:
            dispatcher.utter_message(response="utter_place_choice", typed=question["typed"],
                                     buttons=[b.as_dict() for b in place_choice_buttons(match, lang)])
        return [SlotSet("place_question", None)]
