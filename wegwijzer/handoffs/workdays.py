"""Working days (Dutch time) for deadlines such as "accepted within two working days".

A working day is Monday to Friday except the public holidays of the Algemene termijnenwet
(``data/calendar/holidays.yml``: New Year's Day, Good Friday, Easter, King's Day, 5 May, Ascension
Day, Whitsun, Christmas). The count starts when the handoff is assigned to its adviser (stored, or
reassigned). Days are those of Europe/Amsterdam, not of UTC: Friday 23:30 UTC is already Saturday
in Zwolle.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from wegwijzer.handoffs.holidays import HolidayRules, dutch_holidays

DUTCH_TIME = ZoneInfo("Europe/Amsterdam")


def is_working_day(day: date, rules: HolidayRules | None = None) -> bool:
    return day.weekday() < 5 and not (rules or dutch_holidays()).is_holiday(day)


def add_working_days(start: datetime, days: int, rules: HolidayRules | None = None) -> datetime:
    """The moment ``days`` working days after ``start`` (both naive UTC, as stored).

    A start on a day off (weekend or holiday) counts from the next working day 00:00 Dutch time;
    the time of day is kept in Dutch time, so a deadline does not move by an hour when summer time
    starts or ends.
    """
    rules = rules or dutch_holidays()
    local = start.replace(tzinfo=timezone.utc).astimezone(DUTCH_TIME)
    if not is_working_day(local.date(), rules):
        local = local.replace(hour=0, minute=0, second=0, microsecond=0)
        while not is_working_day(local.date(), rules):
            local += timedelta(days=1)
    added = 0
    while added < days:
        local += timedelta(days=1)  # wall-clock arithmetic: the same local time on the next day
        if is_working_day(local.date(), rules):
            added += 1
    return local.astimezone(timezone.utc).replace(tzinfo=None)
