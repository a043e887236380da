"""The place-answer decisions without Rasa: confirmation yes/no, after the outside answer, side remarks."""
from __future__ import annotations

from wegwijzer.referral.place_confirmation import (
    AFTER_OUTSIDE, CONFIRM, DECLINED, PlaceTurn, place_answer, place_to_extract,
)

QUESTION = {"kind": CONFIRM, "typed": "meer", "proposal": "Meer Twenterand", "place": "Meer", "municipality": "Twenterand"}


def place_turn(catalog, text: str, intent: str | None = "inform", requested: str | None = "place",
               question: dict | None = None, status: str | None = None, outside: str | None = None,
               reads: list | None = None) -> PlaceTurn:
    def find_in_text(message: str):
        if reads is not None:
            reads.append(message)
        return catalog.places.find_in_text(message)
    return PlaceTurn(text=text, intent=intent, requested_slot=requested, question=question, referral_status=status,
                     outside_place=outside, find_in_text=find_in_text)


def test_a_yes_to_the_confirmation_answers_with_the_proposal_and_a_no_asks_again(catalog):
    assert place_to_extract(place_turn(catalog, "ja", "affirm", question=QUESTION), None) == {"place": "Meer Twenterand"}
    no = place_turn(catalog, "nee", "deny", question=QUESTION)
    assert place_to_extract(no, None) == {"place": None}
    assert place_answer(no, None) == {"place": None, "place_question": {"kind": DECLINED}}


def test_naming_another_place_at_the_confirmation_is_resolved_not_taken_as_yes(catalog):
    turn = place_turn(catalog, "nee, wij zitten in Zwolle", "deny", question=QUESTION)
    assert place_to_extract(turn, None) == {}
    assert place_answer(turn, "Zwolle") is None


def test_after_the_outside_answer_a_message_without_a_place_ends_kindly_and_clears_outside(catalog):
    turn = place_turn(catalog, "nee bedankt", "deny", requested=None, status="outside", outside="Apeldoorn")
    assert place_answer(turn, None) == {"place": None, "outside_place": None, "referral_status": None, "misses": 0,
                                        "place_question": {"kind": AFTER_OUTSIDE}}


def test_a_weak_place_in_a_side_remark_is_confirmed_but_an_answer_to_the_place_question_is_not(catalog):
    remark = place_turn(catalog, "Wij zitten in Meer en zoeken geld", requested=None)
    assert place_answer(remark, "Meer")["place_question"]["kind"] == CONFIRM
    assert place_answer(place_turn(catalog, "Hengelo", requested="place"), "Hengelo") is None


def test_the_text_is_read_only_when_a_decision_needs_it_and_then_once(catalog):
    reads: list = []
    turn = place_turn(catalog, "Hengelo", requested="place", reads=reads)
    assert place_to_extract(turn, None) == {} and place_answer(turn, "Hengelo") is None
    assert reads == []
    confirming = place_turn(catalog, "ja", "affirm", question=QUESTION, reads=reads)
    place_to_extract(confirming, None)
    place_answer(confirming, None)
    assert reads == ["ja"]
