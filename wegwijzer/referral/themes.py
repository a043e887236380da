"""Questions outside the five needs (``data/referrals/themes.yml``): recognising the theme and where help is.

Only a message that is no intake answer (the NLU read it as out of scope) is matched against the themes,
so a theme never takes a message away from the five needs.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from wegwijzer.referral.keywords import KeywordMatcher
from wegwijzer.settings import PROJECT_ROOT
from wegwijzer.texts import in_language

THEMES_FILE = PROJECT_ROOT / "data" / "referrals" / "themes.yml"
NO_THEME = "onbekend"  # recorded for an out-of-scope question that fits no theme
REQUIRED = ("key", "label", "label_en", "keywords", "keywords_en", "pointer", "pointer_en")


class ThemeFileError(ValueError):
    """themes.yml is not as documented at its top; the message names the theme and the field."""


@dataclass(frozen=True)
class Theme:
    key: str
    label: str
    label_en: str
    keywords: tuple[str, ...]
    keywords_en: tuple[str, ...]
    pointer: str
    pointer_en: str
    closest_need: str | None = None
    verify: bool = True

    def label_in(self, language: str) -> str:
        return in_language(language, self.label, self.label_en)

    def pointer_in(self, language: str) -> str:
        return in_language(language, self.pointer, self.pointer_en)


def read_themes(path: Path = THEMES_FILE, need_keys: frozenset[str] | None = None) -> tuple[Theme, ...]:
    """The themes in the file, checked: every field present, keys unique, ``closest_need`` one of ``need_keys``."""
    records = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("themes") or []
    themes, seen = [], set()
    for number, record in enumerate(records, start=1):
        missing = [name for name in REQUIRED if not record.get(name)]
        if missing:
            raise ThemeFileError(f"{path.name}: theme {number} lacks {', '.join(missing)}")
        if record["key"] in seen:
            raise ThemeFileError(f"{path.name}: theme '{record['key']}' is written twice")
        seen.add(record["key"])
        closest = record.get("closest_need")
        if closest and need_keys is not None and closest not in need_keys:
            raise ThemeFileError(f"{path.name}: theme '{record['key']}' names unknown need '{closest}'")
        themes.append(Theme(key=record["key"], label=record["label"], label_en=record["label_en"],
                            keywords=tuple(record["keywords"]), keywords_en=tuple(record["keywords_en"]),
                            pointer=record["pointer"], pointer_en=record["pointer_en"], closest_need=closest,
                            verify=bool(record.get("verify", True))))
    return tuple(themes)


class ThemeFinder:
    def __init__(self, themes: tuple[Theme, ...]):
        self.themes = {theme.key: theme for theme in themes}
        self._matcher = KeywordMatcher((t.key, (*t.keywords, *t.keywords_en)) for t in themes)

    def find(self, text: str) -> Theme | None:
        """The theme whose keywords the text names most, or None (nothing matched, or a tie)."""
        key = self._matcher.best(text)
        return self.themes.get(key) if key else None


@lru_cache(maxsize=1)
def theme_finder() -> ThemeFinder:
    return ThemeFinder(read_themes())
