"""A Rasa NLU component that names the language of a message as a ``language`` entity (role ``detected``).

The ``language`` slot is filled from it by a plain ``from_entity`` mapping, inside the Rasa server:
so the very first answer (the welcome) is already in the user's language, without a call to the
action server on every message. Only this component gives the role, so a ``/inform{"language": ...}``
payload cannot set the slot.

The page language (the widget sends it in the message metadata, ``{"language": "en"}``) is the prior:
it names the language of a message too short or mixed to tell, until the user has written clearly in
a language in this conversation; from then on the user's own writing decides.
"""
from __future__ import annotations

from typing import Any, Mapping

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.events import Restarted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, METADATA, TEXT
from rasa.shared.nlu.training_data.message import Message

from wegwijzer.referral.language import detect_language

ENTITY = "language"
ROLE = "detected"
LANGUAGES = frozenset({"nl", "en"})
PAYLOAD_PREFIX = "/"


def written_language(text: str | None) -> str | None:
    """The language a typed message is clearly written in; button payloads are not writing."""
    if not text or text.startswith(PAYLOAD_PREFIX):
        return None
    return detect_language(text)


def page_language(metadata: Any) -> str | None:
    """The page's language from the message metadata, when it is one we speak."""
    value = metadata.get(ENTITY) if isinstance(metadata, Mapping) else None
    return value if isinstance(value, str) and value in LANGUAGES else None


def has_written(tracker: DialogueStateTracker | None) -> bool:
    """Whether the user already wrote clearly in some language in this conversation (since its session began).

    Reads ``tracker.events``, not ``applied_events()``: that one leaves out the answers a form took."""
    if tracker is None:
        return False
    for event in reversed(tracker.events):
        if isinstance(event, (SessionStarted, Restarted)):
            return False
        if isinstance(event, UserUttered) and written_language(event.text):
            return True
    return False


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LanguageDetector(GraphComponent):
    """Adds ``{"entity": "language", "role": "detected", "value": "nl" | "en"}`` when the message clearly is
    Dutch or English, or else, before the user wrote clearly, when the page it was sent from is."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LanguageDetector:
        return cls()

    def process(self, messages: list[Message], tracker: DialogueStateTracker | None = None) -> list[Message]:
        """``tracker`` is the conversation before this message (None when Rasa parses a message on its own)."""
        page_decides = not has_written(tracker)
        for message in messages:
            text = message.get(TEXT) or ""
            language = written_language(text)
            if language is None and page_decides:
                language = page_language(message.get(METADATA))
            if language:
                found = {"entity": ENTITY, "role": ROLE, "value": language, "start": 0, "end": len(text),
                         "confidence": 1.0, "extractor": type(self).__name__}
                message.set(ENTITIES, [*message.get(ENTITIES, []), found], add_to_output=True)
        return messages
