"""Reading the facts out of a message, so that one sentence can answer several questions.

The intake form's validator calls ``fact_events`` on every answer and when the form starts (the first
message of a conversation starts the intake), so no separate action runs per message; the language comes
from the NLU (``wegwijzer.rasa.nlu_language``). The contact form reads no facts: a correction there leaves
the form (see ``wegwijzer.rasa.side_paths``) and the intake takes it, so it is validated like any answer.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.common import catalog, intent_of
from wegwijzer.rasa.side_paths import INTAKE, NOT_A_MISS, interruptions
from wegwijzer.referral.conversation import cleared_referral
from wegwijzer.referral.places import UNKNOWN
from wegwijzer.referral.understanding import (
    EMPLOYEES, NEED, NEED_FROM_SENTENCE, NEED_OPTIONS, PLACE, SECTOR, understand,
)

FACT_SLOTS = (PLACE, SECTOR, EMPLOYEES, NEED)
# While these are asked, the answer is free text for the adviser, not facts to extract.
FREE_TEXT_SLOTS = frozenset({"request_text", "contact_name", "company_name", "contact_info", "consent"})


def is_side_question(text: str, intent: str | None, requested: str | None) -> bool:
    """"privacy" or "wat is Novel-T?" while the place is asked is a side question, not a town, so it is read as a side
    remark; an answer that names a place is the answer whatever the NLU made of it ("Borne" came out as a greeting)."""
    if requested != PLACE or intent not in interruptions(INTAKE) - NOT_A_MISS:
        return False
    return catalog().places.resolve(text).status == UNKNOWN


def choice_asked(tracker: Tracker) -> bool:
    """Whether the last need question was the choice between two needs (``NeedQuestion``)."""
    options = tracker.get_slot(NEED_OPTIONS)
    return isinstance(options, dict) and bool(options.get("asked"))


def fact_events(tracker: Tracker) -> list[dict[str, Any]]:
    """The facts in the latest message that may fill or change a slot: place, sector, size, need and the
    request, unless a free-text question is open (a correction is always taken) or the contact form runs.

    A change of a fact behind a referral already told empties that referral, the consent and the contact
    form: consent is given for one organisation and one set of data."""
    intent = intent_of(tracker)
    requested = tracker.get_slot("requested_slot")
    if tracker.active_loop_name == "contact_form" or (intent != "correct" and requested in FREE_TEXT_SLOTS):
        return []
    text = tracker.latest_message.get("text") or ""
    expecting = None if is_side_question(text, intent, requested) else requested
    understood = understand(catalog(), text, tracker.latest_message.get("entities") or [], expecting=expecting,
                            need_from_sentence=tracker.latest_message.get(NEED_FROM_SENTENCE))
    events = []
    # two needs possible: the need question asks which, unless it just did (then the likelier is taken)
    choosing = bool(understood.need_options) and tracker.get_slot(NEED) is None and not choice_asked(tracker)
    for slot in FACT_SLOTS:
        value = getattr(understood, slot)
        current = tracker.get_slot(slot)
        may_change = current is None or slot == requested or intent == "correct"
        if value is not None and value != current and may_change and not (slot == NEED and choosing):
            events.append(SlotSet(slot, value))
    if choosing:
        events.append(SlotSet(NEED_OPTIONS, {"options": list(understood.need_options)}))
    elif tracker.get_slot(NEED_OPTIONS) and any(e.get("name") == NEED for e in events):
        events.append(SlotSet(NEED_OPTIONS, None))
    if understood.is_request and not tracker.get_slot("request_text"):
        events.append(SlotSet("request_text", text.strip()))
    if events and (tracker.get_slot("referral") is not None or tracker.get_slot("consent") is not None):
        events += [SlotSet(name, value) for name, value in cleared_referral().items()]
    return events
