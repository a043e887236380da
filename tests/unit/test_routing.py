"""The routing engine: the decision table, the fallback, program suggestions and adviser choice."""
from __future__ import annotations

from datetime import datetime

import pytest

from wegwijzer.catalog.referral_data import (
    Adviser, Need, Organisation, PlaceEntry, Program, RankingWeights, ReferralData, Region, RoutingRule, Sector,
)
from wegwijzer.referral.routing import NEEDS_NEED, NEEDS_PLACE, OUTSIDE_PROVINCE, REFERRED, IntakeFacts, Router

TABLE = {
    "twente": {"kennis": "Novel-T", "onderwijs": "Novel-T", "netwerk": "Novel-T",
               "financiering": "Oost NL", "personeel": "Twents Fonds voor Vakmanschap"},
    "regio-zwolle": {"kennis": "Kennispoort Regio Zwolle", "onderwijs": "Kennispoort Regio Zwolle",
                     "netwerk": "Kennispoort Regio Zwolle", "financiering": "Oost NL",
                     "personeel": "Upgrade Jezelf Regio Zwolle"},
    "cleantech": {"kennis": "MKB-adviseur Cleantech Regio", "onderwijs": "MKB-adviseur Cleantech Regio",
                  "netwerk": "MKB-adviseur Cleantech Regio", "financiering": "Oost NL",
                  "personeel": "Ontwikkelfonds Cleantech Regio"},
}
PLACE_IN = {"twente": ["Goor", "Enschede", "Nijverdal"], "regio-zwolle": ["Zwolle", "Steenwijk", "Dedemsvaart"],
            "cleantech": ["Deventer", "Bathmen", "7411"]}


@pytest.mark.parametrize("region,need,place", [
    (region, need, place) for region, needs in TABLE.items() for need in needs for place in PLACE_IN[region]])
def test_every_cell_of_the_routing_table(catalog, region, need, place):
    referral = catalog.router.route(IntakeFacts(place=place, need=need))
    assert referral.status == REFERRED
    assert referral.place.location.region == region
    assert referral.organisation.name == TABLE[region][need]
    assert referral.adviser.organisation == referral.organisation.key


def test_the_reason_names_region_and_need_in_dutch(catalog):
    referral = catalog.router.route(IntakeFacts(place="Goor", need="personeel"))
    assert referral.reason.startswith("Omdat uw bedrijf in Twente zit en u ")
    assert "Twents Fonds voor Vakmanschap" in referral.reason


def test_the_reason_is_english_for_an_english_conversation(catalog):
    referral = catalog.router.route(IntakeFacts(place="Zwolle", need="kennis", language="en"))
    assert referral.reason.startswith("Because your business is in Regio Zwolle")


@pytest.mark.parametrize("place", ["Apeldoorn", "Utrecht", "3511 AB"])
def test_outside_overijssel_there_is_no_handoff_but_kvk(catalog, place):
    referral = catalog.router.route(IntakeFacts(place=place, need="kennis"))
    assert referral.status == OUTSIDE_PROVINCE
    assert referral.organisation is None and referral.adviser is None
    assert referral.fallback.name == "KVK"
    assert "0800 2117" in referral.reason and "kvk.nl" in referral.reason


def test_missing_facts_are_reported_not_guessed(catalog):
    assert catalog.router.route(IntakeFacts(need="kennis")).status == NEEDS_PLACE
    assert catalog.router.route(IntakeFacts(place="Xyzzy", need="kennis")).status == NEEDS_PLACE
    assert catalog.router.route(IntakeFacts(place="Kloosterhaar", need="kennis")).status == NEEDS_PLACE
    assert catalog.router.route(IntakeFacts(place="Zwolle")).status == NEEDS_NEED


def test_real_programs_are_never_inactive_and_at_most_three(catalog, real_data):
    inactive = {p.key for p in real_data.programs if not p.active}
    assert inactive, "the data should hold an ended program (Overijssels Vakmanschap)"
    for region, needs in TABLE.items():
        for need in needs:
            for sector in [None] + [s.key for s in real_data.sectors]:
                referral = catalog.router.route(IntakeFacts(place=PLACE_IN[region][0], need=need, sector=sector))
                keys = [s.program.key for s in referral.programs]
                assert len(keys) <= 3 and not inactive & set(keys)
                assert all(s.reason for s in referral.programs)


# -- program filtering and ranking on small, made-up data, so the expectations do not depend on the real catalogue --

RANKING = RankingWeights(sector=3, word=10, max_words=2, region=2, size=1, verify=-1, minimum=8)


def _data(programs: list[Program], advisers: int = 1, ranking: RankingWeights | None = RANKING) -> ReferralData:
    return ReferralData(
        regions=[Region("noord", "Noord", ("Aa",)), Region("zuid", "Zuid", ("Bb",))],
        needs=[Need("kennis", "Kennis", "Knowledge", "d", "d", "u kennis zoekt", "you look for knowledge"),
               Need("geld", "Geld", "Money", "d", "d", "u geld zoekt", "you look for money")],
        sectors=[Sector("bouw", "Bouw", "Construction"), Sector("zorg", "Zorg", "Care")],
        organisations=[Organisation("org", "Org", "d", "d", "https://org.example", ("noord", "zuid"), ("kennis", "geld")),
                       Organisation("fallback", "Fallback", "d", "d", "https://kvk.example", ("overijssel",), ("kennis",), handoff=False)],
        advisers=[Adviser(f"org-{i}", "org", f"Adviser {i}", f"a{i}@example.org") for i in range(advisers)],
        programs=programs,
        routing=[RoutingRule(r, n, "org") for r in ("noord", "zuid") for n in ("kennis", "geld")],
        places=[PlaceEntry("Aadorp", "Aa", "woonplaats"), PlaceEntry("Bbdorp", "Bb", "woonplaats")],
        ranking=ranking,
    )


def _program(key: str, **overrides) -> Program:
    fields = dict(key=key, name=key.title(), description="d", description_en="d", regions=("overijssel",),
                  needs=("kennis",), keywords=("robot*",), keywords_en=("automation",))
    fields.update(overrides)
    return Program(**fields)


def _referral(programs: list[Program], ranking: RankingWeights | None = RANKING, **facts):
    router = Router(_data(programs, ranking=ranking))
    return router.route(IntakeFacts(**{"place": "Aadorp", "need": "kennis", "request_text": "We willen robots", **facts}))


def _suggested(programs: list[Program], **facts) -> list[str]:
    return [s.program.key for s in _referral(programs, **facts).programs]


def test_programs_respect_need_and_region():
    programs = [_program("all"), _program("money", needs=("geld",)), _program("south", regions=("zuid",)),
                _program("north", regions=("noord",))]
    assert _suggested(programs) == ["north", "all"]


def test_programs_respect_sector():
    programs = [_program("general"), _program("builders", sectors=("bouw",)), _program("carers", sectors=("zorg",))]
    assert _suggested(programs, sector="bouw") == ["builders", "general"]
    assert _suggested(programs) == ["general"], "a sector program is not for an unknown sector either"


@pytest.mark.parametrize("employees,expected", [
    ("5", ["small", "any"]), ("300", ["big", "any"]), ("250+", ["big", "any"]), ("10-49", ["small", "any"]),
    ("zzp", ["small", "any"]), (None, ["small", "big", "any"]),
])
def test_programs_respect_company_size(employees, expected):
    programs = [_program("small", max_employees=249, regions=("noord",)), _program("big", min_employees=250, regions=("noord",)),
                _program("any")]
    assert _suggested(programs, employees=employees) == expected


def test_inactive_programs_are_never_suggested():
    assert _suggested([_program("ended", active=False), _program("running")]) == ["running"]


def test_at_most_three_programs_and_uncertain_ones_last():
    programs = [_program("unsure", verify=True)] + [_program(f"p{i}") for i in range(5)]
    assert _suggested(programs) == ["p0", "p1", "p2"]


def test_more_of_the_requests_words_rank_higher():
    programs = [_program("robots"), _program("both", keywords=("robot*", "lassen"))]
    assert _suggested(programs, request_text="Wij willen lassen met robots") == ["both", "robots"]


def test_a_word_inside_a_longer_matched_phrase_counts_once():
    programs = [_program("staff", keywords=("tekort aan vakmensen", "vakmensen"))]
    [suggestion] = _referral(programs, request_text="Tekort aan vakmensen!").programs
    assert suggestion.words == ("Tekort aan vakmensen",) and suggestion.score == 10


def test_without_the_requests_words_nothing_is_suggested():
    programs = [_program("builders", sectors=("bouw",), regions=("noord",), max_employees=249)]
    assert _suggested(programs, sector="bouw", employees="12", request_text="Wij willen een nieuwe machine kopen") == []
    assert _suggested(programs, sector="bouw", request_text=None) == []


def test_the_weights_are_data():
    programs = [_program("builders", sectors=("bouw",), regions=("noord",))]
    lenient = RankingWeights(sector=3, word=10, max_words=2, region=2, size=1, verify=-1, minimum=5)
    referral = _referral(programs, ranking=lenient, sector="bouw", request_text="iets anders")
    assert [(s.program.key, s.score) for s in referral.programs] == [("builders", 5)]
    assert referral.programs[0].reason == "Past bij uw vraag over kennis. Voor bedrijven in bouw in Noord."
    assert _referral(programs, ranking=None, sector="bouw").programs == (), "no weights loaded: no suggestions"


def test_program_reasons_quote_what_the_user_typed():
    programs = [_program("builders", sectors=("bouw",), regions=("noord",), max_employees=249,
                         keywords=("robot*", "e-commerce", "3d printen"))]
    referral = _referral(programs, sector="bouw", request_text="Robots, E-commerce en 3D-printen! En nog meer robots.")
    assert referral.programs[0].reason == ('U noemde "Robots", "E-commerce" en "3D-printen". '
                                           "Voor bedrijven in bouw in Noord tot 249 medewerkers.")
    english = _referral(programs, sector="bouw", language="en", request_text="We want automation")
    assert english.programs[0].reason == 'You mentioned "automation". For businesses in construction in Noord with up to 249 employees.'
    general = _referral([_program("general")], request_text="robots")
    assert general.programs[0].reason == 'U noemde "robots".'


def test_adviser_choice_is_least_recently_assigned_and_deterministic():
    router = Router(_data([], advisers=3))
    organisation = router.organisations["org"]
    assert router.choose_adviser(organisation, {}).key == "org-0"
    history = {"org-0": datetime(2026, 1, 2), "org-1": datetime(2026, 1, 1)}
    assert router.choose_adviser(organisation, history).key == "org-2"
    history["org-2"] = datetime(2026, 1, 3)
    assert router.choose_adviser(organisation, history).key == "org-1"


def test_round_robin_over_many_handoffs():
    router = Router(_data([], advisers=3))
    organisation = router.organisations["org"]
    history: dict[str, datetime] = {}
    chosen = []
    for minute in range(6):
        adviser = router.choose_adviser(organisation, history)
        history[adviser.key] = datetime(2026, 1, 1, 0, minute)
        chosen.append(adviser.key)
    assert chosen == ["org-0", "org-1", "org-2"] * 2

