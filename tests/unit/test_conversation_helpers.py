"""The wegwijzer helpers behind the conversation: buttons, contact details, explanations, summary, endpoints."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import yaml

from wegwijzer.referral.contact import NO_COMPANY_NAME, clean_company_name, clean_name, parse_contact
from wegwijzer.referral.conversation import (
    facts_from_slots, inform_payload, need_buttons, place_choice_buttons, place_slots, public_contact, sector_buttons,
)
from wegwijzer.referral.explain import explain, find_referral_name
from wegwijzer.storage.tables import HandoffRow
from wegwijzer.catalog.lookups import lookups_yaml
from wegwijzer.rasa.endpoints import endpoints, write_endpoints
from wegwijzer.handoffs.summary import render_summary
from tests.conftest import REFERRAL_DIR


def test_buttons_come_from_the_referral_data_in_the_users_language(catalog):
    assert [b.payload for b in need_buttons(catalog, "nl")] == [inform_payload("need", n.key) for n in catalog.data.needs]
    assert need_buttons(catalog, "en")[0].title == catalog.data.needs[0].label_en
    assert len(sector_buttons(catalog, "nl")) == len(catalog.data.sectors)
    assert inform_payload("place", 'Den "Ham"') == "/inform{\"place\":\"Den 'Ham'\"}"


def test_place_slots_for_each_outcome(catalog):
    found = place_slots(catalog, catalog.places.resolve("Goor"))
    assert (found["place"], found["municipality"], found["region"], found["region_name"]) == ("Goor", "Hof van Twente", "twente", "Twente")
    assert place_slots(catalog, catalog.places.resolve("Utrecht"))["outside_place"] == "Utrecht (Utrecht)"
    assert place_slots(catalog, catalog.places.resolve("Kloosterhaar"))["place_question"]["kind"] == "choose"
    assert place_slots(catalog, catalog.places.resolve("Hengloo"))["place_question"]["kind"] == "suggest"
    assert place_slots(catalog, catalog.places.resolve("qqq")) == {"place": None, "place_question": None}


def test_the_choice_between_namesakes_includes_the_one_outside(catalog):
    titles = [b.title for b in place_choice_buttons(catalog.places.resolve("Emmen"), "nl")]
    assert titles == ["Emmen (gemeente Dalfsen)", "Emmen (Drenthe)"]


def test_facts_from_slots_keep_the_chosen_municipality(catalog):
    facts = facts_from_slots({"place": "Kloosterhaar", "municipality": "Hardenberg", "need": "kennis"}, "nl")
    assert catalog.router.route(facts).organisation.name == "Kennispoort Regio Zwolle"


def test_public_contact_has_at_least_the_website(catalog):
    kvk = next(o for o in catalog.data.organisations if o.key == "kvk")
    assert public_contact(kvk, "nl") == "https://www.kvk.nl, telefoon 0800 2117"


@pytest.mark.parametrize("typed,expected", [
    ("Ruben Kuipers", "Ruben Kuipers"), ("mijn naam is Fatima El Amrani", "Fatima El Amrani"),
    ("Jan-Willem van 't Hof", "Jan-Willem van 't Hof"), ("René", "René"), ("x", None), ("12345", None),
    ("ruben@example.nl", None),
])
def test_names(typed, expected):
    assert clean_name(typed) == expected


def test_contact_details():
    assert parse_contact("0570 123 456").phone == "0570123456"
    assert parse_contact("06-1234 5678").phone == "0612345678"
    assert parse_contact("+49 170 1234567").phone == "+491701234567"
    assert parse_contact("053 12") is None


@pytest.mark.parametrize("text,key", [
    ("wat is Novel-T?", "novel-t"), ("wat doet Oost NL", "oost-nl"), ("vertel over kennispoort", "kennispoort-regio-zwolle"),
    ("innovatego", "innovatego"), ("what is the Twents Fonds voor Vakmanschap", "twents-fonds-voor-vakmanschap"),
    ("wat is de Rabobank", None),
])
def test_referral_names_are_found(catalog, text, key):
    assert find_referral_name(catalog, text) == key


def test_explanations_are_in_the_users_language(catalog):
    assert explain(catalog, "novel-t", "en").startswith("Novel-T: ")
    assert "More information: https://" in explain(catalog, "novel-t", "en")
    assert explain(catalog, "unknown", "nl") is None


def test_the_summary_fits_on_one_screen_and_says_who_where_what():
    row = HandoffRow(conversation_id="c1", organisation_name="Novel-T", municipality="Hof van Twente", region="Twente",
                     place="Goor", sector="bouw", employees="12", need="kennis", request_text="We willen robotiseren.",
                     programs=[{"name": "InnovateGO", "reason": "Past bij uw vraag."}], contact_name="Ruben",
                     contact_email="r@x.example", consent_text="Mag ik ...?", consent_at=datetime(2026, 11, 27, 10, 0),
                     channel="rest", language="nl")
    text = render_summary(row, "Kennis en innovatie")
    assert text.splitlines()[0] == "Nieuwe aanvraag via Wegwijzer: kennis en innovatie - Goor"
    assert "\"We willen robotiseren.\"" in text and "r@x.example" in text and "InnovateGO" in text
    assert len(text.splitlines()) <= 25


def test_endpoints_default_to_sqlite_and_memory_and_switch_to_postgres_and_redis(tmp_path):
    default = endpoints({}, "http://127.0.0.1:5055/webhook", tmp_path / "tracker.db")
    assert default["tracker_store"] == {"type": "wegwijzer.rasa.sql_tracker_store.CheckedSQLTrackerStore",
                                        "dialect": "sqlite", "db": str(tmp_path / "tracker.db")}
    assert default["lock_store"] == {"type": "in_memory"}
    production = endpoints({"TRACKER_DATABASE_URL": "postgresql://rasa:geheim@db:5432/tracker",
                            "LOCK_STORE_URL": "redis://cache:6380/2"}, "http://actions:5055/webhook", Path("x"))
    assert production["tracker_store"] == {"type": "wegwijzer.rasa.sql_tracker_store.CheckedSQLTrackerStore",
                                           "dialect": "postgresql", "db": "tracker", "url": "db",
                                           "port": 5432, "username": "rasa", "password": "geheim"}
    assert production["lock_store"] == {"type": "redis", "url": "cache", "port": 6380, "db": 2, "key_prefix": "wegwijzer"}


def test_the_endpoints_carry_the_action_token_in_a_header_only_when_it_is_set(tmp_path):
    assert "headers" not in endpoints({}, "http://127.0.0.1:5055/webhook", tmp_path / "t.db")["action_endpoint"]
    endpoint = endpoints({"ACTIONS_TOKEN": "s3cret"}, "http://127.0.0.1:5055/webhook", tmp_path / "t.db")["action_endpoint"]
    assert endpoint["headers"] == {"Authorization": "Bearer s3cret"} and "token" not in endpoint


def test_the_endpoints_file_with_the_token_is_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "endpoints.yml"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o644)
    write_endpoints(path, {"ACTIONS_TOKEN": "s3cret"}, "http://127.0.0.1:5055/webhook", tmp_path / "t.db")
    assert path.stat().st_mode & 0o777 == 0o600
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["action_endpoint"]["headers"]["Authorization"] == "Bearer s3cret"


def test_the_committed_lookup_tables_match_the_referral_data(real_data):
    committed = (REFERRAL_DIR.parent / "nlu" / "lookups.yml").read_text(encoding="utf-8")
    assert committed == lookups_yaml(real_data), "run: wegwijzer data lookups"
    places = yaml.safe_load(committed)["nlu"][0]["examples"]
    assert "- Nijverdal" in places and "- Apeldoorn" in places


@pytest.mark.parametrize("typed, expected", [
    ("Kuipers Software", "Kuipers Software"),
    ("ons bedrijf heet Smit Metaal B.V.", "Smit Metaal B.V."),
    ("geen", NO_COMPANY_NAME), ("nog geen bedrijfsnaam", NO_COMPANY_NAME), ("None yet", NO_COMPANY_NAME),
    ("anna@devries.example", None), ("/affirm", None), ("x", None),
    ("wij zijn een klein bedrijf dat kozijnen maakt voor de bouw in Goor", None),
])
def test_company_names(typed, expected):
    assert clean_company_name(typed) == expected
