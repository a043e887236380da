"""Dutch public holidays as the Algemene termijnenwet counts them, from the rules in ``data/calendar/holidays.yml``.

The rules (fixed dates, days relative to Easter) are data; this module only turns them into the dates
of a year. Easter Sunday is computed with the Gregorian computus (Meeus/Jones/Butcher).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from wegwijzer.settings import PROJECT_ROOT

HOLIDAYS_FILE = PROJECT_ROOT / "data" / "calendar" / "holidays.yml"
SUNDAY = 6


class HolidayDataError(ValueError):
    """The holiday file cannot be read; the message says which entry and why."""


@dataclass(frozen=True)
class FixedHoliday:
    name: str
    month: int
    day: int
    if_sunday: int = 0  # days to move the holiday when it falls on a Sunday

    def in_year(self, year: int) -> date:
        day = date(year, self.month, self.day)
        return day + timedelta(days=self.if_sunday) if day.weekday() == SUNDAY else day


@dataclass(frozen=True)
class EasterHoliday:
    name: str
    days: int  # days after Easter Sunday

    def in_year(self, year: int) -> date:
        return easter_sunday(year) + timedelta(days=self.days)


@dataclass(frozen=True)
class HolidayRules:
    fixed: tuple[FixedHoliday, ...]
    easter: tuple[EasterHoliday, ...]

    def in_year(self, year: int) -> dict[date, str]:
        """Date -> name of every holiday of ``year``."""
        return {rule.in_year(year): rule.name for rule in (*self.fixed, *self.easter)}

    def is_holiday(self, day: date) -> bool:
        return day in _dates(self, day.year)


@lru_cache(maxsize=64)
def _dates(rules: HolidayRules, year: int) -> frozenset[date]:
    return frozenset(rules.in_year(year))


def easter_sunday(year: int) -> date:
    """Easter Sunday of a Gregorian year (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _whole(entry: dict[str, Any], field: str, low: int, high: int, required: bool = True) -> int:
    value = entry.get(field)
    if value is None and not required:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise HolidayDataError(f"{entry.get('name', entry)!r}: '{field}' must be a whole number from {low} to {high}, not {value!r}")
    return value


def _name(entry: Any) -> str:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
        raise HolidayDataError(f"every holiday needs a 'name': {entry!r}")
    return entry["name"].strip()


def parse_rules(document: Any) -> HolidayRules:
    """The rules from the parsed YAML; HolidayDataError names the first wrong entry."""
    if not isinstance(document, dict) or set(document) - {"fixed", "easter"}:
        raise HolidayDataError("the file must have only the lists 'fixed:' and 'easter:'")
    fixed, easter = [], []
    for entry in document.get("fixed") or []:
        name = _name(entry)
        month, day = _whole(entry, "month", 1, 12), _whole(entry, "day", 1, 31)
        try:
            date(2000, month, day)  # a leap year: 29 February is a valid rule
        except ValueError:
            raise HolidayDataError(f"{name!r}: {day}-{month} is not a date") from None
        fixed.append(FixedHoliday(name, month, day, _whole(entry, "if_sunday", -6, 6, required=False)))
    for entry in document.get("easter") or []:
        easter.append(EasterHoliday(_name(entry), _whole(entry, "days", -60, 70)))
    if not fixed and not easter:
        raise HolidayDataError("the file lists no holidays")
    return HolidayRules(tuple(fixed), tuple(easter))


def read_rules(path: Path = HOLIDAYS_FILE) -> HolidayRules:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise HolidayDataError(f"{path}: {exc}") from None
    return parse_rules(document)


@lru_cache(maxsize=1)
def dutch_holidays() -> HolidayRules:
    """The project's holiday rules, read once per process."""
    return read_rules()
