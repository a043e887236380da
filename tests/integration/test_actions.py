"""Every custom action and validator, run against a real (SQLite) referral database with Tracker fixtures."""
from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.common
from actions.common import domain_text
from actions.contact import ValidateContactForm
from actions.extract import fact_events
from actions.intake import ValidateIntakeForm
from actions.questions import QUESTIONS
from actions.referral import ActionHandoff, ActionPublicContact, ActionRefer
from actions.side_paths import ActionEraseData, ActionExplain, ActionHumanContact, ActionRestartIntake
from wegwijzer.catalog.loading import load_folder
from wegwijzer.storage.engine import PROJECT_ROOT, dispose_engines, get_engine, session_scope
from wegwijzer.handoffs.lifecycle import list_handoffs
from wegwijzer.storage.tables import IntakeRecordRow
from tests.conftest import REFERRAL_DIR

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
INTAKE = {"need": "kennis", "place": "Goor", "municipality": "Hof van Twente", "region": "twente",
          "region_name": "Twente", "sector": "industrie", "employees": "35",
          "request_text": "We willen onze productie robotiseren en zoeken kennis."}


@pytest.fixture(scope="module")
def loaded_database(tmp_path_factory) -> Path:
    """The referral data loaded once; each test gets its own copy of the file."""
    path = tmp_path_factory.mktemp("template") / "referrals.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", f"sqlite:///{path}")
        load_folder(REFERRAL_DIR)
        dispose_engines()
    return path


@pytest.fixture(autouse=True)
def database(loaded_database, tmp_path, monkeypatch):
    copy = tmp_path / "actions.db"
    shutil.copyfile(loaded_database, copy)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{copy}")
    monkeypatch.setattr(actions.common, "_cache", None)
    yield
    dispose_engines()


def tracker(slots: dict | None = None, text: str = "", intent: str = "inform", entities: list | None = None,
            active_loop: str | None = None, requested: str | None = None, sender: str = "conv-1",
            metadata: dict | None = None, latest_action: str = "action_listen") -> Tracker:
    all_slots = {name: None for name in DOMAIN["slots"]}
    all_slots.update({"language": "nl", "misses": 0, "requested_slot": requested})
    all_slots.update(slots or {})
    return Tracker(sender, all_slots, {"text": text, "intent": {"name": intent, "confidence": 1.0},
                                       "entities": entities or [], "metadata": metadata or {}},
                   [{"event": "user", "text": text, "input_channel": "rest"}], False, None,
                   {"name": active_loop} if active_loop else {}, latest_action)


def run(action, t: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, DOMAIN))
    return events, dispatcher.messages


def ask(slot: str, t: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = QUESTIONS[slot].ask(dispatcher, t, DOMAIN)
    return events, dispatcher.messages


def slots_of(events: list[dict]) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def responses(messages: list[dict]) -> list[str]:
    return [m.get("response") for m in messages]


# -- extraction ----------------------------------------------------------------------------------

def test_one_sentence_fills_four_questions_and_the_request():
    text = "Wij zijn een metaalbedrijf uit Hengelo met 35 man en willen robotiseren met hulp van een expert"
    events = fact_events(tracker(text=text))
    assert slots_of(events) == {"place": "hengelo", "sector": "industrie", "employees": "35", "need": "kennis",
                                "request_text": text}


def test_free_text_answers_are_not_mined_for_facts():
    t = tracker(slots={"need": "kennis"}, text="Onze medewerkers in Zwolle willen een lening", requested="request_text",
                active_loop="intake_form")
    assert slots_of(fact_events(t)) == {}


def test_a_correction_changes_an_earlier_answer_but_a_passing_mention_does_not():
    filled = {"place": "Goor", "municipality": "Hof van Twente"}
    passing = tracker(slots=filled, text="we leveren veel in Almelo", requested="sector", active_loop="intake_form")
    assert "place" not in slots_of(fact_events(passing))
    correction = tracker(slots=filled, text="nee, we zitten in Almelo", intent="correct")
    assert slots_of(fact_events(correction))["place"] == "almelo"


def test_the_requested_place_is_taken_from_the_whole_answer():
    t = tracker(text="Hengloo", requested="place", active_loop="intake_form")
    assert slots_of(fact_events(t)) == {"place": "Hengloo"}


# -- the intake form -----------------------------------------------------------------------------

def validate(slots: dict, text: str = "", requested: str = "place", intent: str = "inform") -> tuple[dict, list[str]]:
    """Run the form validation as Rasa does: the new slot values are set since the last user message."""
    t = tracker(slots=slots, text=text, intent=intent, requested=requested, active_loop="intake_form")
    t.events.extend({"event": "slot", "name": k, "value": v} for k, v in slots.items())
    events, messages = run(ValidateIntakeForm(), t)
    return slots_of(events), responses(messages)


def test_a_typo_in_the_place_is_corrected_and_said():
    slots, said = validate({"place": "Hengelow"})
    assert (slots["place"], slots["municipality"], slots["region"]) == ("Hengelo", "Hengelo", "twente")
    assert said == ["utter_place_corrected", "utter_question_need"]
    assert slots["misses"] == 0 and slots["requested_slot"] == "need"


def test_a_place_outside_ends_the_questions():
    slots, _ = validate({"place": "Apeldoorn", "need": "kennis"})
    assert slots["outside_place"] == "Apeldoorn (Gelderland)" and slots["place"] is None
    assert slots["requested_slot"] is None


def test_an_unknown_place_gets_a_suggestion():
    slots, _ = validate({"place": "Hengloo"})
    assert slots["place"] is None and slots["misses"] == 1
    assert slots["place_question"] == {"kind": "suggest", "typed": "Hengloo"}
    events, messages = ask("place", tracker(slots={"place_question": slots["place_question"], "misses": 1}))
    assert messages[0]["response"] == "utter_place_suggestion" and messages[0]["suggestion"] == "Hengelo"
    assert messages[0]["buttons"][0]["payload"] == '/inform{"place":"Hengelo Hengelo"}'


def test_a_name_in_two_regions_offers_a_choice():
    slots, _ = validate({"place": "Kloosterhaar"})
    _, messages = ask("place", tracker(slots={"place_question": slots["place_question"]}))
    assert {b["title"] for b in messages[0]["buttons"]} == {"Kloosterhaar (gemeente Twenterand)",
                                                             "Kloosterhaar (gemeente Hardenberg)"}


def test_an_answer_that_fits_nowhere_counts_as_a_miss_but_a_side_question_does_not():
    slots, _ = validate({"place": "Goor", "municipality": "Hof van Twente", "misses": 1}, text="weet ik niet",
                        requested="sector")
    assert slots["misses"] == 2
    slots, _ = validate({}, text="wat is Novel-T?", requested="sector", intent="ask_about")
    assert "misses" not in slots


def test_after_two_misses_a_human_is_offered_and_the_wordings_take_turns():
    said = [responses(ask("sector", tracker(slots={"misses": misses}))[1]) for misses in range(5)]
    assert said == [["utter_question_sector"], ["utter_question_sector_again"],
                    ["utter_general_contact", "utter_question_sector"],
                    ["utter_general_contact", "utter_question_sector_again"],
                    ["utter_general_contact", "utter_question_sector"]]
    assert all(a != b for a, b in zip(said, said[1:]))  # never the same message twice in a row
    _, messages = ask("sector", tracker(slots={"misses": 2}))
    assert len(messages[-1]["buttons"]) == 10  # the question, with its buttons, ends the turn


def test_the_validator_asks_the_next_missing_question_itself():
    slots, said = validate({"need": "kennis"}, text="kennis", requested="need")
    assert slots["requested_slot"] == "place" and said == ["utter_question_place"]


def test_once_place_and_need_decide_the_organisation_it_is_named_before_the_next_question():
    slots, said = validate({"place": "Goor", "need": "kennis"}, text="Goor")
    assert said == ["utter_referral_early", "utter_question_sector"]
    assert slots["announced_organisation"] == "novel-t" and slots["requested_slot"] == "sector"
    slots, said = validate({"place": "Goor", "need": "kennis", "region": "twente", "announced_organisation": "novel-t",
                            "sector": "bouw"}, text="bouw", requested="sector")
    assert said == ["utter_question_employees"], "named once, not before every question"


def test_a_changed_need_names_the_new_organisation():
    slots, said = validate({"place": "Goor", "need": "financiering", "region": "twente",
                            "announced_organisation": "novel-t"}, text="financiering", requested="sector")
    assert said[0] == "utter_referral_early" and slots["announced_organisation"] != "novel-t"


def test_the_organisation_is_not_named_before_the_place_is_settled():
    slots, said = validate({"place": "Emmen"}, text="Emmen")  # a hamlet in Dalfsen and a town in Drenthe
    assert "utter_referral_early" not in said


def test_the_validator_reads_the_facts_in_the_answer_itself():
    t = tracker(slots={"need": "kennis", "place": "Goor"}, text="wij zijn een bouwbedrijf met 12 man",
                requested="sector", active_loop="intake_form")
    events, messages = run(ValidateIntakeForm(), t)
    slots = slots_of(events)
    assert (slots["sector"], slots["employees"], slots["misses"]) == ("bouw", "12", 0)
    assert slots["requested_slot"] == "request_text" and responses(messages) == ["utter_question_request_text"]


def test_a_side_question_in_english_is_still_left_to_rasa():
    t = tracker(text="what is Novel-T?", intent="ask_about", requested="sector", active_loop="intake_form")
    assert run(ValidateIntakeForm(), t) == ([], [])


def test_a_side_question_that_fills_nothing_is_left_to_rasa_to_reject():
    events, messages = run(ValidateIntakeForm(), tracker(text="wat is Novel-T?", intent="ask_about", requested="sector",
                                                         active_loop="intake_form"))
    assert events == [] and messages == []


@pytest.mark.parametrize("text, intent", [("privacy", "ask_privacy"), ("wat doen jullie met mijn gegevens?", "ask_privacy"),
                                          ("help", "help"), ("wat is Novel-T?", "ask_about")])
def test_a_side_question_while_the_place_is_asked_is_no_place_and_left_to_rasa(text, intent):
    t = tracker(slots={"need": "kennis"}, text=text, intent=intent, requested="place", active_loop="intake_form")
    assert run(ValidateIntakeForm(), t) == ([], []), "the side path answers it; the place is asked again after it"


@pytest.mark.parametrize("intent", ["greet", "help", "human"])
def test_a_place_answer_is_the_answer_whatever_the_nlu_made_of_it(intent):
    t = tracker(slots={"need": "kennis"}, text="Borne", intent=intent, requested="place", active_loop="intake_form")
    assert slots_of(fact_events(t))["place"].lower() == "borne"


def test_a_place_with_support_in_a_side_question_is_still_read():
    t = tracker(slots={"need": "kennis"}, text="wat doet Novel-T voor bedrijven in Enschede?", intent="ask_about",
                requested="place", active_loop="intake_form")
    assert slots_of(fact_events(t))["place"].lower() == "enschede"


@pytest.mark.parametrize("active_loop, latest_action", [(None, "action_listen"),  # the form starts
                                                        ("intake_form", "action_explain")])  # back after a side path
def test_the_question_is_asked_when_the_form_starts_or_comes_back(active_loop, latest_action):
    t = tracker(slots={"need": "kennis"}, text="wat is Novel-T?", intent="ask_about", requested="place",
                active_loop=active_loop, latest_action=latest_action)
    events, messages = run(ValidateIntakeForm(), t)
    assert slots_of(events)["requested_slot"] == "place" and responses(messages) == ["utter_question_place"]


def test_a_too_short_request_is_asked_again():
    slots, _ = validate({"request_text": "ja"}, requested="request_text")
    assert slots["request_text"] is None and slots["misses"] == 1


# -- the contact form ----------------------------------------------------------------------------

@pytest.mark.parametrize("typed,email,phone", [
    ("ruben@kuiperssoftware.example", "ruben@kuiperssoftware.example", None),
    ("053 123 4567", None, "0531234567"),
    ("+31 6 12345678", None, "0612345678"),
    ("mail me op Ruben@Example.nl of bel 06-12345678", "ruben@example.nl", "0612345678"),
])
def test_contact_details_are_validated(typed, email, phone):
    t = tracker(slots={"contact_info": typed}, requested="contact_info", active_loop="contact_form")
    t.events.append({"event": "slot", "name": "contact_info", "value": typed})
    slots = slots_of(run(ValidateContactForm(), t)[0])
    assert (slots["contact_email"], slots["contact_phone"]) == (email, phone)


def test_after_the_name_the_company_is_asked():
    t = tracker(slots={"contact_name": "Ruben Kuipers"}, requested="contact_name", active_loop="contact_form")
    t.events.append({"event": "slot", "name": "contact_name", "value": "Ruben Kuipers"})
    events, messages = run(ValidateContactForm(), t)
    assert slots_of(events)["requested_slot"] == "company_name"
    assert responses(messages) == ["utter_question_company_name"]


def test_after_the_contact_details_rasa_asks_for_consent_with_its_own_response():
    t = tracker(slots={"contact_name": "Ruben", "company_name": "-", "contact_info": "0612345678"},
                requested="contact_info", active_loop="contact_form")
    t.events.append({"event": "slot", "name": "contact_info", "value": "0612345678"})
    events, messages = run(ValidateContactForm(), t)
    assert slots_of(events)["requested_slot"] == "consent" and messages == []


@pytest.mark.parametrize("typed", ["geen idee", "12345", "ruben@", "bel me maar"])
def test_invalid_contact_details_are_asked_again(typed):
    t = tracker(slots={"contact_info": typed}, requested="contact_info", active_loop="contact_form")
    t.events.append({"event": "slot", "name": "contact_info", "value": typed})
    slots = slots_of(run(ValidateContactForm(), t)[0])
    assert slots["contact_info"] is None and slots["misses"] == 1


# -- referral and handoff ------------------------------------------------------------------------

CONTACT = {"contact_name": "Ruben Kuipers", "company_name": "Kuipers Software", "contact_info": "ruben@k.example",
           "contact_email": "ruben@k.example"}


def referred(slots: dict, **kwargs) -> dict:
    """The slots after action_refer told the user the referral."""
    events, _ = run(ActionRefer(), tracker(slots=slots, **kwargs))
    return {**slots, **slots_of(events)}


def consent_question(organisation: str, lang: str = "nl") -> str:
    return domain_text(DOMAIN, "utter_ask_consent", lang).replace("{organisation_name}", organisation)


def said_yes_to(question: str) -> list[dict]:
    """The events of the consent question being asked and answered with yes."""
    return [{"event": "bot", "text": question, "metadata": {"utter_action": "utter_ask_consent"}},
            {"event": "action", "name": "action_listen"}, {"event": "user", "text": "ja", "input_channel": "rest"},
            {"event": "slot", "name": "consent", "value": True}]


def hand_off(slots: dict, events: list[dict] | None = None, **kwargs) -> tuple[list[dict], list[dict]]:
    """action_handoff after the user said yes to the consent question for the kept referral's organisation."""
    if events is None:
        events = said_yes_to(consent_question(slots["organisation_name"], slots.get("language", "nl")))
    t = tracker(slots={**slots, "consent": True}, **kwargs)
    t.events[:] = events
    return run(ActionHandoff(), t)


def stored_handoffs() -> list:
    with session_scope(get_engine()) as session:
        return list_handoffs(session)


def test_the_referral_names_the_organisation_the_reason_and_programs():
    request = "We willen een prototype van een nieuw product laten maken."
    events, messages = run(ActionRefer(), tracker(slots={**INTAKE, **CONTACT, "consent": True, "request_text": request}))
    slots = slots_of(events)
    assert (slots["referral_status"], slots["organisation_name"]) == ("referred", "Novel-T")
    kept = slots["referral"]
    assert (kept["organisation_key"], kept["adviser_key"], kept["place"], kept["municipality"], kept["region"]) == (
        "novel-t", "novel-t-a", "Goor", "Hof van Twente", "twente")
    assert kept["programs"] == [["MIT haalbaarheid", 'U noemde "prototype" en "nieuw product". '
                                                     "Voor bedrijven tot 249 medewerkers."]]
    programs = next(m for m in messages if m.get("response") == "utter_program")["programs"]  # one: singular
    assert programs.endswith('\n  U noemde "prototype" en "nieuw product". Voor bedrijven tot 249 medewerkers.')
    assert all(slots[name] is None for name in ("consent", "contact_name", "contact_email")), "a new referral, a new consent"
    assert responses(messages)[0] == "utter_referral" and messages[0]["organisation"] == "Novel-T"
    assert "Twente" in messages[0]["reason"]
    assert responses(messages)[-1] == "utter_ask_want_contact"
    assert slots["announced_organisation"] == "novel-t"
    with session_scope(get_engine()) as session:
        record = session.query(IntakeRecordRow).one()
        assert (record.outcome, record.need, record.region, record.size_band) == ("referred", "kennis", "twente", "10-49")


def test_the_referral_does_not_introduce_again_the_organisation_the_intake_named():
    _, messages = run(ActionRefer(), tracker(slots={**INTAKE, "announced_organisation": "novel-t"}))
    assert "utter_referral" not in responses(messages) and responses(messages)[-1] == "utter_ask_want_contact"
    _, messages = run(ActionRefer(), tracker(slots={**INTAKE, "announced_organisation": "oost-nl"}))
    assert responses(messages)[0] == "utter_referral", "another organisation than the one named: said in full"


def test_a_postcode_answer_is_routed_by_its_municipality_and_kept_for_the_adviser():
    slots = referred({**INTAKE, "place": "7461", "municipality": "Rijssen-Holten", "need": "personeel"})
    assert slots["organisation_name"] == "Twents Fonds voor Vakmanschap"
    hand_off({**slots, "contact_name": "Jan", "contact_email": "jan@x.example"}, sender="pc")
    (row,) = stored_handoffs()
    assert (row.place, row.municipality, row.organisation_name) == ("7461", "Rijssen-Holten", "Twents Fonds voor Vakmanschap")


def test_a_place_that_is_not_in_the_routed_municipality_is_never_kept_with_it():
    slots = referred({**INTAKE, "place": "Zwolle", "municipality": "Hof van Twente"})
    hand_off({**slots, **CONTACT})
    (row,) = stored_handoffs()
    assert row.municipality == "Hof van Twente" and row.place != "Zwolle"


@pytest.mark.parametrize("earlier", [{}, {"municipality": "Hof van Twente", "region": "twente"}])
def test_outside_overijssel_the_referral_is_kvk(earlier):
    """Also after a correction from Goor to Apeldoorn, which leaves the earlier municipality behind."""
    slots = {**earlier, "outside_place": "Apeldoorn (Gelderland)", "need": "kennis"}
    events, messages = run(ActionRefer(), tracker(slots=slots))
    assert slots_of(events)["referral_status"] == "outside" and slots_of(events)["referral"] is None
    assert "0800 2117" in messages[0]["reason"]


def test_handoff_with_consent_is_stored_with_everything_the_adviser_needs():
    slots = referred(INTAKE)
    events, messages = hand_off({**slots, **CONTACT}, sender="conv-42")
    assert responses(messages) == ["utter_handoff_done", "utter_anything_else"]
    assert messages[0]["days"] == "2 werkdagen" and "ruben@k.example" in messages[0]["channel"]
    assert slots_of(events) == {"consent": None}, "consent is given once"
    (row,) = stored_handoffs()
    assert (row.conversation_id, row.organisation_name, row.municipality, row.need) == ("conv-42", "Novel-T", "Hof van Twente", "kennis")
    assert row.request_text == INTAKE["request_text"] and row.contact_email == "ruben@k.example"
    assert row.company_name == "Kuipers Software"
    assert row.consent_text == consent_question("Novel-T")
    assert row.channel == "rest" and row.language == "nl"
    assert row.programs == [{"name": name, "reason": reason} for name, reason in slots["referral"]["programs"]]


def test_the_stored_consent_text_is_the_question_the_user_saw_in_their_language():
    slots = referred({**INTAKE, "language": "en"})
    question = consent_question("Novel-T", "en")
    hand_off({**slots, **CONTACT}, events=said_yes_to(question))
    (row,) = stored_handoffs()
    assert row.consent_text == question and question.startswith("May I share")


def test_the_handoff_goes_to_the_referral_the_user_saw_not_to_a_new_routing():
    slots = referred(INTAKE)
    assert slots["referral"]["adviser_key"] == "novel-t-a"
    hand_off({**slots, **CONTACT}, sender="someone-else")  # novel-t-a now had the latest handoff
    hand_off({**slots, **CONTACT}, sender="mine")
    mine = next(r for r in stored_handoffs() if r.conversation_id == "mine")
    assert (mine.organisation_name, mine.adviser_key) == ("Novel-T", "novel-t-a"), "the adviser named when referred"


def test_a_changed_need_after_a_handoff_needs_a_new_consent_question_naming_the_new_organisation():
    first = referred({**INTAKE, "need": "financiering"})
    assert first["organisation_name"] == "Oost NL"
    question = consent_question("Oost NL")
    events, _ = hand_off({**first, **CONTACT}, events=said_yes_to(question))
    assert slots_of(events)["consent"] is None
    # "Ik bedoelde eigenlijk dat ik stagiairs zoek, niet financiering": the intake takes the correction ...
    correction = tracker(slots={**first, **CONTACT, "consent": True}, intent="correct",
                         text="Ik bedoelde eigenlijk dat ik stagiairs zoek, niet financiering",
                         entities=[{"entity": "need", "value": "onderwijs"}])
    cleared = slots_of(fact_events(correction))
    assert cleared["need"] == "onderwijs" and cleared["consent"] is None and cleared["referral"] is None
    assert cleared["contact_name"] is None, "the contact form starts again"
    second = referred({**first, **cleared})
    assert second["organisation_name"] == "Novel-T"
    # ... and "ja graag" with consent still true from before must not store a handoff to Novel-T
    history = said_yes_to(question) + [{"event": "action", "name": "action_handoff"},
                                       {"event": "action", "name": "action_refer"},
                                       {"event": "slot", "name": "referral", "value": second["referral"]},
                                       {"event": "user", "text": "ja graag"},
                                       {"event": "slot", "name": "consent", "value": True}]
    _, messages = hand_off({**second, **CONTACT}, events=history, sender="conv-1")
    assert [r.organisation_name for r in stored_handoffs()] == ["Oost NL"]
    assert responses(messages) == ["utter_backend_error"]


@pytest.mark.parametrize("question", [
    None,  # consent set without any question (a forged or injected slot)
    "Mag ik uw naam, contactgegevens en uw vraag doorsturen naar Oost NL? Zij gebruiken dit alleen om contact met u op te nemen.",
    "Mag ik uw gegevens doorsturen naar Novel-T?",  # not the question the domain asks
])
def test_no_handoff_without_a_yes_to_the_consent_question_for_the_kept_organisation(question):
    slots = referred(INTAKE)
    events = said_yes_to(question) if question else [{"event": "slot", "name": "consent", "value": True}]
    _, messages = hand_off({**slots, **CONTACT}, events=events)
    assert stored_handoffs() == [] and responses(messages) == ["utter_backend_error"]


def test_no_handoff_when_the_referral_changed_after_the_consent_question():
    slots = referred(INTAKE)
    events = said_yes_to(consent_question("Novel-T"))
    events.insert(1, {"event": "slot", "name": "referral", "value": None})
    hand_off({**slots, **CONTACT}, events=events)
    assert stored_handoffs() == []


def test_an_adviser_who_left_the_data_is_replaced_by_one_of_the_organisation_named_in_the_consent():
    slots = referred(INTAKE)
    hand_off({**slots, **CONTACT, "referral": {**slots["referral"], "adviser_key": "left-last-week"}})
    (row,) = stored_handoffs()
    assert row.organisation_name == "Novel-T" and row.adviser_key.startswith("novel-t-")


@pytest.mark.parametrize("change", [{"organisation_key": "gone"}, {"organisation_name": "Oost NL"}, {"programs": 3}])
def test_no_handoff_when_the_kept_organisation_is_gone_or_the_slot_is_not_a_kept_referral(change):
    slots = referred(INTAKE)
    _, messages = hand_off({**slots, **CONTACT, "referral": {**slots["referral"], **change}})
    assert stored_handoffs() == [] and responses(messages) == ["utter_backend_error"]


def test_no_handoff_without_a_kept_referral():
    hand_off({**INTAKE, **CONTACT, "organisation_name": "Novel-T"})
    assert stored_handoffs() == []


@pytest.mark.parametrize("metadata, channel", [({"channel": "telegram"}, "telegram"), ({"channel": "widget"}, "widget"),
                                               ({"channel": "<script>"}, "rest"), ({}, "rest")])
def test_the_handoff_names_the_channel_the_bridge_reported(metadata, channel):
    slots = {**referred(INTAKE), "contact_name": "Ruben", "company_name": "-", "contact_info": "0612345678",
             "contact_phone": "0612345678"}
    hand_off(slots, metadata=metadata)
    (row,) = stored_handoffs()
    assert row.channel == channel and row.company_name is None  # "-": the entrepreneur has none


def test_without_consent_nothing_is_stored_and_the_public_details_are_given():
    slots = {**referred(INTAKE), "contact_name": "Ruben", "contact_email": "r@k.example", "consent": False}
    events, messages = run(ActionHandoff(), tracker(slots=slots))
    assert responses(messages)[0] == "utter_public_contact" and "novelt" in messages[0]["contact"]
    assert slots_of(events)["contact_email"] is None
    assert stored_handoffs() == []


def test_no_contact_wanted_gives_the_public_details_of_the_organisation_told():
    slots = referred(INTAKE)
    _, messages = run(ActionPublicContact(), tracker(slots={**slots, "need": "financiering"}))
    assert messages[0]["organisation"] == "Novel-T"


# -- corrections and injected slots --------------------------------------------------------------

@pytest.mark.parametrize("requested", ["contact_name", "consent"])
def test_a_correction_in_the_contact_form_leaves_it_for_the_intake(requested):
    slots = {**referred(INTAKE), "contact_name": "Ruben Kuipers" if requested == "consent" else None}
    t = tracker(slots=slots, text="nee sorry, we zitten in Almelo en zoeken financiering", intent="correct",
                requested=requested, active_loop="contact_form")
    assert run(ValidateContactForm(), t) == ([], []), "Rasa rejects the form; the rule hands the correction to the intake"


def test_a_correction_outside_a_form_goes_through_the_place_validation():
    slots = referred(INTAKE)
    t = tracker(slots=slots, text='/correct{"place": "Atlantis <b>x</b>"}', intent="correct",
                entities=[{"entity": "place", "value": "Atlantis <b>x</b>"}])
    events, _ = run(ValidateIntakeForm(), t)
    assert slots_of(events)["place"] is None and slots_of(events)["referral"] is None
    assert all(e.get("value") != "Atlantis <b>x</b>" for e in events)


def test_no_fact_is_read_in_the_contact_form():
    t = tracker(slots=referred(INTAKE), text='/correct{"place": "Atlantis <b>x</b>"}', intent="correct",
                entities=[{"entity": "place", "value": "Atlantis <b>x</b>"}], active_loop="contact_form",
                requested="contact_name")
    assert fact_events(t) == []


def test_no_payload_entity_can_set_consent_language_or_the_referral():
    """Rasa fills a slot from an entity only through a ``from_entity`` mapping; ``/inform{"consent": true}``
    names an entity the domain lacks, and the language slot only takes the NLU component's role."""
    for name, slot in DOMAIN["slots"].items():
        for mapping in slot["mappings"]:
            if mapping["type"] == "from_entity":
                assert (name, mapping.get("role")) == ("language", "detected"), name
    entities = {next(iter(e)) if isinstance(e, dict) else e for e in DOMAIN["entities"]}
    assert not entities & {"consent", "referral", "organisation_name", "organisation_key", "adviser_key", "municipality"}
    consent = DOMAIN["slots"]["consent"]["mappings"]
    assert all(m["type"] == "from_intent" and m["conditions"] == [{"active_loop": "contact_form", "requested_slot": "consent"}]
               for m in consent)


# -- side paths ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text,entities,expected", [
    ("wat is Novel-T?", [], "Novel-T:"),
    ("wat doet oost nl", [], "Oost NL:"),
    ("wat is InnovateGO", [{"entity": "referral_name", "value": "innovatego"}], "InnovateGO:"),
    ("wat is Overijssels Vakmanschap", [], "gestopt"),
])
def test_questions_about_organisations_are_answered_from_the_data(text, entities, expected):
    _, messages = run(ActionExplain(), tracker(text=text, intent="ask_about", entities=entities))
    assert expected in messages[0]["text"]


def test_an_unknown_organisation_is_said_so():
    _, messages = run(ActionExplain(), tracker(text="wat is de Rabobank", intent="ask_about"))
    assert responses(messages) == ["utter_explain_unknown"]


def test_a_human_contact_is_always_given():
    _, messages = run(ActionHumanContact(), tracker())
    assert responses(messages) == ["utter_general_contact"]


def test_restart_forgets_answers_but_keeps_the_language():
    events, _ = run(ActionRestartIntake(), tracker(slots={**INTAKE, "language": "en"}))
    assert events[0]["event"] == "reset_slots" and events[1]["value"] == "en"


def test_erase_removes_this_conversations_handoffs_only():
    slots = {**referred(INTAKE), "contact_name": "A", "contact_email": "a@b.example"}
    hand_off(slots, sender="mine")
    hand_off(slots, sender="other")
    events, messages = run(ActionEraseData(), tracker(slots=slots, sender="mine", intent="affirm"))
    assert messages[0]["count"] == 1 and responses(messages) == ["utter_erased_one"]
    assert slots_of(events)["contact_name"] is None
    assert [r.conversation_id for r in stored_handoffs()] == ["other"]
    _, again = run(ActionEraseData(), tracker(slots=slots, sender="mine", intent="affirm"))
    assert responses(again) == ["utter_erased_none"], "nothing left to withdraw: said so, not '0 referrals'"
    hand_off(slots, sender="two")
    hand_off(slots, sender="two")
    _, two = run(ActionEraseData(), tracker(slots=slots, sender="two", intent="affirm"))
    assert responses(two) == ["utter_erased"] and two[0]["count"] == 2


# -- a broken backend ----------------------------------------------------------------------------

def test_a_broken_database_gives_a_way_forward_not_a_stack_trace(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'missing-dir' / 'x' / 'no.db'}")
    monkeypatch.setattr(actions.common, "_cache", None)
    monkeypatch.setattr("wegwijzer.storage.engine._create_engine", lambda url: (_ for _ in ()).throw(OSError("disk gone")))
    events, messages = run(ActionRefer(), tracker(slots={**INTAKE, "contact_name": "Geheim Persoon"}))
    assert slots_of(events) == {"referral_status": "failed"}, "the dialogue knows the referral failed"
    assert responses(messages) == ["utter_backend_error"]
    assert "Geheim" not in caplog.text and "OSError" in caplog.text


def test_when_the_intake_starts_the_first_message_fills_what_it_can():
    text = "Wij zijn een metaalbedrijf uit Hengelo met 35 man en willen robotiseren"
    events, messages = run(ValidateIntakeForm(), tracker(text=text, intent="inform"))  # no form active yet
    slots = slots_of(events)
    assert (slots["place"], slots["municipality"], slots["sector"], slots["employees"], slots["need"]) == (
        "Hengelo", "Hengelo", "industrie", "35", "kennis")
    assert slots["request_text"] == text and slots["requested_slot"] is None, "nothing left to ask"
    assert messages == []
