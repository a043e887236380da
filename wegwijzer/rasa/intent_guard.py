"""A Rasa NLU component with two guards on the intent classifier's choice.

1. A message that names what the business needs is part of the intake, unless the classifier is sure it is
   something else.
2. While a form asks its questions, a command that ends or wipes the conversation (stop, goodbye, start over)
   needs a sure classifier: "pfff weet ik veel" at the sector question came out as "stop" (0.83) and ended the
   intake. Below ``certain`` it counts as not understood, so the question is asked again in other words.

The intent classifier learns the side paths (restart, a person, stop, ...) from short commands. An opener
such as "ik heb een vraag over innovatie" or "hallo, vraagje over scholing" then lands between intents:
below the fallback threshold ("Dat begreep ik niet", while the need was plainly said) or on a side path
with middling confidence ("ik heb een vraag" resembles "ik heb een nieuwe vraag", a restart). When the
entity extractors found a need or a sector in the message, that fact is the better evidence: the intent
becomes ``inform`` and the intake form reads the facts. A side path the classifier is sure of stays
("ik wil iemand spreken over een lening" is a request for a person), and so do a correction and a question
about an organisation, which carry facts of their own (guard 1). A need the NeedClassifier is sure of from
the whole message (no word names it) turns only a fallback into ``inform``, never a side path.
"""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

from wegwijzer.rasa.side_paths import SIDE_PATHS
from wegwijzer.referral.understanding import NEED_FROM_SENTENCE, SURE_NEED_FROM_SENTENCE

INFORM = "inform"
FALLBACK = "nlu_fallback"
FACT_ENTITIES = frozenset({"need", "sector"})
KEEP_WITH_FACTS = frozenset({"ask_about", "correct"})  # their answers use the facts themselves
OVERRIDABLE = frozenset({FALLBACK} | {p.intent for p in SIDE_PATHS if p.intent not in KEEP_WITH_FACTS})
SURE = 0.8  # a side path at least this confident stays, facts or not
ENDING = frozenset({"stop", "goodbye", "start_over"})
CERTAIN = 0.9  # an ending command below this is not understood


def names_a_fact(entities: list[dict[str, Any]]) -> bool:
    return any(e.get("entity") in FACT_ENTITIES and e.get("value") not in (None, "") for e in entities)


def sure_need_from_sentence(need_from_sentence: dict[str, Any] | None) -> bool:
    return float((need_from_sentence or {}).get("confidence") or 0.0) >= SURE_NEED_FROM_SENTENCE


def guarded_intent(intent: dict[str, Any] | None, entities: list[dict[str, Any]], in_form: bool = True,
                   sure: float = SURE, certain: float = CERTAIN,
                   need_from_sentence: dict[str, Any] | None = None) -> str | None:
    """The intent to use instead of ``intent`` (``inform`` or ``nlu_fallback``); None to keep it."""
    if not intent:
        return None
    name = intent.get(INTENT_NAME_KEY)
    confidence = float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
    if name in OVERRIDABLE and names_a_fact(entities) and (name == FALLBACK or confidence < sure):
        return INFORM
    if name == FALLBACK and sure_need_from_sentence(need_from_sentence):  # not over a side path: "ik heb schulden
        return INFORM  # en kan mijn rekeningen niet betalen" reads as financing, and is no question for an adviser
    if in_form and name in ENDING and confidence < certain:
        return FALLBACK
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class IntentGuard(GraphComponent):
    """Comes after the FallbackClassifier. ``sure`` (default 0.8): the confidence from which a side path stays
    although the message names a need; ``certain`` (default 0.9): the confidence an ending command needs."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"sure": SURE, "certain": CERTAIN}

    def __init__(self, sure: float, certain: float) -> None:
        self.sure, self.certain = sure, certain

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> IntentGuard:
        return cls(float(config.get("sure", SURE)), float(config.get("certain", CERTAIN)))

    def process(self, messages: list[Message], tracker: DialogueStateTracker | None = None) -> list[Message]:
        """``tracker`` is the conversation before this message (None when Rasa parses a message on its own)."""
        in_form = bool(tracker and tracker.active_loop_name)
        for message in messages:
            intent = message.get(INTENT)
            name = guarded_intent(intent, message.get(ENTITIES) or [], in_form, self.sure, self.certain,
                                  message.get(NEED_FROM_SENTENCE))
            if name is None:
                continue
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != name]
            chosen = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: intent.get(PREDICTED_CONFIDENCE_KEY)}
            message.set(INTENT, chosen, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [chosen, *ranking], add_to_output=True)
        return messages
