"""Working days follow the official calendar (domain.md §5; MSL 15, 22)."""

import datetime

import pytest

from workflows.core.models import CalendarDay
from workflows.core.working_days import Calendar, add_working_days, load_from_library, working_days_between

D = datetime.date


def test_weekends_are_not_working_days(db):
    """Without exceptions, Monday-Friday are working days and weekends are not."""
    cal = Calendar({})
    assert cal.is_working_day(D(2026, 11, 20))  # Friday
    assert not cal.is_working_day(D(2026, 11, 21))  # Saturday
    assert cal.add_working_days(D(2026, 11, 20), 1) == D(2026, 11, 23)


def test_national_day_holiday_and_make_up_day(fixed_calendar):
    """MSL 22: deadlines count working days. Accepted on Tue 29 Sep 2026, 3 working days
    are Wed 30 Sep, Thu 8 Oct, Fri 9 Oct (1-7 Oct off; 8 Oct is a Thursday)."""
    assert add_working_days(D(2026, 9, 29), 3) == D(2026, 10, 9)
    # Saturday 10 Oct is a make-up working day: the 4th working day.
    assert add_working_days(D(2026, 9, 29), 4) == D(2026, 10, 10)
    assert working_days_between(D(2026, 9, 29), D(2026, 10, 10)) == 4
    assert working_days_between(D(2026, 10, 10), D(2026, 9, 29)) == -4


def test_twenty_working_days_across_national_day(fixed_calendar):
    """MSL 22 (20 working days under delegation) counted over the National Day week."""
    assert add_working_days(D(2026, 9, 29), 20) == D(2026, 11, 2)


def test_negative_days_rejected(db):
    """A negative number of working days is a programming error, not a date."""
    with pytest.raises(ValueError):
        add_working_days(D(2026, 1, 5), -1)


def test_load_from_library_is_idempotent_and_keeps_manual_rows(db):
    """The chinesecalendar import adds National Day 2026 once and never overwrites a
    row an administrator corrected by hand."""
    CalendarDay.objects.create(date=D(2026, 10, 8), kind=CalendarDay.Kind.HOLIDAY, name="手工", source="manual")
    first = load_from_library(years=range(2026, 2027))
    assert first > 0
    assert load_from_library(years=range(2026, 2027)) == 0
    assert CalendarDay.objects.get(date=D(2026, 10, 1)).kind == CalendarDay.Kind.HOLIDAY
    assert CalendarDay.objects.get(date=D(2026, 9, 20)).kind == CalendarDay.Kind.WORKDAY
    assert CalendarDay.objects.get(date=D(2026, 10, 8)).source == "manual"
