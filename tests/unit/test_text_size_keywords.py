"""Small building blocks: normalisation, edit distance, company size and keyword matching."""
from __future__ import annotations

import pytest

from wegwijzer.referral.keywords import KeywordMatcher
from wegwijzer.referral.size import CompanySize, parse_size
from wegwijzer.referral.text import normalize, osa_distance


@pytest.mark.parametrize("raw,expected", [
    ("'s-Heerenbroek", "s heerenbroek"), ("Mariënberg", "marienberg"), ("  Hof  van Twente ", "hof van twente"),
    ("Rijssen-Holten", "rijssen holten"), ("zzp'er", "zzper"), ("\u2019s-Heerenbroek", "s heerenbroek"),
])
def test_normalize(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize("a,b,distance", [
    ("hengelo", "hengelo", 0), ("hengelow", "hengelo", 1), ("zwole", "zwolle", 1), ("zowlle", "zwolle", 1),
    ("enchede", "enschede", 1), ("almere", "almelo", 2), ("apeldoorn", "zwolle", 3),
])
def test_osa_distance(a, b, distance):
    assert osa_distance(a, b, 2) == min(distance, 3)


@pytest.mark.parametrize("text,size", [
    ("35", CompanySize(35, 35)), ("met 35 man", CompanySize(35, 35)), ("we hebben 12 medewerkers", CompanySize(12, 12)),
    ("twaalf werknemers", CompanySize(12, 12)), ("zzp", CompanySize(1, 1)), ("ik ben zzp'er", CompanySize(1, 1)),
    ("alleen ik", CompanySize(1, 1)), ("10-49", CompanySize(10, 49)), ("250+", CompanySize(250, None)),
    ("250 of meer", CompanySize(250, None)), ("about 40 employees", CompanySize(40, 40)), ("just me", CompanySize(1, 1)),
    ("ongeveer 60", CompanySize(60, 60)), ("3 vaste medewerkers", CompanySize(3, 3)),
    ("we zijn met z'n zessen", CompanySize(6, 6)), ("met ons tweeën", CompanySize(2, 2)),
    ("we zijn met 6", CompanySize(6, 6)), ("wij werken met ongeveer 12 en groeien", CompanySize(12, 12)),
    ("een stuk of 30", CompanySize(30, 30)), ("there are 12 of us", CompanySize(12, 12)), ("we are 6", CompanySize(6, 6)),
])
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["we zoeken een medewerker", "in 2025 willen we groeien", "hallo", "",
                                  "we zijn met 2025 begonnen", "wij werken met 3 machines", "we zijn met de bouw bezig"])
def test_no_size(text):
    assert parse_size(text) is None


@pytest.mark.parametrize("size,band", [
    (CompanySize(1, 1), "1"), (CompanySize(7, 7), "2-9"), (CompanySize(35, 35), "10-49"),
    (CompanySize(10, 49), "10-49"), (CompanySize(60, 60), "50-249"), (CompanySize(250, None), "250+"),
])
def test_size_bands(size, band):
    assert size.band == band


def test_keywords_match_words_phrases_and_prefixes():
    matcher = KeywordMatcher([("kennis", ["innovatie", "robotiser*"]), ("geld", ["lening", "geld lenen"]),
                              ("personeel", ["medewerkers opleiden"])])
    assert matcher.best("We willen robotiseren") == "kennis"
    assert matcher.best("een LENING graag") == "geld"
    assert matcher.best("onze medewerkers opleiden") == "personeel"
    assert matcher.best("medewerkers") is None
    assert matcher.best("innovatie en een lening") is None, "a tie is no answer"
    assert matcher.scores("geld lenen voor innovatie") == {"geld": 2, "kennis": 1}


def test_a_keyword_after_voor_names_the_customers_and_counts_half():
    matcher = KeywordMatcher([("ict", ["software"]), ("logistiek", ["transportbedrij*"])], served_markers=("voor",))
    assert matcher.best("we maken software voor transportbedrijven") == "ict"
    assert matcher.best("software voor de transportbedrijven") == "ict"
    assert matcher.best("wij zijn een transportbedrijf en zoeken software") is None, "no marker: still a tie"
    assert matcher.best("voor transportbedrijven") == "logistiek", "alone it still names a sector"


def test_a_negated_keyword_is_not_what_the_user_wants():
    matcher = KeywordMatcher([("onderwijs", ["stagiair*"]), ("financiering", ["financiering", "lening"])])
    assert matcher.best("ik zoek stagiairs, niet financiering") == "onderwijs"
    assert matcher.best("niet een lening maar stagiairs") == "onderwijs"
    assert matcher.best("financiering") == "financiering"


def test_a_leading_star_matches_the_end_of_a_compound():
    matcher = KeywordMatcher([("personeel", ["*cursus"]), ("financiering", ["*subsidie*"])])
    assert matcher.best("ik wil een managementcursus volgen") == "personeel"
    assert matcher.best("een cursus") == "personeel"
    assert matcher.best("cursusaanbod") is None, "*cursus does not match the start of a word"
    assert matcher.best("we vragen een innovatiesubsidieregeling aan") == "financiering", "*x* matches inside"


def test_a_typo_is_forgiven_only_in_a_phrase_known_to_name_a_need():
    matcher = KeywordMatcher([("financiering", ["*subsidie*", "funding"]), ("onderwijs", ["interns"]),
                              ("kennis", ["kennis", "internet"])])
    assert matcher.best("een subsdie aanvraag") is None, "free text: a keyword is written as it is"
    assert matcher.best_forgiving("subsdie") == "financiering"
    assert matcher.best_forgiving("subsdieaanvraag") == "financiering", "the start of a word*"
    assert matcher.best_forgiving("fundnig") == "financiering", "two letters swapped count once"
    assert matcher.best_forgiving("kenis") is None, "keywords under 7 letters have too many real neighbours"
    assert matcher.best_forgiving("sbusdie") is None, "two typos are too many"
    assert matcher.best_forgiving("intern") == "onderwijs"
    assert matcher.best_forgiving("interne") is None, "a typo away from two needs' words is neither"
