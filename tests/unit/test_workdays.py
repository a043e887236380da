"""Working days skip weekends and the public holidays of the Algemene termijnenwet (data/calendar/holidays.yml)."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from wegwijzer.handoffs.holidays import HolidayDataError, dutch_holidays, easter_sunday, parse_rules
from wegwijzer.handoffs.workdays import add_working_days, is_working_day

# The dates as published (rijksoverheid.nl, Algemene termijnenwet), written out rather than computed.
HOLIDAYS = {
    2026: ["2026-01-01", "2026-04-03", "2026-04-05", "2026-04-06", "2026-04-27", "2026-05-05", "2026-05-14",
           "2026-05-24", "2026-05-25", "2026-12-25", "2026-12-26"],
    2027: ["2027-01-01", "2027-03-26", "2027-03-28", "2027-03-29", "2027-04-27", "2027-05-05", "2027-05-06",
           "2027-05-16", "2027-05-17", "2027-12-25", "2027-12-26"],
    2028: ["2028-01-01", "2028-04-14", "2028-04-16", "2028-04-17", "2028-04-27", "2028-05-05", "2028-05-25",
           "2028-06-04", "2028-06-05", "2028-12-25", "2028-12-26"],
}


@pytest.mark.parametrize("year", sorted(HOLIDAYS))
def test_the_holidays_of_2026_to_2028(year):
    assert sorted(d.isoformat() for d in dutch_holidays().in_year(year)) == HOLIDAYS[year]


def test_easter_sunday_in_known_years():
    assert [easter_sunday(y) for y in (2024, 2025, 2026, 2027, 2028, 2038)] == [
        date(2024, 3, 31), date(2025, 4, 20), date(2026, 4, 5), date(2027, 3, 28), date(2028, 4, 16), date(2038, 4, 25)]


def test_kings_day_on_a_sunday_moves_to_the_saturday_before():
    assert date(2025, 4, 26) in dutch_holidays().in_year(2025) and date(2025, 4, 27) not in dutch_holidays().in_year(2025)
    assert date(2031, 4, 26) in dutch_holidays().in_year(2031)  # 27 April 2031 is a Sunday too


def test_liberation_day_counts_every_year_not_only_every_fifth():
    assert all(date(year, 5, 5) in dutch_holidays().in_year(year) for year in range(2026, 2031))


def test_weekdays_that_are_holidays_are_not_working_days():
    assert not is_working_day(date(2026, 4, 3))  # Good Friday
    assert not is_working_day(date(2027, 5, 5))  # Wednesday, Liberation Day
    assert is_working_day(date(2026, 4, 2)) and is_working_day(date(2027, 5, 4))


def test_working_days_skip_easter():
    thursday_before_easter = datetime(2026, 4, 2, 10, 0)  # 12:00 CEST
    assert add_working_days(thursday_before_easter, 2) == datetime(2026, 4, 8, 10, 0)  # Wednesday, not Monday


def test_working_days_skip_christmas_and_new_year():
    wednesday = datetime(2026, 12, 23, 9, 0)
    assert add_working_days(wednesday, 2) == datetime(2026, 12, 28, 9, 0)  # Thursday 24, then Monday 28
    assert add_working_days(datetime(2026, 12, 31, 9, 0), 1) == datetime(2027, 1, 4, 9, 0)


def test_a_start_on_a_holiday_counts_from_the_next_working_day():
    kings_day = datetime(2027, 4, 27, 8, 0)  # Tuesday
    assert add_working_days(kings_day, 2) == datetime(2027, 4, 29, 22, 0)  # Friday 00:00 CEST, 5 May not yet
    ascension = datetime(2028, 5, 25, 8, 0)  # Thursday; Friday is a working day
    assert add_working_days(ascension, 3) == datetime(2028, 5, 30, 22, 0)  # Wednesday 31 May 00:00 CEST


def test_three_working_days_over_liberation_day_and_ascension():
    monday = datetime(2027, 5, 3, 12, 0)
    assert add_working_days(monday, 3) == datetime(2027, 5, 10, 12, 0)  # Tue 4, Fri 7, Mon 10


def test_a_wrong_holiday_file_is_refused_with_the_entry():
    with pytest.raises(HolidayDataError, match="Koningsdag"):
        parse_rules({"fixed": [{"name": "Koningsdag", "month": 4, "day": 31}]})
    with pytest.raises(HolidayDataError, match="days"):
        parse_rules({"easter": [{"name": "Goede Vrijdag", "days": "twee"}]})
    with pytest.raises(HolidayDataError, match="only the lists"):
        parse_rules({"fixed": [], "feestdagen": []})
