"""The NLU step that sends a message naming a need to the intake and lets only a sure classifier end a conversation."""
from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from wegwijzer.rasa.intent_guard import FALLBACK, INFORM, IntentGuard, guarded_intent

NEED = [{"entity": "need", "value": "kennis", "start": 22, "end": 31}]
SECTOR = [{"entity": "sector", "value": "bouw"}]
LANGUAGE_ONLY = [{"entity": "language", "role": "detected", "value": "nl"}]


def intent(name: str, confidence: float) -> dict:
    return {"name": name, "confidence": confidence}


@pytest.mark.parametrize("predicted, entities", [
    (intent("nlu_fallback", 0.45), NEED),  # "Hallo, ik heb een vraag over innovatie"
    (intent("start_over", 0.70), NEED),  # "ik heb een vraag over innovatie" looks like "ik heb een nieuwe vraag"
    (intent("human", 0.49), SECTOR),
    (intent("stop", 0.6), NEED),  # "sensoren in de stal om zieke koeien te zien" must never stop the intake
])
def test_a_message_naming_a_need_goes_to_the_intake(predicted, entities):
    assert guarded_intent(predicted, entities) == INFORM


@pytest.mark.parametrize("predicted, entities", [
    (intent("human", 0.99), NEED),  # "ik wil iemand spreken over een lening": a person, surely
    (intent("start_over", 0.95), NEED),
    (intent("ask_about", 0.5), NEED),  # "wat doet Oost NL aan financiering?": its answer uses the need itself
    (intent("correct", 0.5), NEED),
    (intent("nlu_fallback", 0.45), LANGUAGE_ONLY),  # no fact: "Dat begreep ik niet" stays right
    (intent("request_help", 0.6), NEED),  # already starts the intake
    (None, NEED),
])
def test_sure_side_paths_and_messages_without_facts_keep_their_intent(predicted, entities):
    assert guarded_intent(predicted, entities) is None


def test_the_component_rewrites_intent_and_ranking():
    message = Message(data={"text": "ik heb een vraag over innovatie", "intent": intent("start_over", 0.7),
                            "intent_ranking": [intent("start_over", 0.7), intent("inform", 0.1)], "entities": NEED})
    (processed,) = IntentGuard(sure=0.8, certain=0.9).process([message])
    assert processed.get("intent") == intent(INFORM, 0.7)
    assert [r["name"] for r in processed.get("intent_ranking")] == [INFORM, "start_over"]


@pytest.mark.parametrize("predicted", [intent("stop", 0.83), intent("goodbye", 0.7), intent("start_over", 0.6)])
def test_an_ending_command_needs_a_sure_classifier(predicted):
    assert guarded_intent(predicted, LANGUAGE_ONLY) == FALLBACK  # "pfff weet ik veel" came out as stop, 0.83


@pytest.mark.parametrize("predicted", [intent("stop", 0.99), intent("goodbye", 0.95), intent("human", 0.5),
                                       intent("erase_data", 0.6)])
def test_sure_endings_and_other_side_paths_stay(predicted):
    assert guarded_intent(predicted, LANGUAGE_ONLY) is None


def test_outside_a_form_an_unsure_goodbye_stays_a_goodbye():
    assert guarded_intent(intent("goodbye", 0.7), LANGUAGE_ONLY, in_form=False) is None
    assert guarded_intent(intent("nlu_fallback", 0.45), NEED, in_form=False) == INFORM


def test_the_component_guards_endings_only_while_a_form_asks():
    from rasa.shared.core.events import ActiveLoop
    from rasa.shared.core.trackers import DialogueStateTracker

    def stop_message() -> Message:
        return Message(data={"text": "pfff weet ik veel", "intent": intent("stop", 0.83),
                             "intent_ranking": [intent("stop", 0.83)], "entities": []})

    asking = DialogueStateTracker.from_events("s", [ActiveLoop("intake_form")])
    (processed,) = IntentGuard(sure=0.8, certain=0.9).process([stop_message()], asking)
    assert processed.get("intent")["name"] == FALLBACK
    (processed,) = IntentGuard(sure=0.8, certain=0.9).process([stop_message()], DialogueStateTracker("s", []))
    assert processed.get("intent")["name"] == "stop"


def test_a_need_read_from_the_whole_message_turns_only_a_fallback_into_the_intake():
    """"de bank wil ons niet meer geld lenen" names no need word; the NeedClassifier read financing from it."""
    sure, unsure = {"name": "financiering", "confidence": 0.9}, {"name": "financiering", "confidence": 0.7}
    assert guarded_intent(intent("nlu_fallback", 0.4), LANGUAGE_ONLY, need_from_sentence=sure) == INFORM
    assert guarded_intent(intent("nlu_fallback", 0.4), LANGUAGE_ONLY, need_from_sentence=unsure) is None
    # "ik heb schulden en kan mijn rekeningen niet meer betalen" reads as financing: the side path stays
    assert guarded_intent(intent("out_of_scope", 0.6), LANGUAGE_ONLY, need_from_sentence=sure) is None
    message = Message(data={"text": "de bank wil ons niet meer geld lenen", "intent": intent("nlu_fallback", 0.4),
                            "intent_ranking": [intent("nlu_fallback", 0.4)], "entities": [],
                            "need_from_sentence": sure})
    (processed,) = IntentGuard(sure=0.8, certain=0.9).process([message])
    assert processed.get("intent")["name"] == INFORM
