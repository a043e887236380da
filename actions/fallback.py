"""When nothing fits: "Dat begreep ik niet", but never twice in a row: then buttons and a person to call."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from rasa_sdk import Action, Tracker
from rasa_sdk.events import UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import safely

NOT_UNDERSTOOD = "utter_default"
NOT_UNDERSTOOD_AGAIN = "utter_default_again"  # with the need buttons and the province's phone number


def last_response(events: Iterable[Mapping[str, Any]]) -> str | None:
    """The name of the response the assistant sent last (Rasa notes it with each message it sends)."""
    last = next((e for e in reversed(list(events)) if e.get("event") == "bot"), None)
    return ((last or {}).get("metadata") or {}).get("utter_action")


def fallback_response(events: Iterable[Mapping[str, Any]]) -> str:
    """The response that differs from the assistant's last message."""
    return NOT_UNDERSTOOD_AGAIN if last_response(events) == NOT_UNDERSTOOD else NOT_UNDERSTOOD


class ActionDefaultFallback(Action):
    """Rasa's core fallback (no rule fits): like Rasa's own, it forgets the message it could not place."""

    def name(self) -> str:
        return "action_default_fallback"

    @safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(response=fallback_response(tracker.events))
        return [UserUtteranceReverted()]
