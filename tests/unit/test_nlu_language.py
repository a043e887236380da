"""The NLU component that names the message's language, so the language slot needs no custom action."""
from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from wegwijzer.rasa.nlu_language import LanguageDetector


def language_of(text: str) -> list[str]:
    (message,) = LanguageDetector().process([Message(data={TEXT: text, ENTITIES: [{"entity": "place", "value": "x"}]})])
    entities = message.get(ENTITIES)
    assert entities[0] == {"entity": "place", "value": "x"}, "other extractors' entities are kept"
    return [e["value"] for e in entities if e["entity"] == "language"]


@pytest.mark.parametrize("text, expected", [
    ("Hello, we are a software company looking for funding", ["en"]),
    ("Wij zoeken hulp bij het opleiden van onze medewerkers", ["nl"]),
    ("Zwolle", []),  # too short to tell: the conversation keeps its language
    ("/inform", []),
])
def test_the_language_entity(text, expected):
    assert language_of(text) == expected
