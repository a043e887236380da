"""A Rasa NLU component: a message that names what the business needs is part of the intake, unless the
classifier is sure it is something else.

The intent classifier learns the side paths (restart, a person, stop, ...) from short commands. An opener
such as "ik heb een vraag over innovatie" or "hallo, vraagje over scholing" then lands between intents:
below the fallback threshold ("Dat begreep ik niet", while the need was plainly said) or on a side path
with middling confidence ("ik heb een vraag" resembles "ik heb een nieuwe vraag", a restart). When the
entity extractors found a need or a sector in the message, that fact is the better evidence: the intent
becomes ``inform`` and the intake form reads the facts. A side path the classifier is sure of stays
("ik wil iemand spreken over een lening" is a request for a person), and so do a correction and a question
about an organisation, which carry facts of their own.
"""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

from wegwijzer.rasa.side_paths import SIDE_PATHS

INFORM = "inform"
FALLBACK = "nlu_fallback"
FACT_ENTITIES = frozenset({"need", "sector"})
KEEP_WITH_FACTS = frozenset({"ask_about", "correct"})  # their answers use the facts themselves
OVERRIDABLE = frozenset({FALLBACK} | {p.intent for p in SIDE_PATHS if p.intent not in KEEP_WITH_FACTS})
SURE = 0.8  # a side path at least this confident stays, facts or not


def names_a_fact(entities: list[dict[str, Any]]) -> bool:
    return any(e.get("entity") in FACT_ENTITIES and e.get("value") not in (None, "") for e in entities)


def intake_intent(intent: dict[str, Any] | None, entities: list[dict[str, Any]], sure: float = SURE) -> str | None:
    """``inform`` when the message should go to the intake instead of ``intent``; None to keep it."""
    if not intent or intent.get(INTENT_NAME_KEY) not in OVERRIDABLE or not names_a_fact(entities):
        return None
    confidence = float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
    if intent[INTENT_NAME_KEY] != FALLBACK and confidence >= sure:
        return None
    return INFORM


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class IntakeIntent(GraphComponent):
    """Comes after the FallbackClassifier; ``sure`` (default 0.8) is the confidence from which a side path stays."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"sure": SURE}

    def __init__(self, sure: float) -> None:
        self.sure = sure

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> IntakeIntent:
        return cls(float(config.get("sure", SURE)))

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT)
            if intake_intent(intent, message.get(ENTITIES) or [], self.sure) is None:
                continue
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != INFORM]
            chosen = {INTENT_NAME_KEY: INFORM, PREDICTED_CONFIDENCE_KEY: intent.get(PREDICTED_CONFIDENCE_KEY)}
            message.set(INTENT, chosen, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [chosen, *ranking], add_to_output=True)
        return messages
