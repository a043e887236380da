"""The statistics glue in the actions: questions outside the five needs, "not understood", satisfaction, steps."""
from __future__ import annotations

import asyncio

from actions.referral import ActionRefer
from actions.statistics import ActionNotUnderstood, ActionNoteHelped, ActionOutOfScope, noted_step
from tests.integration.test_actions import DOMAIN, INTAKE, database, loaded_database, run, slots_of, tracker  # noqa: F401
from wegwijzer.storage.engine import get_engine, session_scope
from wegwijzer.storage.tables import ConversationRecordRow, IntakeRecordRow, UnmetRequestRow


def rows(model) -> list:
    with session_scope(get_engine()) as session:
        return session.query(model).order_by(model.id).all()


def test_a_theme_gets_its_pointer_and_the_closest_need_and_is_counted_without_text():
    events, messages = run(ActionOutOfScope(), tracker(text="ik wil een eigen bedrijf beginnen", intent="out_of_scope",
                                                       slots={"region": "twente", "employees": "3"},
                                                       metadata={"channel": "widget"}))
    (message,) = messages
    assert message["response"] == "utter_other_theme_closest" and "0800 2117" in message["pointer"]
    assert message["buttons"] == [{"title": "Financiering", "payload": '/inform{"need":"financiering"}'}]
    (unmet,) = rows(UnmetRequestRow)
    assert (unmet.theme, unmet.region, unmet.size_band, unmet.channel) == ("starten", "twente", "2-9", "widget")
    (conversation,) = rows(ConversationRecordRow)
    assert slots_of(events)["conversation_record"] == conversation.id and conversation.unanswered is False


def test_inside_the_intake_a_theme_gets_only_its_pointer():
    _, messages = run(ActionOutOfScope(), tracker(text="wij willen exporteren", intent="out_of_scope",
                                                  active_loop="intake_form", requested="sector"))
    assert [m["response"] for m in messages] == ["utter_other_theme"] and not messages[0]["buttons"]


def test_no_theme_and_not_understood_are_counted_as_unanswered():
    events, messages = run(ActionOutOfScope(), tracker(text="wat voor weer wordt het", intent="out_of_scope"))
    assert messages[0]["response"] == "utter_out_of_scope"
    record = slots_of(events)["conversation_record"]
    assert rows(UnmetRequestRow)[0].theme == "onbekend" and rows(ConversationRecordRow)[0].unanswered is True
    asyncio.run(noted_step(tracker(slots={"conversation_record": record}), "need"))
    assert rows(ConversationRecordRow)[0].unanswered is False, "a next question means it went on"
    _, messages = run(ActionNotUnderstood(), tracker(text="qwrt", intent="nlu_fallback",
                                                     slots={"conversation_record": record}))
    assert messages[0]["response"] == "utter_default"
    (conversation,) = rows(ConversationRecordRow)
    assert (conversation.unanswered, conversation.last_step) == (True, "need")


def test_the_satisfaction_answer_is_stored_with_the_intake_record():
    run(ActionRefer(), tracker(slots=INTAKE))
    (intake,) = rows(IntakeRecordRow)
    assert intake.program_count is not None
    _, messages = run(ActionNoteHelped(), tracker(intent="deny", slots={"intake_record": intake.id}))
    assert messages[0]["response"] == "utter_thanks_for_rating"
    assert rows(IntakeRecordRow)[0].satisfaction == "nee"
    run(ActionNoteHelped(), tracker(intent="greet", slots={"intake_record": intake.id}))
    assert rows(IntakeRecordRow)[0].satisfaction == "nee", "only a yes or no is stored"


def test_a_second_question_outside_the_needs_in_a_row_gets_other_words_and_a_person():
    asked = tracker(text="kunt u mijn belastingaangifte doen", intent="out_of_scope")
    asked.events.insert(0, {"event": "bot", "text": "Daar kan ik u helaas niet mee helpen.",
                            "metadata": {"utter_action": "utter_out_of_scope"}})
    _, messages = run(ActionOutOfScope(), asked)
    assert [m["response"] for m in messages] == ["utter_out_of_scope_again"]
    assert "038 499 88 99" in DOMAIN["responses"]["utter_out_of_scope_again"][0]["text"]
