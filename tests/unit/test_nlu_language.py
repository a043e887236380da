"""The NLU component that names the message's language, so the language slot needs no custom action."""
from __future__ import annotations

import pytest
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, METADATA, TEXT
from rasa.shared.nlu.training_data.message import Message

from wegwijzer.rasa.nlu_language import LanguageDetector


def language_of(text: str, metadata: dict | None = None, earlier: tuple[str, ...] = ()) -> list[str]:
    tracker = DialogueStateTracker.from_events("conv", [UserUttered(t) for t in earlier])
    message = Message(data={TEXT: text, ENTITIES: [{"entity": "place", "value": "x"}], METADATA: metadata})
    (message,) = LanguageDetector().process([message], tracker)
    entities = message.get(ENTITIES)
    assert entities[0] == {"entity": "place", "value": "x"}, "other extractors' entities are kept"
    found = [e for e in entities if e["entity"] == "language"]
    assert all(e["role"] == "detected" for e in found), "only this component gives the role the slot reads"
    return [e["value"] for e in found]


@pytest.mark.parametrize("text, expected", [
    ("Hello, we are a software company looking for funding", ["en"]),
    ("Wij zoeken hulp bij het opleiden van onze medewerkers", ["nl"]),
    ("Zwolle", []),  # too short to tell: the conversation keeps its language
    ("/inform", []),
])
def test_the_language_entity(text, expected):
    assert language_of(text) == expected


def test_an_english_page_names_english_for_a_message_too_short_to_tell():
    assert language_of("Zwolle", {"channel": "widget", "language": "en"}) == ["en"]
    assert language_of("hoi", {"language": "en"}) == ["nl"], "what the user clearly writes wins over the page"


def test_the_page_is_the_prior_only_until_the_user_wrote_clearly_in_a_language():
    assert language_of("7511", {"language": "en"}, earlier=("Zwolle",)) == ["en"]
    assert language_of("7511", {"language": "en"}, earlier=("Wij zoeken hulp bij financiering",)) == []


def test_answers_a_form_took_count_as_writing_and_a_new_session_starts_afresh():
    """``applied_events()`` drops the user messages of a form's happy path; the prior must still see them."""
    form_turns = [ActionExecuted("intake_form"), ActiveLoop("intake_form"), ActionExecuted("action_listen"),
                  UserUttered("Wij zoeken hulp bij financiering"), ActionExecuted("intake_form"),
                  ActionExecuted("action_listen")]
    tracker = DialogueStateTracker.from_events("conv", form_turns)
    assert not any(isinstance(e, UserUttered) for e in tracker.applied_events()), "why events, not applied_events"
    (message,) = LanguageDetector().process([Message(data={TEXT: "7511", METADATA: {"language": "en"}})], tracker)
    assert message.get(ENTITIES, []) == []
    tracker.update(SessionStarted())
    (message,) = LanguageDetector().process([Message(data={TEXT: "7511", METADATA: {"language": "en"}})], tracker)
    assert [e["value"] for e in message.get(ENTITIES)] == ["en"]


@pytest.mark.parametrize("metadata", [{"language": "fr"}, {"language": ["en"]}, {"language": None}, "en", None])
def test_a_page_language_we_do_not_speak_names_nothing(metadata):
    assert language_of("Zwolle", metadata) == []


def test_without_a_tracker_the_page_still_counts():
    (message,) = LanguageDetector().process([Message(data={TEXT: "Zwolle", METADATA: {"language": "en"}})])
    assert [e["value"] for e in message.get(ENTITIES)] == ["en"]
