"""Reading the facts out of every message, so that one sentence can answer several questions."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import catalog, intent_of, safely
from bot.understanding import EMPLOYEES, NEED, PLACE, SECTOR, understand

FACT_SLOTS = (PLACE, SECTOR, EMPLOYEES, NEED)
# While these are asked, the answer is free text for the adviser, not facts to extract.
FREE_TEXT_SLOTS = frozenset({"request_text", "contact_name", "contact_info", "consent"})


class ActionExtractFacts(Action):
    """Custom slot mapping: runs after every user message (Rasa's ``action_extract_slots``)."""

    def name(self) -> str:
        return "action_extract_facts"

    @safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        intent = intent_of(tracker)
        requested = tracker.get_slot("requested_slot")
        understood = understand(catalog(), text, tracker.latest_message.get("entities") or [], expecting=requested)
        events = []
        if understood.language and understood.language != tracker.get_slot("language"):
            events.append(SlotSet("language", understood.language))
        if requested in FREE_TEXT_SLOTS and intent != "correct":
            return events
        if tracker.active_loop_name == "contact_form" and intent != "correct":
            return events
        for slot in FACT_SLOTS:
            value = getattr(understood, slot)
            current = tracker.get_slot(slot)
            may_change = current is None or slot == requested or intent == "correct"
            if value is not None and value != current and may_change:
                events.append(SlotSet(slot, value))
        if understood.is_request and not tracker.get_slot("request_text"):
            events.append(SlotSet("request_text", text.strip()))
        return events
