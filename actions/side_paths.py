"""Paths that work at any point: questions about organisations, a human, starting over, erasing data."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import catalog, in_database, language, safely
from actions.questions import offer_human
from wegwijzer.storage.engine import get_engine
from wegwijzer.referral.explain import explain, find_referral_name
from wegwijzer.handoffs.privacy import erase_from_chat, schedule_tracker_erase
from wegwijzer.rasa.tracker_store import tracker_engine

# How many handoffs an erase withdrew -> its answer ("utter_erased" says how many when more than one).
ERASED_RESPONSES = {0: "utter_erased_none", 1: "utter_erased_one"}
PERSONAL_SLOTS = ("contact_name", "company_name", "contact_info", "contact_email", "contact_phone", "consent",
                  "request_text")


class ActionExplain(Action):
    """"Wat is Novel-T?", "wat doet Oost NL?", "wat is InnovateGO?": answered from the referral data."""

    def name(self) -> str:
        return "action_explain"

    @safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        cat = catalog()
        named = [e["value"] for e in tracker.latest_message.get("entities") or [] if e.get("entity") == "referral_name"]
        key = next((k for k in (find_referral_name(cat, v) for v in named) if k), None)
        key = key or find_referral_name(cat, tracker.latest_message.get("text") or "")
        answer = explain(cat, key, language(tracker)) if key else None
        if answer:
            dispatcher.utter_message(text=answer)
        else:
            dispatcher.utter_message(response="utter_explain_unknown")
        return []


class ActionHumanContact(Action):
    def name(self) -> str:
        return "action_human_contact"

    @safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        offer_human(dispatcher, tracker, response="utter_human")
        return []


class ActionRestartIntake(Action):
    """Start over: forget every answer of this conversation, keep the language."""

    def name(self) -> str:
        return "action_restart_intake"

    @safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_restarted")
        return [AllSlotsReset(), SlotSet("language", language(tracker)),
                SlotSet("conversation_record", tracker.get_slot("conversation_record"))]  # the same conversation


class ActionEraseData(Action):
    """"Verwijder mijn gegevens", confirmed: remove this conversation's handoffs and personal answers at once,
    and the conversation in Rasa's tracker store right after Rasa saved this turn (``wegwijzer.handoffs.privacy``)."""

    def name(self) -> str:
        return "action_erase_data"

    @safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        count, job_id = await in_database(lambda: erase_from_chat(get_engine(), tracker.sender_id))
        schedule_tracker_erase(get_engine(), tracker_engine(), job_id)
        dispatcher.utter_message(response=ERASED_RESPONSES.get(count, "utter_erased"), count=count)
        return [SlotSet(name, None) for name in PERSONAL_SLOTS]
