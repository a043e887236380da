"""Place and postcode resolution against the real referral data."""
from __future__ import annotations

import csv
from collections import defaultdict

import pytest

from wegwijzer.referral.places import AMBIGUOUS, FOUND, OUTSIDE, UNKNOWN
from tests.conftest import REFERRAL_DIR

REGION_OF = {
    **{m: "twente" for m in ["Almelo", "Borne", "Dinkelland", "Enschede", "Haaksbergen", "Hellendoorn", "Hengelo",
                             "Hof van Twente", "Losser", "Oldenzaal", "Rijssen-Holten", "Tubbergen", "Twenterand", "Wierden"]},
    **{m: "regio-zwolle" for m in ["Dalfsen", "Hardenberg", "Kampen", "Olst-Wijhe", "Ommen", "Raalte", "Staphorst",
                                   "Steenwijkerland", "Zwartewaterland", "Zwolle"]},
    "Deventer": "cleantech",
}


def _csv(name: str) -> list[dict[str, str]]:
    with (REFERRAL_DIR / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _sample_per_municipality(rows: list[dict[str, str]], column: str, count: int) -> list[tuple[str, str]]:
    by_municipality = defaultdict(list)
    for row in rows:
        by_municipality[row["municipality"]].append(row[column])
    return [(value, municipality) for municipality, values in sorted(by_municipality.items()) for value in values[:count]]


def test_all_25_municipalities_are_in_the_data(real_data):
    assert real_data.region_of() == REGION_OF


@pytest.mark.parametrize("municipality", sorted(REGION_OF))
def test_every_municipality_resolves_to_its_region(catalog, municipality):
    match = catalog.places.resolve(municipality)
    assert match.status == FOUND
    assert (match.location.municipality, match.location.region) == (municipality, REGION_OF[municipality])


def _unambiguous_places():
    rows = [r for r in _csv("places.csv") if r["kind"] == "woonplaats"]
    names = defaultdict(set)
    for row in _csv("places.csv"):
        names[row["place"]].add(row["municipality"])
    return [(p, m) for p, m in _sample_per_municipality(rows, "place", 3) if len(names[p]) == 1]


@pytest.mark.parametrize("place,municipality", _unambiguous_places())
def test_official_places_resolve_to_their_municipality(catalog, place, municipality):
    match = catalog.places.resolve(place)
    assert match.status == FOUND, match
    assert match.location.municipality == municipality


@pytest.mark.parametrize("pc4,municipality", _sample_per_municipality(
    [r for r in _csv("postcodes.csv") if r["kind"] == "geo"], "pc4", 2))
def test_postcodes_resolve_to_their_municipality(catalog, pc4, municipality):
    assert catalog.places.resolve(pc4).location.municipality == municipality
    assert catalog.places.resolve(f"{pc4} AB").location.municipality == municipality
    assert catalog.places.resolve(f"{pc4}xz").location.region == REGION_OF[municipality]


@pytest.mark.parametrize("typed,municipality", [
    ("Nijverdal", "Hellendoorn"), ("Goor", "Hof van Twente"), ("Genemuiden", "Zwartewaterland"),
    ("Dedemsvaart", "Hardenberg"), ("Bathmen", "Deventer"), ("Steenwijk", "Steenwijkerland"),
    ("Glanerbrug", "Enschede"), ("Boekelo", "Enschede"), ("Windesheim", "Zwolle"),
    ("HENGELO", "Hengelo"), ("hof van twente", "Hof van Twente"), ("rijssen holten", "Rijssen-Holten"),
    ("olst wijhe", "Olst-Wijhe"), ("'s-Heerenbroek", "Kampen"), ("s Heerenbroek", "Kampen"),
    ("Sheerenbroek", "Kampen"), ("Marienberg", "Hardenberg"), ("Mariënberg", "Hardenberg"),
    ("Hengelo Ov", "Hengelo"), ("gemeente Dinkelland", "Dinkelland"), ("  zwolle ", "Zwolle"),
    ("Holten", "Rijssen-Holten"), ("Deurningen", "Dinkelland"), ("St Jansklooster", "Steenwijkerland"),
])
def test_forgiving_matching(catalog, typed, municipality):
    match = catalog.places.resolve(typed)
    assert match.status == FOUND, match
    assert match.location.municipality == municipality


@pytest.mark.parametrize("typed,municipality", [
    ("Hengelow", "Hengelo"), ("Zwole", "Zwolle"), ("Enchede", "Enschede"), ("Deveter", "Deventer"),
    ("Oldenzal", "Oldenzaal"), ("Harderberg", "Hardenberg"), ("Nijverdaal", "Hellendoorn"),
    ("Rijsen", "Rijssen-Holten"), ("Haaksbegren", "Haaksbergen"),
])
def test_small_typos_resolve(catalog, typed, municipality):
    match = catalog.places.resolve(typed)
    assert match.status == FOUND, match
    assert match.location.municipality == municipality
    assert match.corrected


@pytest.mark.parametrize("typed", ["Apeldoorn", "Utrecht", "Amsterdam", "Groningen", "Apeldorn", "Almere",
                                   "Meppel", "Zutphen", "Nordhorn", "Rotterdam", "den haag", "3511", "1012 AB"])
def test_places_outside_overijssel_are_outside(catalog, typed):
    assert catalog.places.resolve(typed).status == OUTSIDE


def test_a_name_in_two_regions_is_asked(catalog):
    match = catalog.places.resolve("Kloosterhaar")
    assert match.status == AMBIGUOUS
    assert {o.municipality for o in match.options} == {"Twenterand", "Hardenberg"}


def test_a_village_named_like_a_well_known_place_elsewhere_is_confirmed(catalog):
    match = catalog.places.resolve("Emmen")
    assert match.status == AMBIGUOUS
    assert match.outside_name == "Emmen (Drenthe)"
    assert match.options[0].municipality == "Dalfsen"


def test_an_unknown_name_gets_a_suggestion_when_one_is_close(catalog):
    match = catalog.places.resolve("Hengellooo")
    assert match.status == UNKNOWN
    assert match.suggestion.municipality == "Hengelo"


@pytest.mark.parametrize("typed", ["", "xyz", "bakkerij", "weet ik niet"])
def test_nonsense_is_unknown(catalog, typed):
    assert catalog.places.resolve(typed).status == UNKNOWN


@pytest.mark.parametrize("sentence,municipality", [
    ("Wij zijn een metaalbedrijf uit Hengelo met 35 man", "Hengelo"),
    ("ik heb een webwinkel in kampen", "Kampen"),
    ("bakkerij in Nijverdal", "Hellendoorn"),
    ("we zitten in hof van twente, in Goor", "Hof van Twente"),
    ("bedrijf uit Hengelow", "Hengelo"),
    ("Our company is based in Zwolle", "Zwolle"),
    ("postcode 7511 AB", "Enschede"),
    ("Deventer, 12 medewerkers", "Deventer"),
])
def test_places_are_found_inside_sentences(catalog, sentence, municipality):
    match = catalog.places.find_in_text(sentence)
    assert match is not None and match.status == FOUND, match
    assert match.location.municipality == municipality


@pytest.mark.parametrize("sentence", [
    "Ik heb een bedrijf in Apeldoorn en zoek hulp bij innovatie", "we zitten in Utrecht"])
def test_outside_places_are_found_inside_sentences(catalog, sentence):
    assert catalog.places.find_in_text(sentence).status == OUTSIDE


@pytest.mark.parametrize("sentence", [
    "we exporteren veel naar engeland", "hij belt morgen terug", "Ik heb een vraag over innovatie",
    "wij hebben 35 medewerkers", "we willen in 2025 investeren"])
def test_sentences_without_a_place(catalog, sentence):
    assert catalog.places.find_in_text(sentence) is None


def test_a_place_with_its_municipality_resolves(catalog):
    assert catalog.places.resolve("Kloosterhaar Twenterand").location.municipality == "Twenterand"
    assert catalog.places.resolve("Kloosterhaar, Hardenberg").location.municipality == "Hardenberg"
    assert catalog.places.resolve("Goor, Hof van Twente").location.place == "Goor"


def test_the_namesake_outside_can_be_chosen(catalog):
    match = catalog.places.resolve("Emmen (Drenthe)")
    assert match.status == OUTSIDE and match.outside_name == "Emmen (Drenthe)"


def test_the_match_in_a_sentence_names_the_phrase(catalog):
    assert catalog.places.find_in_text("Wij zitten in Hof van Twente met 8 man").query == "hof van twente"
    assert catalog.places.find_in_text("postcode 7511 in Enschede").query == "7511"
