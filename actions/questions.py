"""The questions of both forms, with their buttons; after a miss in other words, after two also with a person.

No question is sent twice in a row: after the first miss the question comes in other words, and after that
the two wordings take turns, each with a person to call.

Rasa's form asks none of these itself (the domain has no ``utter_ask_``/``action_ask_`` for their slots):
the form's validator asks the next question in the same call, see ``actions.form_validation``.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import catalog, domain_text, language
from wegwijzer.referral.conversation import (
    need_buttons, need_label, place_choice_buttons, public_contact, reachable_organisation, sector_buttons,
    suggestion_buttons,
)
from wegwijzer.referral.place_confirmation import (
    AFTER_OUTSIDE, CONFIRM, CONFIRM_OUTSIDE, DECLINED, confirmation_buttons,
)
from wegwijzer.referral.understanding import NEED_OPTIONS

MISSES_BEFORE_HUMAN = 2


def offer_human(dispatcher: CollectingDispatcher, tracker: Tracker, response: str = "utter_offer_human") -> None:
    """A person to talk to: the organisation for this region and need when it has a number, else the province."""
    organisation = reachable_organisation(catalog(), tracker.get_slot("region"), tracker.get_slot("need"))
    if organisation:
        dispatcher.utter_message(response=response,
                                 contact=f"{organisation.name}, {public_contact(organisation, language(tracker))}")
    else:
        dispatcher.utter_message(response="utter_general_contact")


class Question:
    """One question; its responses are ``utter_question_<slot>`` and ``utter_question_<slot>_again``."""

    def __init__(self, slot: str) -> None:
        self.slot = slot

    def buttons(self, tracker: Tracker) -> list[dict[str, str]]:
        return []

    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if int(tracker.get_slot("misses") or 0) >= MISSES_BEFORE_HUMAN:
            offer_human(dispatcher, tracker)  # before the question, so that the question ends the turn
        return self.put(dispatcher, tracker, domain)

    def put(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        again = int(tracker.get_slot("misses") or 0) % 2 == 1  # the two wordings take turns
        dispatcher.utter_message(response=f"utter_question_{self.slot}{'_again' if again else ''}",
                                 buttons=self.buttons(tracker))
        return []


class NeedQuestion(Question):
    """Besides the plain question: "Gaat uw vraag vooral over ... of over ...?" when the words of a message named two
    needs, or one while the whole message read as another (``need_options``, see ``wegwijzer.referral.understanding``)."""

    def buttons(self, tracker: Tracker) -> list[dict[str, str]]:
        return [b.as_dict() for b in need_buttons(catalog(), language(tracker))]

    def put(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """The choice once ({"options": [...]} in ``need_options``; then marked "asked"); asked again without an
        answer, the plain question in its turn's wording, so that no message comes twice in a row."""
        question = tracker.get_slot(NEED_OPTIONS)
        if not isinstance(question, dict) or question.get("asked"):
            super().put(dispatcher, tracker, domain)
            return [SlotSet(NEED_OPTIONS, None)] if question else []
        lang = language(tracker)
        needs = {n.key: n for n in catalog().data.needs}
        chosen = [needs[key] for key in question.get("options") or [] if isinstance(key, str) and key in needs][:2]
        if len(chosen) < 2:
            super().put(dispatcher, tracker, domain)
            return [SlotSet(NEED_OPTIONS, None)]
        first, second = (need_label(n, lang, in_sentence=True) for n in chosen)
        dispatcher.utter_message(response="utter_need_choice", first=first, second=second,
                                 buttons=[b.as_dict() for b in need_buttons(catalog(), lang, [n.key for n in chosen])])
        return [SlotSet(NEED_OPTIONS, {**question, "asked": True})]


class SectorQuestion(Question):
    def buttons(self, tracker: Tracker) -> list[dict[str, str]]:
        return [b.as_dict() for b in sector_buttons(catalog(), language(tracker))]


class PlaceQuestion(Question):
    """Besides the plain question: "Bedoelt u Hengelo?" after a near miss, a choice between namesakes, a yes/no
    question for a place read on weak grounds, and a kind ending after the outside-Overijssel answer."""

    def put(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        question = tracker.get_slot("place_question")
        if not question:
            return super().put(dispatcher, tracker, domain)
        lang = language(tracker)
        kind = question.get("kind")
        if kind in (CONFIRM, CONFIRM_OUTSIDE):
            if question.get("asked"):  # asked once and not answered: the plain question, in its turn's wording
                super().put(dispatcher, tracker, domain)
                return [SlotSet("place_question", None)]
            other = domain_text(domain, "utter_place_other", lang)
            dispatcher.utter_message(response="utter_place_confirm" if kind == CONFIRM else "utter_place_confirm_outside",
                                     place=question["place"], municipality=question.get("municipality"),
                                     buttons=[b.as_dict() for b in confirmation_buttons(question, lang, other)])
            return [SlotSet("place_question", {**question, "asked": True})]
        if kind in (DECLINED, AFTER_OUTSIDE):
            dispatcher.utter_message(response="utter_question_place" if kind == DECLINED else "utter_outside_end")
            return [SlotSet("place_question", None)]
        match = catalog().places.resolve(question["typed"])
        odd = int(tracker.get_slot("misses") or 0) % 2 == 1  # as in ``Question.put``: no message twice in a row
        if kind == "suggest" and match.suggestion and odd:
            other = domain_text(domain, "utter_place_other", lang)
            dispatcher.utter_message(response="utter_place_suggestion", typed=question["typed"],
                                     suggestion=match.suggestion.place,
                                     buttons=[b.as_dict() for b in suggestion_buttons(match, lang, other)])
        elif kind == "suggest":
            dispatcher.utter_message(response="utter_question_place")
        else:
            example = f"{match.options[0].place} {match.options[0].municipality}" if match.options else question["typed"]
            dispatcher.utter_message(response="utter_place_choice_again" if odd else "utter_place_choice",
                                     typed=question["typed"], example=example,
                                     buttons=[b.as_dict() for b in place_choice_buttons(match, lang)])
            return [SlotSet("place_question", {**question, "asked": True})]  # see ``namesake_by_default``
        return [SlotSet("place_question", None)]


QUESTIONS: dict[str, Question] = {question.slot: question for question in (
    NeedQuestion("need"), PlaceQuestion("place"), SectorQuestion("sector"), Question("employees"),
    Question("request_text"), Question("contact_name"), Question("company_name"), Question("contact_info"),
)}
