"""The program corpus (tests/program_cases.yml): requests as entrepreneurs write them, against the real data."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from wegwijzer.referral.routing import REFERRED, IntakeFacts
from wegwijzer.referral.text import normalize

CASES_FILE = Path(__file__).resolve().parents[1] / "program_cases.yml"
CASES = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))["cases"]
CASE_FIELDS = {"text", "need", "sector", "employees", "place", "language", "must", "must_not", "none"}


def test_the_corpus_is_big_and_well_formed(real_data):
    assert len(CASES) >= 40
    programs = {p.key for p in real_data.programs}
    for case in CASES:
        assert set(case) <= CASE_FIELDS, case
        assert set(case.get("must", [])) | set(case.get("must_not", [])) <= programs, case
        assert case.get("none") or case.get("must") or case.get("must_not"), f"a case must expect something: {case}"
    assert sum(1 for c in CASES if c.get("none")) >= 10, "the corpus must also show when nothing fits"
    assert sum(1 for c in CASES if c.get("language") == "en") >= 5


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:50] for c in CASES])
def test_program_case(catalog, case):
    facts = IntakeFacts(place=case["place"], need=case["need"], sector=case.get("sector"),
                        employees=case.get("employees"), request_text=case["text"],
                        language=case.get("language", "nl"))
    referral = catalog.router.route(facts)
    assert referral.status == REFERRED
    suggested = [s.program.key for s in referral.programs]
    if case.get("none"):
        assert suggested == [], "nothing fits this request"
    assert set(case.get("must", [])) <= set(suggested)
    assert not set(case.get("must_not", [])) & set(suggested)
    typed = normalize(case["text"])
    for suggestion in referral.programs:
        assert not suggestion.program.sectors or case.get("sector") in suggestion.program.sectors, "another sector's program"
        assert suggestion.words, "the reason must refer to what the user typed"
        for word in suggestion.words:
            assert normalize(word) in typed
        assert all(f'"{word}"' in suggestion.reason for word in suggestion.words[:3])
        opening = "You mentioned" if case.get("language") == "en" else "U noemde"
        assert suggestion.reason.startswith(opening)
