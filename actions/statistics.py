"""Glue for the province's anonymous statistics (``wegwijzer.reporting.records``).

Counting must never stand in the entrepreneur's way: when the database fails, the conversation goes on and
only the count is lost (logged by error class, without personal data).
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import catalog, channel_of, in_database, intent_of, language, safely
from actions.fallback import fallback_response, last_response
from wegwijzer.reporting import records
from wegwijzer.referral.conversation import Button, inform_payload, need_label
from wegwijzer.referral.themes import NO_THEME, theme_finder
from wegwijzer.storage.engine import get_engine

logger = logging.getLogger(__name__)
CONVERSATION_RECORD = "conversation_record"
INTAKE_RECORD = "intake_record"


async def _counted(work: Callable[[], Any]) -> Any:
    try:
        return await in_database(work)
    except Exception as exc:  # noqa: BLE001 - a lost count must not end the conversation
        logger.error("anonymous statistics not written: %s", type(exc).__name__)
        return None


async def conversation_record(tracker: Tracker) -> int | None:
    """This conversation's record, made by the first action that counts something (the intake's first question,
    a question outside the five needs, a message not understood).

    Not in ``action_session_start``: Rasa runs that before anything else, and a custom one would leave the user
    without any answer while the action server is down."""
    record = tracker.get_slot(CONVERSATION_RECORD)
    if record is not None:
        return int(record)
    return await _counted(lambda: records.start_conversation(get_engine(), channel=channel_of(tracker),
                                                             language=language(tracker)))


def _intake_record(tracker: Tracker) -> int | None:
    record = tracker.get_slot(INTAKE_RECORD)
    return int(record) if record is not None else None


async def noted_step(tracker: Tracker, step: str | None) -> list[dict[str, Any]]:
    """Note the question a form is about to ask, when it is a new one (for "where do people stop")."""
    if step is None or step == tracker.get_slot("requested_slot"):
        return []
    record = await conversation_record(tracker)
    if record is None:
        return []
    intake = _intake_record(tracker)
    await _counted(lambda: records.note_step(get_engine(), record, step, intake, language(tracker)))
    return [SlotSet(CONVERSATION_RECORD, record)]


async def noted_referral(tracker: Tracker, intake: int | None, *, outside: bool) -> list[dict[str, Any]]:
    """The intake finished: remember its record, for contact wanted, consent and satisfaction."""
    record = await conversation_record(tracker)
    if record is not None:
        await _counted(lambda: records.note_finished(get_engine(), record, outside=outside))
    return [SlotSet(CONVERSATION_RECORD, record), SlotSet(INTAKE_RECORD, intake)]


async def noted_consent(tracker: Tracker) -> None:
    intake = _intake_record(tracker)
    record = tracker.get_slot(CONVERSATION_RECORD)
    if intake is not None:
        await _counted(lambda: records.note_consent(get_engine(), intake, int(record) if record is not None else None))


async def noted_unanswered(tracker: Tracker) -> list[dict[str, Any]]:
    record = await conversation_record(tracker)
    if record is None:
        return []
    await _counted(lambda: records.note_unanswered(get_engine(), record))
    return [SlotSet(CONVERSATION_RECORD, record)]


class ActionOutOfScope(Action):
    """A question outside the five needs: where help is for its theme (``themes.yml``), the closest need as a
    button when one fits, and one anonymous line for the province's list of unmet needs."""

    def name(self) -> str:
        return "action_out_of_scope"

    @safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        lang = language(tracker)
        theme = theme_finder().find(tracker.latest_message.get("text") or "")
        await _counted(lambda: records.record_unmet(
            get_engine(), theme.key if theme else NO_THEME, region=tracker.get_slot("region"),
            municipality=tracker.get_slot("municipality"), sector=tracker.get_slot("sector"),
            employees=tracker.get_slot("employees"), channel=channel_of(tracker), language=lang))
        if theme is None:
            again = last_response(tracker.events) == "utter_out_of_scope"  # never the same message twice in a row
            dispatcher.utter_message(response="utter_out_of_scope_again" if again else "utter_out_of_scope")
            return await noted_unanswered(tracker)
        record = await conversation_record(tracker)  # a conversation that begins with this question counts too
        events = [SlotSet(CONVERSATION_RECORD, record)] if record is not None else []
        closest = next((n for n in catalog().data.needs if n.key == theme.closest_need), None)
        if closest and not tracker.active_loop:  # in a form the question comes again; no second question here
            label = need_label(closest, lang)
            dispatcher.utter_message(response="utter_other_theme_closest", theme=theme.label_in(lang),
                                     pointer=theme.pointer_in(lang), need=label,
                                     buttons=[Button(label, inform_payload("need", closest.key)).as_dict()])
        else:
            dispatcher.utter_message(response="utter_other_theme", theme=theme.label_in(lang),
                                     pointer=theme.pointer_in(lang))
        return events


class ActionNotUnderstood(Action):
    """"Dat begreep ik niet", never twice in a row (then with buttons and a person), counted as unanswered."""

    def name(self) -> str:
        return "action_not_understood"

    @safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(response=fallback_response(tracker.events))
        return await noted_unanswered(tracker)


class ActionNoteHelped(Action):
    """The answer to "Heeft dit gesprek u geholpen?", stored with the intake's anonymous record; then goodbye."""

    def name(self) -> str:
        return "action_note_helped"

    @safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        intake = _intake_record(tracker)
        answer = {"affirm": "ja", "deny": "nee"}.get(intent_of(tracker) or "")
        if intake is not None and answer:
            await _counted(lambda: records.note_satisfaction(get_engine(), intake, answer))
        dispatcher.utter_message(response="utter_thanks_for_rating")
        return []
