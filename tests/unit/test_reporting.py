"""The report's building blocks without a database: hiding small cells, charts, the page, the themes file."""
from __future__ import annotations

import re

import pytest
import yaml

from wegwijzer.referral.themes import THEMES_FILE, ThemeFileError, ThemeFinder, read_themes
from wegwijzer.reporting.charts import bar_chart
from wegwijzer.reporting.figures import breakdown
from wegwijzer.reporting.privacy import HIDDEN, cell
from wegwijzer.settings import PROJECT_ROOT


def test_cells_under_five_are_hidden_and_listed_after_the_others_by_label():
    assert [cell(n) for n in (0, 1, 4, 5, 12)] == [HIDDEN, HIDDEN, HIDDEN, 5, 12]
    rows = breakdown(["b"] * 2 + ["a"] * 9 + ["c"] * 1 + ["d"] * 6 + [None], str.upper)
    assert [(r["key"], r["count"]) for r in rows] == [("a", 9), ("d", 6), ("-", HIDDEN), ("b", HIDDEN), ("c", HIDDEN)]
    fixed = breakdown(["x"] * 5, str, order=["y", "x"])
    assert [(r["key"], r["count"]) for r in fixed] == [("y", HIDDEN), ("x", 5)]


def test_a_chart_shows_no_more_than_the_table():
    svg = bar_chart("t", "Per regio", ["Twente", "Deventer"], [7, HIDDEN])
    assert svg.startswith('<svg role="img" aria-label="Per regio"')
    assert ">&lt;5<" in svg or ">" + HIDDEN + "<" in svg.replace("&lt;", "<")
    ids = re.findall(r'id="([^"]+)"', svg)
    assert ids and all(i.startswith("c-t-") for i in ids), "ids are scoped to this chart"
    other = bar_chart("u", "Per sector", ["Bouw"], [5])
    assert not set(ids) & set(re.findall(r'id="([^"]+)"', other))
    assert not re.search(r'(?:href|src)="(?!#)', svg), "nothing is loaded from elsewhere"


def test_the_themes_file_is_complete_and_names_real_needs():
    needs = {n["key"] for n in yaml.safe_load((PROJECT_ROOT / "data/referrals/needs.yml").read_text())["needs"]}
    themes = read_themes(THEMES_FILE, frozenset(needs))
    assert {t.key for t in themes} >= {"starten", "export", "digitalisering", "energie", "vergunningen",
                                       "bedrijfsopvolging", "financiele_problemen"}
    assert all(t.verify for t in themes if re.search(r"\d{4}", t.pointer)), "unchecked numbers are marked verify"


@pytest.mark.parametrize("text, theme", [
    ("ik wil een eigen bedrijf beginnen", "starten"),
    ("hoe regel ik de douane voor export buiten de EU", "export"),
    ("ik zoek een opvolger voor mijn zaak", "bedrijfsopvolging"),
    ("mijn bedrijf dreigt failliet te gaan", "financiele_problemen"),
    ("waar vraag ik een omgevingsvergunning aan", "vergunningen"),
    ("I want to start a business", "starten"),
    ("wat voor weer wordt het morgen", None),
])
def test_a_theme_is_found_by_its_keywords(text, theme):
    found = ThemeFinder(read_themes()).find(text)
    assert (found.key if found else None) == theme


def test_a_broken_themes_file_says_what_is_wrong(tmp_path):
    path = tmp_path / "themes.yml"
    path.write_text("themes:\n  - key: x\n    label: X\n", encoding="utf-8")
    with pytest.raises(ThemeFileError, match="theme 1 lacks label_en"):
        read_themes(path)
    good = yaml.safe_load(THEMES_FILE.read_text(encoding="utf-8"))
    good["themes"][0]["closest_need"] = "nothing"
    path.write_text(yaml.safe_dump(good), encoding="utf-8")
    with pytest.raises(ThemeFileError, match="unknown need 'nothing'"):
        read_themes(path, frozenset({"kennis"}))
