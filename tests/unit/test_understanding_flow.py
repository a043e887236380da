"""Issue 12 in the validators: places confirmed before routing, free-text answers that look like commands,
no message twice in a row, and no question the first message already answered (no Rasa, no database)."""
from __future__ import annotations

import asyncio

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.extract
import actions.intake
import actions.questions
from actions.contact import ValidateContactForm
from actions.intake import ValidateIntakeForm
from wegwijzer.referral.understanding import NEED_FROM_SENTENCE
from wegwijzer.storage.engine import PROJECT_ROOT

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def referral_data(catalog, monkeypatch):
    for module in (actions.extract, actions.intake, actions.questions):
        monkeypatch.setattr(module, "catalog", lambda: catalog)


def turn(form, text: str, slots: dict | None = None, intent: str = "inform", requested: str | None = None,
         active: bool = True, entities: list | None = None, reading: dict | None = None) -> tuple[dict, list[dict]]:
    """One user message handled by a form's validator, as Rasa runs it: the slots Rasa extracted are events
    since that message; ``reading`` is the need the NLU read from the whole message. Returns the slots set and
    the messages sent."""
    form_name = "contact_form" if isinstance(form, ValidateContactForm) else "intake_form"
    all_slots = {name: None for name in DOMAIN["slots"]}
    all_slots.update({"language": "nl", "misses": 0, "requested_slot": requested, **(slots or {})})
    tracker = Tracker("conv-1", all_slots, {"text": text, "intent": {"name": intent, "confidence": 1.0},
                                            "entities": entities or [], NEED_FROM_SENTENCE: reading},
                      [{"event": "user", "text": text}], False, None, {"name": form_name} if active else {},
                      "action_listen")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(form.run(dispatcher, tracker, DOMAIN))
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}, dispatcher.messages


def said(messages: list[dict]) -> list[str]:
    return [m.get("response") for m in messages]


# -- kind 1: places read on weak grounds are confirmed before anything is routed on them -------------------

def test_an_ordinary_word_is_no_place_and_the_question_is_asked():
    slots, messages = turn(ValidateIntakeForm(), "Meer informatie over subsidie graag", active=False)
    assert slots.get("place") is None and slots["requested_slot"] == "place"
    assert said(messages) == ["utter_question_place"]


def test_a_village_named_like_a_word_is_confirmed_with_yes_or_no():
    slots, messages = turn(ValidateIntakeForm(), "Wij zitten in Meer en zoeken geld", active=False)
    assert slots["need"] == "financiering" and slots["place"] is None and slots["requested_slot"] == "place"
    assert said(messages) == ["utter_place_confirm"]
    assert (messages[0]["place"], messages[0]["municipality"]) == ("Meer", "Twenterand")
    assert [b["payload"] for b in messages[0]["buttons"]] == ['/inform{"place":"Meer Twenterand"}', "/deny"]
    question = slots["place_question"]
    assert question["asked"] is True

    yes, _ = turn(ValidateIntakeForm(), "ja", {"need": "financiering", "place_question": question},
                  intent="affirm", requested="place")
    assert (yes["place"], yes["municipality"]) == ("Meer", "Twenterand")

    button, _ = turn(ValidateIntakeForm(), '/inform{"place":"Meer Twenterand"}',
                     {"need": "financiering", "place_question": question}, requested="place",
                     entities=[{"entity": "place", "value": "Meer Twenterand"}])
    assert button["municipality"] == "Twenterand"


@pytest.mark.parametrize("text", ["nee", "/deny"])
def test_no_to_the_confirmation_asks_the_plain_place_question(text):
    question = {"kind": "confirm", "typed": "meer", "proposal": "Meer Twenterand", "place": "Meer",
                "municipality": "Twenterand", "asked": True}
    slots, messages = turn(ValidateIntakeForm(), text, {"need": "financiering", "place_question": question},
                           intent="deny", requested="place")
    assert slots.get("place") is None and slots["requested_slot"] == "place"
    assert said(messages) == ["utter_question_place"]
    assert slots["place_question"] is None


def test_another_place_typed_at_the_confirmation_is_taken():
    question = {"kind": "confirm", "typed": "enter", "proposal": "Enter Wierden", "place": "Enter",
                "municipality": "Wierden", "asked": True}
    slots, _ = turn(ValidateIntakeForm(), "nee, Zwolle", {"need": "kennis", "place_question": question},
                    intent="deny", requested="place")
    assert slots["municipality"] == "Zwolle"


def test_a_confirmation_left_unanswered_is_not_asked_again_in_the_same_words():
    question = {"kind": "confirm", "typed": "meer", "proposal": "Meer Twenterand", "place": "Meer",
                "municipality": "Twenterand", "asked": True}
    slots, messages = turn(ValidateIntakeForm(), "qwerty", {"need": "kennis", "place_question": question},
                           requested="place")
    assert said(messages) == ["utter_question_place_again"]


def test_a_typo_in_a_side_remark_is_confirmed_not_assumed():
    slots, messages = turn(ValidateIntakeForm(), "wij zoeken financiering voor een nieuwe stal in dalfsn",
                           active=False)
    assert slots["place"] is None and said(messages) == ["utter_place_confirm"]
    assert messages[0]["place"] == "Dalfsen"


def test_verbs_are_not_turned_into_towns():
    slots, _ = turn(ValidateIntakeForm(), "we willen ons personeel op te leiden en leren programmeren", active=False)
    assert slots.get("place") is None and slots.get("outside_place") is None


def test_a_place_outside_from_a_side_remark_is_confirmed_before_the_intake_ends():
    slots, messages = turn(ValidateIntakeForm(), "Wij zijn een hoveniersbedrijf uit Doetinchem en zoeken subsidie",
                           active=False)
    assert slots.get("outside_place") is None and slots["requested_slot"] == "place"
    assert said(messages) == ["utter_place_confirm_outside"] and messages[0]["place"] == "Doetinchem (Gelderland)"
    yes, _ = turn(ValidateIntakeForm(), "ja", {"need": "financiering", "place_question": slots["place_question"]},
                  intent="affirm", requested="place")
    assert yes["outside_place"] == "Doetinchem (Gelderland)" and yes["requested_slot"] is None


def test_a_sure_place_needs_no_confirmation():
    slots, messages = turn(ValidateIntakeForm(), "Ik heb een drukkerij in Kampen met 45 mensen", active=False)
    assert slots["municipality"] == "Kampen" and said(messages) == ["utter_question_need"]


def test_the_answer_to_the_place_question_is_support_enough():
    slots, _ = turn(ValidateIntakeForm(), "Enter", {"need": "kennis"}, requested="place")
    assert slots["municipality"] == "Wierden"


# -- kind 4: after the outside answer: "in Overijssel after all", or a kind ending; nothing twice ------------

OUTSIDE_DONE = {"need": "financiering", "outside_place": "Doetinchem (Gelderland)", "referral_status": "outside",
                "misses": 1}  # the outside answer left the place empty: one miss


def test_after_the_outside_answer_in_overijssel_after_all_asks_the_place():
    slots, messages = turn(ValidateIntakeForm(), "/correct", OUTSIDE_DONE, intent="correct")
    assert slots["outside_place"] is None and slots["requested_slot"] == "place"
    assert said(messages) == ["utter_question_place"]


def test_after_the_outside_answer_a_new_place_is_read():
    slots, _ = turn(ValidateIntakeForm(), "sorry, we zitten in Zwolle", OUTSIDE_DONE)
    assert slots["municipality"] == "Zwolle" and slots["outside_place"] is None


def test_after_the_outside_answer_anything_else_ends_kindly_not_with_the_same_message():
    slots, messages = turn(ValidateIntakeForm(), "Subsidie voor elektrische tuinmachines", OUTSIDE_DONE,
                           intent="request_help")
    assert said(messages) == ["utter_outside_end"] and slots["requested_slot"] == "place"


def test_the_outside_answer_offers_overijssel_after_all_and_a_way_out():
    for variant in DOMAIN["responses"]["utter_outside"]:
        assert [b["payload"] for b in variant["buttons"]] == ["/correct", "/goodbye"]


# -- kind 2: free-text answers that look like commands --------------------------------------------------------

@pytest.mark.parametrize("typed,intent", [("Roel Veneklaas", "inform"), ("Mo", "greet"), ("Stop Veldman", "stop"),
                                          ("Robin Robot", "bot_challenge")])
def test_a_name_is_the_answer_whatever_the_nlu_thought(typed, intent):
    slots, messages = turn(ValidateContactForm(), typed, intent=intent, requested="contact_name")
    assert slots["contact_name"] == typed and said(messages) == ["utter_question_company_name"]


@pytest.mark.parametrize("typed,intent", [("Stop & Go Transport", "stop"), ("Medewerker Direct", "human"),
                                          ("Help Installaties", "help"), ("Robot Solutions", "bot_challenge")])
def test_a_company_name_is_the_answer_whatever_the_nlu_thought(typed, intent):
    slots, _ = turn(ValidateContactForm(), typed, {"contact_name": "Anna"}, intent=intent, requested="company_name")
    assert slots["company_name"] == typed and slots["requested_slot"] == "contact_info"


@pytest.mark.parametrize("typed,intent", [("stop", "stop"), ("opnieuw", "start_over"), ("wat is Novel-T?", "ask_about")])
def test_exactly_a_command_or_a_question_is_left_to_rasa(typed, intent):
    assert turn(ValidateContactForm(), typed, intent=intent, requested="contact_name") == ({}, [])


def test_an_email_address_at_the_name_question_is_kept_and_the_name_asked_again():
    slots, messages = turn(ValidateContactForm(), "anna@bakkerij.example", intent="give_contact",
                           requested="contact_name")
    assert slots["contact_email"] == "anna@bakkerij.example" and slots["contact_name"] is None
    assert slots["requested_slot"] == "contact_name" and said(messages) == ["utter_question_contact_name_again"]


def test_a_description_the_nlu_took_for_stop_is_the_description():
    slots, _ = turn(ValidateIntakeForm(), "sensoren in de stal om zieke koeien te zien",
                    {"need": "kennis", "place": "Raalte", "municipality": "Raalte", "sector": "landbouw",
                     "employees": "3"}, intent="stop", requested="request_text")
    assert slots["request_text"] == "sensoren in de stal om zieke koeien te zien" and slots["requested_slot"] is None


# -- kind 5: what the first message already says is not asked again ---------------------------------------------

def test_a_first_message_that_says_what_the_user_wants_is_the_description():
    text = "Ik zoek financiering voor een nieuwe loods en elektrische trucks"
    slots, _ = turn(ValidateIntakeForm(), text, {"place": "Hengelo", "municipality": "Hengelo", "sector": "logistiek",
                                                 "employees": "12"}, active=False)
    assert slots["request_text"] == text and slots["requested_slot"] is None


def test_a_vague_first_message_still_gets_the_description_question():
    slots, messages = turn(ValidateIntakeForm(), "hoi ik zoek geld voor mijn bedrijf",
                           {"place": "Hengelo", "municipality": "Hengelo", "sector": "handel", "employees": "2"},
                           active=False)
    assert slots.get("request_text") is None and said(messages) == ["utter_question_request_text"]


def test_an_email_address_the_nlu_took_for_stop_is_the_contact_detail():
    slots, _ = turn(ValidateContactForm(), "roel@stopgo.example", {"contact_name": "Roel", "company_name": "-"},
                    intent="stop", requested="contact_info")
    assert slots["contact_email"] == "roel@stopgo.example"


def test_a_place_with_its_municipality_answers_a_choice_even_when_the_nlu_tagged_only_the_place():
    slots, _ = turn(ValidateIntakeForm(), "Emmen (Dalfsen)", {"need": "financiering"}, requested="place",
                    entities=[{"entity": "place", "value": "Emmen"}])
    assert (slots["place"], slots["municipality"]) == ("Emmen", "Dalfsen")


def test_a_choice_between_namesakes_is_not_repeated_in_the_same_words():
    _, messages = turn(ValidateIntakeForm(), "ik heb een loonbedrijf in Emmen", {"need": "financiering"},
                           active=False)
    _, messages_again = turn(ValidateIntakeForm(), "Emmen", {"need": "financiering"}, requested="place")
    assert said(messages) == ["utter_place_choice"] and said(messages_again) == ["utter_place_choice_again"]
    assert messages_again[0]["example"] == "Emmen Dalfsen" and len(messages_again[0]["buttons"]) == 2


def test_a_suggestion_is_not_repeated_in_the_same_words():
    question = {"kind": "suggest", "typed": "Hengloo"}
    said_per_miss = []
    for misses in (1, 2, 3):
        dispatcher = CollectingDispatcher()
        all_slots = {name: None for name in DOMAIN["slots"]}
        all_slots.update({"language": "nl", "misses": misses, "place_question": question})
        tracker = Tracker("conv-1", all_slots, {"text": "Hengloo"}, [], False, None, {}, "action_listen")
        actions.questions.QUESTIONS["place"].ask(dispatcher, tracker, DOMAIN)
        said_per_miss.append(said(dispatcher.messages))
    assert said_per_miss == [["utter_place_suggestion"], ["utter_general_contact", "utter_question_place"],
                             ["utter_general_contact", "utter_place_suggestion"]]


def test_not_understood_is_never_said_twice_in_a_row():
    from actions.fallback import ActionDefaultFallback

    def fallback(events: list[dict]) -> tuple[list[dict], list[str]]:
        tracker = Tracker("conv-1", {"language": "nl"}, {"text": "ja"}, events, False, None, {}, "action_listen")
        dispatcher = CollectingDispatcher()
        returned = asyncio.run(ActionDefaultFallback().run(dispatcher, tracker, DOMAIN))
        return returned, said(dispatcher.messages)

    bot = lambda response: {"event": "bot", "text": "...", "metadata": {"utter_action": response}}  # noqa: E731
    assert fallback([bot("utter_ask_want_contact")])[1] == ["utter_default"]
    events, again = fallback([bot("utter_default"), {"event": "user", "text": "ja"}])
    assert again == ["utter_default_again"] and events[0]["event"] == "rewind"  # the message is forgotten
    assert fallback([bot("utter_default_again")])[1] == ["utter_default"]
    for variant in DOMAIN["responses"]["utter_default_again"]:
        assert "/human" in [b["payload"] for b in variant["buttons"]]


# -- a need word against the whole message: asked, not guessed ------------------------------------------------

RETIRING = "veel van ons personeel gaat met pensioen en de kennis gaat verloren"
KENNIS_TAGGED = [{"entity": "need", "value": "kennis", "start": RETIRING.index("kennis"),
                  "end": RETIRING.index("kennis") + 6}]
READ_AS_TRAINING = {"name": "personeel", "confidence": 0.96}


def test_a_need_word_against_a_sure_reading_of_the_message_is_asked_as_a_choice_of_the_two():
    slots, messages = turn(ValidateIntakeForm(), RETIRING, active=False, entities=KENNIS_TAGGED,
                           reading=READ_AS_TRAINING)
    assert slots.get("need") is None and slots["requested_slot"] == "need"
    assert slots["request_text"] == RETIRING, "the message says what the user wants"
    assert said(messages) == ["utter_need_choice"]
    assert (messages[0]["first"], messages[0]["second"]) == ("kennis en innovatie", "personeel en opleiding")
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads[:2] == ['/inform{"need":"kennis"}', '/inform{"need":"personeel"}'] and len(payloads) == 5
    assert slots["need_options"] == {"options": ["kennis", "personeel"], "asked": True}

    chosen, messages = turn(ValidateIntakeForm(), '/inform{"need":"personeel"}', requested="need",
                            slots={"request_text": RETIRING, "need_options": slots["need_options"]},
                            entities=[{"entity": "need", "value": "personeel"}])
    assert chosen["need"] == "personeel" and said(messages) == ["utter_question_place"]
    assert chosen["need_options"] is None


def test_the_widget_asks_the_need_first_so_an_answer_to_the_need_question_gets_the_choice_too_but_never_twice():
    slots, messages = turn(ValidateIntakeForm(), RETIRING, requested="need", entities=KENNIS_TAGGED,
                           reading=READ_AS_TRAINING)
    assert slots.get("need") is None and said(messages) == ["utter_need_choice"]
    again, messages = turn(ValidateIntakeForm(), RETIRING, requested="need", entities=KENNIS_TAGGED,
                           reading=READ_AS_TRAINING, slots={"need_options": slots["need_options"]})
    assert again["need"] == "kennis" and "utter_need_choice" not in said(messages), "the word, not the choice again"


def test_after_the_choice_a_miss_gets_the_plain_question_not_the_choice_again():
    question = {"options": ["kennis", "personeel"], "asked": True}
    slots, messages = turn(ValidateIntakeForm(), "hmm", requested="need", slots={"need_options": question})
    assert said(messages) == ["utter_question_need_again"] and slots["need_options"] is None


def test_a_reading_that_agrees_or_is_unsure_changes_nothing():
    for reading in ({"name": "kennis", "confidence": 0.99}, {"name": "personeel", "confidence": 0.7}):
        slots, messages = turn(ValidateIntakeForm(), RETIRING, active=False, entities=KENNIS_TAGGED, reading=reading)
        assert slots["need"] == "kennis" and "utter_need_choice" not in said(messages)


def test_two_needs_named_in_a_first_message_are_asked_as_a_choice_and_the_answer_is_taken_as_it_comes():
    text = "we hebben een stagiair nodig en ook geld voor een nieuwe bus"
    slots, messages = turn(ValidateIntakeForm(), text, active=False)
    assert slots.get("need") is None and said(messages) == ["utter_need_choice"]
    assert {messages[0]["first"], messages[0]["second"]} == {"samenwerken met onderwijs", "financiering"}

    again, messages = turn(ValidateIntakeForm(), "allebei, een stagiair en geld", requested="need",
                           slots={"request_text": text, "need_options": slots["need_options"]})
    assert again["need"] in ("onderwijs", "financiering") and "utter_need_choice" not in said(messages)


def test_the_same_bare_name_after_the_namesake_choice_is_the_well_known_place_outside_not_a_third_question():
    slots, messages = turn(ValidateIntakeForm(), "Ik begin een eettent in Emmen", {"need": "financiering"},
                           active=False)
    assert said(messages) == ["utter_place_choice"] and slots["place_question"]["asked"]
    again, _ = turn(ValidateIntakeForm(), "Emmen", {"need": "financiering", "place_question": slots["place_question"]},
                    requested="place")
    assert again["outside_place"] == "Emmen (Drenthe)" and again.get("place") is None

    chosen, _ = turn(ValidateIntakeForm(), "Emmen (Dalfsen)", {"need": "financiering",
                                                                "place_question": slots["place_question"]},
                     requested="place", entities=[{"entity": "place", "value": "Emmen"}])
    assert (chosen["place"], chosen["municipality"]) == ("Emmen", "Dalfsen"), "naming the hamlet still works"
