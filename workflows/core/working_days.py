"""Working-day arithmetic on the official calendar (domain.md §5; MSL 15, 22).

Weekdays are working days and weekends are not, except where a
``CalendarDay`` row says otherwise (public holidays; make-up working days).
Deadlines "within N working days of D" end on the N-th working day after D.
"""

from __future__ import annotations

import datetime

from .models import CalendarDay


class Calendar:
    """A snapshot of the calendar exceptions, for many look-ups in one request."""

    def __init__(self, exceptions: dict[datetime.date, str] | None = None):
        if exceptions is None:
            exceptions = dict(CalendarDay.objects.values_list("date", "kind"))
        self.exceptions = exceptions

    def is_working_day(self, day: datetime.date) -> bool:
        kind = self.exceptions.get(day)
        if kind == CalendarDay.Kind.HOLIDAY:
            return False
        if kind == CalendarDay.Kind.WORKDAY:
            return True
        return day.weekday() < 5

    def add_working_days(self, start: datetime.date, days: int) -> datetime.date:
        """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
        if days < 0:
            raise ValueError("days must be >= 0")
        current = start
        remaining = days
        while remaining:
            current += datetime.timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if end < start)."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        current = start
        while current < end:
            current += datetime.timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    return Calendar().add_working_days(start, days)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    return Calendar().working_days_between(start, end)


def load_from_library(years: range | None = None) -> int:
    """Copy holidays and make-up days from the ``chinesecalendar`` package.

    Existing rows (possibly corrected by hand) are left alone. Returns the
    number of rows created.
    """
    import chinese_calendar

    created = 0
    for day, name in chinese_calendar.holidays.items():
        if years is not None and day.year not in years:
            continue
        if day.weekday() >= 5:
            continue  # a weekend is already a day off; no exception needed
        _, made = CalendarDay.objects.get_or_create(
            date=day,
            defaults={"kind": CalendarDay.Kind.HOLIDAY, "name": str(name or ""), "source": "chinesecalendar"},
        )
        created += made
    for day, name in chinese_calendar.workdays.items():
        if years is not None and day.year not in years:
            continue
        if day.weekday() < 5:
            continue  # a weekday is already a working day
        _, made = CalendarDay.objects.get_or_create(
            date=day,
            defaults={"kind": CalendarDay.Kind.WORKDAY, "name": str(name or ""), "source": "chinesecalendar"},
        )
        created += made
    return created
