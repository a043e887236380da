"""A Rasa NLU component that names the language of a message as a ``language`` entity.

The ``language`` slot is filled from it by a plain ``from_entity`` mapping, inside the Rasa server:
so the very first answer (the welcome) is already in the user's language, without a call to the
action server on every message.
"""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from wegwijzer.referral.language import detect_language

ENTITY = "language"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LanguageDetector(GraphComponent):
    """Adds ``{"entity": "language", "value": "nl" | "en"}`` when the message clearly is Dutch or English."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LanguageDetector:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            language = detect_language(text)
            if language:
                found = {"entity": ENTITY, "value": language, "start": 0, "end": len(text),
                         "confidence": 1.0, "extractor": type(self).__name__}
                message.set(ENTITIES, [*message.get(ENTITIES, []), found], add_to_output=True)
        return messages
