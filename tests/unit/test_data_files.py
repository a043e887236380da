"""Reading and checking the referral folder: every problem is reported with its file and line."""
from __future__ import annotations

from pathlib import Path

import pytest

from wegwijzer.catalog.loading import read_and_check
from wegwijzer.catalog.files import read_folder
from wegwijzer.catalog.problems import WARNING, errors
from wegwijzer.settings import PROJECT_ROOT
from wegwijzer.texts import fill_contact, in_language, read_contact


def _replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _line_of(path: Path, fragment: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if fragment in line:
            return number
    raise AssertionError(f"{fragment!r} not in {path.name}")


def _error_texts(folder: Path) -> list[str]:
    return [str(p) for p in errors(read_and_check(folder)[1])]


def test_the_real_data_has_no_errors(real_data):
    assert len(real_data.regions) == 3
    assert len(real_data.needs) == 5
    assert 8 <= len(real_data.sectors) <= 12


def test_the_real_data_lists_placeholders_and_facts_to_verify_as_warnings(referral_copy):
    problems = read_and_check(referral_copy)[1]
    warnings = [str(p) for p in problems if p.severity == WARNING]
    assert any("placeholder adviser" in w for w in warnings)
    assert not errors(problems)


def test_invalid_yaml_names_file_and_line(referral_copy):
    path = referral_copy / "programs.yml"
    line = _line_of(path, "name: InnovateGO")
    _replace(path, "name: InnovateGO", "name: [InnovateGO")
    texts = _error_texts(referral_copy)
    assert len(texts) == 1
    assert texts[0].startswith("programs.yml:")
    assert "not valid YAML" in texts[0]
    assert abs(int(texts[0].split(":")[1]) - line) <= 2


def test_unknown_region_is_reported_at_its_line(referral_copy):
    path = referral_copy / "programs.yml"
    line = _line_of(path, "name: InnovateGO")
    _replace(path, "regions: [twente]", "regions: [twentee]")
    texts = _error_texts(referral_copy)
    assert any("unknown region 'twentee'" in t and t.startswith("programs.yml:") for t in texts), texts
    hit = next(t for t in texts if "twentee" in t)
    assert int(hit.split(":")[1]) <= line


def test_duplicate_name_is_reported(referral_copy):
    path = referral_copy / "programs.yml"
    _replace(path, "name: MIT R&D-samenwerking", "name: MIT haalbaarheid")
    assert any("duplicate program name 'MIT haalbaarheid'" in t for t in _error_texts(referral_copy))


def test_municipality_in_two_regions_is_reported(referral_copy):
    _replace(referral_copy / "regions.yml", "municipalities: [Deventer]", "municipalities: [Deventer, Almelo]")
    texts = _error_texts(referral_copy)
    assert any("municipality 'Almelo' is in two regions" in t and t.startswith("regions.yml:") for t in texts)


def test_program_need_that_does_not_exist_is_reported(referral_copy):
    path = referral_copy / "programs.yml"
    text = path.read_text(encoding="utf-8")
    start = text.index("name: InnovateGO")
    needs_at = text.index("needs: [", start)
    path.write_text(text[:needs_at] + "needs: [geluk, " + text[needs_at + len("needs: ["):], encoding="utf-8")
    assert any("unknown need 'geluk'" in t and t.startswith("programs.yml:") for t in _error_texts(referral_copy))


def test_missing_adviser_is_reported(referral_copy):
    path = referral_copy / "organisations.yml"
    data, _ = read_folder(referral_copy)
    fund = next(o for o in data.organisations if o.key == "twents-fonds-voor-vakmanschap")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    adviser_lines = [i for i, line in enumerate(lines) if "twents-fonds" in line and "key:" in line and i > fund.source.line - 1]
    start = adviser_lines[0]
    end = start + 1
    while end < len(lines) and lines[end].startswith(" " * (len(lines[start]) - len(lines[start].lstrip()) + 2)):
        end += 1
    del lines[start:end]
    path.write_text("".join(lines), encoding="utf-8")
    texts = _error_texts(referral_copy)
    assert any("'Twents Fonds voor Vakmanschap' takes handoffs but has no adviser" in t
               and t.startswith(f"organisations.yml:{fund.source.line}:") for t in texts), texts


def test_unknown_field_and_missing_field_are_reported(referral_copy):
    _replace(referral_copy / "programs.yml", "active: true", "actief: true")
    texts = _error_texts(referral_copy)
    assert any("unknown field 'actief'" in t for t in texts)
    assert any("the field 'active' is missing" in t for t in texts)


def test_duplicate_field_is_reported_with_its_line(referral_copy):
    path = referral_copy / "regions.yml"
    _replace(path, "name: Cleantech Regio", "name: Cleantech Regio\n    name: Deventer")
    texts = _error_texts(referral_copy)
    assert texts == [f"regions.yml:{_line_of(path, 'name: Deventer')}: error: this is not valid YAML: the field 'name' is written twice"]


def test_routing_to_an_organisation_without_handoffs_is_refused(referral_copy):
    _replace(referral_copy / "routing.yml", "financiering: oost-nl", "financiering: kvk")
    assert any("'KVK' does not take handoffs" in t for t in _error_texts(referral_copy))


def test_a_missing_routing_cell_is_reported(referral_copy):
    _replace(referral_copy / "routing.yml", "      personeel: ontwikkelfonds-cleantech-regio\n", "")
    assert any("no organisation for region 'cleantech' and need 'personeel'" in t for t in _error_texts(referral_copy))


def test_place_with_unknown_municipality_is_reported_with_its_csv_line(referral_copy):
    path = referral_copy / "places.csv"
    _replace(path, "Goor,Hof van Twente", "Goor,Hof van Twent")
    line = _line_of(path, "Goor,Hof van Twent")
    assert f"places.csv:{line}: error: place 'Goor' has unknown municipality 'Hof van Twent'" in _error_texts(referral_copy)


def test_an_outside_place_that_is_in_overijssel_is_reported(referral_copy):
    with (referral_copy / "outside_places.yml").open("a", encoding="utf-8") as handle:
        handle.write("  - {name: Goor, province: Gelderland}\n")
    assert any("'Goor' is also a place in Overijssel" in t for t in _error_texts(referral_copy))


@pytest.mark.parametrize("missing", ["regions.yml", "places.csv"])
def test_a_missing_file_is_reported(referral_copy, missing):
    (referral_copy / missing).unlink()
    assert f"{missing}:1: error: the file {missing} is missing" in _error_texts(referral_copy)


def test_the_provinces_contact_details_are_written_once():
    """``data/contact.yml`` is the one place: no module, template, text or static file of the package repeats them."""
    contact = read_contact()
    literals = (contact.phone, contact.phone_international, contact.email, contact.phone_link)
    package = PROJECT_ROOT / "wegwijzer"
    offenders = [str(path.relative_to(PROJECT_ROOT)) for path in package.rglob("*")
                 if path.suffix in (".py", ".js", ".html", ".css", ".yml")
                 and any(literal in path.read_text(encoding="utf-8") for literal in literals)]
    assert offenders == []


def test_contact_placeholders_are_filled_and_an_unknown_one_is_refused():
    contact = read_contact()
    assert fill_contact("Bel {{phone}} ({{phone_link}}) of mail {{email}}.") == \
        f"Bel {contact.phone} ({contact.phone_link}) of mail {contact.email}."
    assert contact.phone_link.startswith("tel:") and contact.phone_link[4:].isdigit()
    with pytest.raises(KeyError, match="password"):
        fill_contact("{{password}}")
    assert in_language("en", "ja", "yes") == "yes" and in_language("nl", "ja", "yes") == "ja"
    assert in_language(None, "ja", "yes") == "ja"


def test_the_ranking_weights_are_checked(referral_copy):
    path = referral_copy / "ranking.yml"
    _replace(path, "  word: 10 ", "  word: tien ")
    assert any("ranking.yml:" in t and "'word' is not valid" in t for t in _error_texts(referral_copy))
    _replace(path, "  word: tien ", "  word: 10 ")
    _replace(path, "  max_words: 2 ", "  max_words: 0 ")
    assert any("max_words must be 1 or more" in t for t in _error_texts(referral_copy))
    path.unlink()
    assert any("the file ranking.yml is missing" in t for t in _error_texts(referral_copy))


def test_a_program_that_can_never_be_suggested_is_a_warning(referral_copy):
    path = referral_copy / "programs.yml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - key: polymer-science-park")
    block = text[start:text.index("    active:", start)]
    path.write_text(text.replace(block, block[:block.index("    keywords:")]), encoding="utf-8")
    problems = read_and_check(referral_copy)[1]
    assert any(p.severity == WARNING and "'Polymer Science Park' can never reach the ranking minimum 8" in str(p)
               for p in problems)
    assert not any("can never reach" in str(p) and "Polymer" not in str(p) for p in problems)
