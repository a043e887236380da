"""The understanding cases in tests/understanding_cases.yml, run against ``understand`` and the answer checks."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from wegwijzer.referral.contact import clean_company_name, clean_name, is_free_text_answer, parse_contact
from wegwijzer.referral.places import AMBIGUOUS, FOUND, OUTSIDE
from wegwijzer.referral.understanding import understand

CASES = yaml.safe_load((Path(__file__).parents[1] / "understanding_cases.yml").read_text(encoding="utf-8"))


def test_there_are_enough_cases_and_many_negatives():
    assert len(CASES["cases"]) >= 150
    assert sum(1 for case in CASES["cases"] if case.get("no_place")) >= 40


@pytest.mark.parametrize("case", CASES["cases"], ids=lambda case: case["text"][:50])
def test_what_a_message_says(catalog, case):
    understood = understand(catalog, case["text"], expecting=case.get("expecting"))
    if case.get("no_place"):
        assert understood.place is None, f"read a place: {understood.place!r}"
    for key, certain in (("place", True), ("confirm", False)):
        if key in case:
            assert understood.place is not None, "no place read"
            assert understood.place_certain is certain, "should be confirmed" if not certain else "asked for nothing"
            match = catalog.places.resolve(understood.place)
            assert match.status == FOUND and match.location.municipality == case[key], match
    if case.get("outside"):
        assert understood.place is not None and not understood.place_certain
        assert catalog.places.resolve(understood.place).status == OUTSIDE
    if case.get("ambiguous"):
        assert understood.place is not None and catalog.places.resolve(understood.place).status == AMBIGUOUS
    for key in ("need", "sector", "employees"):
        if key in case:
            assert getattr(understood, key) == str(case[key]), key
    if "choose" in case:
        assert set(understood.need_options) == set(case["choose"]), understood
    if "request" in case:
        assert understood.is_request is case["request"]


@pytest.mark.parametrize("typed", CASES["names"]["accept"])
def test_names_that_are_accepted(typed):
    assert clean_name(typed) is not None
    assert is_free_text_answer(typed)


@pytest.mark.parametrize("typed", CASES["names"]["reject"])
def test_answers_to_the_name_question_that_are_no_name(typed):
    assert clean_name(typed) is None


def test_an_email_address_at_the_name_question_is_kept_as_contact_details():
    assert clean_name("anna@bedrijf.nl") is None and parse_contact("anna@bedrijf.nl").email == "anna@bedrijf.nl"


@pytest.mark.parametrize("typed", CASES["companies"])
def test_company_names_that_look_like_commands_are_answers(typed):
    assert is_free_text_answer(typed) and clean_company_name(typed) == typed


@pytest.mark.parametrize("typed", CASES["not_answers"])
def test_commands_and_questions_are_no_answers(typed):
    assert not is_free_text_answer(typed)
