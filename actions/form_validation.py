"""What both forms' validators share: reading the facts, counting misses, asking the next question.

One call to the action server per answer instead of three: a custom slot-mapping action would run
on every message, then the validator, then ``action_ask_<slot>``, and every call costs a tracker
serialisation and a JSON-schema check in the Rasa server. The fact slots have custom mappings without
an action (the validator fills them, also when a form starts); the domain has no ask action or
response for these slots, so Rasa asks nothing itself (``FormAction._ask_for_slot`` then does
nothing). ``consent`` keeps its ``utter_ask_consent`` response, which Rasa renders without calling us.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import intent_of, safely
from actions.extract import fact_events
from actions.questions import QUESTIONS
from actions.statistics import noted_step
from wegwijzer.rasa.side_paths import interruptions

REQUESTED_SLOT = "requested_slot"


def count_misses(form_events: list[dict[str, Any]], tracker: Tracker, form: str) -> list[dict[str, Any]]:
    """Reset the miss counter when the requested question was answered, else count one more miss.

    Interruptions of ``form`` (a question about Novel-T, "stop", a correction in the contact form) are no
    miss: nothing is returned for them, so Rasa rejects the form for this turn and the rule for the
    interruption runs instead.
    """
    requested = tracker.get_slot(REQUESTED_SLOT)
    if requested is None or intent_of(tracker) in interruptions(form):
        return form_events
    answers = [e.get("value") for e in form_events if e.get("event") == "slot" and e.get("name") == requested]
    misses = 0 if answers and answers[-1] is not None else int(tracker.get_slot("misses") or 0) + 1
    return form_events + [SlotSet("misses", misses)]


def fills_a_slot(events: list[dict[str, Any]]) -> bool:
    return any(e.get("event") == "slot" and e.get("name") != REQUESTED_SLOT for e in events)


def extracted_this_turn(tracker: Tracker, slots: set[str]) -> bool:
    """Whether one of ``slots`` was set since the user's last message (by Rasa's slot extraction)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "slot" and event.get("name") in slots:
            return True
    return False


class AskingFormValidation(FormValidationAction, ABC):
    """Reads the facts in the message, validates them, then asks the next missing question, unless Rasa
    will reject this turn."""

    @abstractmethod
    def name(self) -> str:
        """``validate_<form name>``."""

    @safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        extracted = extracted_this_turn(tracker, {*self.domain_slots(domain), tracker.get_slot(REQUESTED_SLOT)})
        facts = fact_events(tracker)
        tracker.add_slots(facts)  # validated below like any other new value
        validated = await super().run(dispatcher, tracker, domain)
        checked = {e.get("name") for e in validated if e.get("event") == "slot"}
        unchecked = [e for e in facts if e.get("name") not in checked]  # a raw value never reaches the tracker
        events = count_misses(unchecked + validated, tracker, self.form_name())
        if self.rasa_rejects(tracker, extracted, events):
            return []  # nothing, or Rasa would count it as an answer
        tracker.add_slots(events)
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        next_slot = next((slot for slot in required if tracker.get_slot(slot) is None), None)
        events = [e for e in events if not (e.get("event") == "slot" and e.get("name") == REQUESTED_SLOT)]
        if next_slot in QUESTIONS:
            events += self.before_asking(next_slot, dispatcher, tracker)
            events += QUESTIONS[next_slot].ask(dispatcher, tracker, domain)
        events += await noted_step(tracker, next_slot)  # anonymous: where a conversation that goes quiet stopped
        return events + [SlotSet(REQUESTED_SLOT, next_slot)]

    def before_asking(self, next_slot: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        """What to say before the next question (the form's answers so far are in ``tracker``)."""
        return []

    def rasa_rejects(self, tracker: Tracker, extracted: bool, events: list[dict[str, Any]]) -> bool:
        """Mirrors Rasa's ``FormAction.validate``: right after the user's answer to an open question, a turn in
        which no slot was extracted (``extracted``, seen before validating) or validated is rejected, so that a
        rule can handle the interruption (a question about Novel-T, "stop"); the form asks again after it."""
        loop = tracker.active_loop or {}
        requested = tracker.get_slot(REQUESTED_SLOT)
        after_answer = (loop.get("name") == self.form_name() and not loop.get("is_interrupted")
                        and tracker.latest_action_name == "action_listen")
        return after_answer and requested is not None and not extracted and not fills_a_slot(events)
