"""Working days (Monday to Friday, Dutch time) for deadlines such as "accepted within two working days".

The count starts when the handoff is assigned to its adviser (stored, or reassigned). Weekdays are
those of Europe/Amsterdam, not of UTC: Friday 23:30 UTC is already Saturday in Zwolle. Public
holidays are not skipped.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

DUTCH_TIME = ZoneInfo("Europe/Amsterdam")


def add_working_days(start: datetime, days: int) -> datetime:
    """The moment ``days`` working days after ``start`` (both naive UTC, as stored).

    A start in the (Dutch) weekend counts from Monday 00:00 Dutch time; the time of day is kept in
    Dutch time, so a deadline does not move by an hour when summer time starts or ends.
    """
    local = start.replace(tzinfo=timezone.utc).astimezone(DUTCH_TIME)
    if local.weekday() >= 5:
        local = (local + timedelta(days=7 - local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    added = 0
    while added < days:
        local += timedelta(days=1)  # wall-clock arithmetic: the same local time on the next day
        if local.weekday() < 5:
            added += 1
    return local.astimezone(timezone.utc).replace(tzinfo=None)
