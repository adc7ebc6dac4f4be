"""Working-day arithmetic on the official calendar (domain.md §5; MSL 15, 22).

Weekdays are working days and weekends are not, except where a
``CalendarDay`` row says otherwise (public holidays; make-up working days).
Deadlines "within N working days of D" end on the N-th working day after D.

A ``Calendar`` snapshot answers in constant time plus one bisect over its
exception dates: the number of working days before a day is the closed-form
count of weekdays before it plus the running sum of what the exceptions before
it change (a holiday on a weekday -1, a make-up Saturday +1). Lists and the
county dashboard call it once per row, so a day-by-day loop would cost
milliseconds per page (issue 19).
"""

from __future__ import annotations

import datetime
from bisect import bisect_left

from .models import CalendarDay


def _weekdays_before(ordinal: int) -> int:
    """Mondays-Fridays among the days with ordinal 1 .. ordinal - 1 (ordinal 1, 0001-01-01, is a Monday)."""
    weeks, rest = divmod(ordinal - 1, 7)
    return 5 * weeks + min(rest, 5)


class Calendar:
    """A snapshot of the calendar exceptions, for many look-ups in one request."""

    def __init__(self, exceptions: dict[datetime.date, str] | None = None):
        if exceptions is None:
            exceptions = dict(CalendarDay.objects.values_list("date", "kind"))
        self.exceptions = exceptions
        # Sorted exception ordinals and, at index i, the net change the first i of them
        # make to the plain weekday count (redundant rows, e.g. a holiday on a Sunday, add 0).
        self._ordinals: list[int] = []
        self._shift: list[int] = [0]
        for day in sorted(exceptions):
            kind = exceptions[day]
            plain = day.weekday() < 5
            working = True if kind == CalendarDay.Kind.WORKDAY else False if kind == CalendarDay.Kind.HOLIDAY else plain
            self._ordinals.append(day.toordinal())
            self._shift.append(self._shift[-1] + int(working) - int(plain))
        self._through: dict[int, int] = {}

    def is_working_day(self, day: datetime.date) -> bool:
        kind = self.exceptions.get(day)
        if kind == CalendarDay.Kind.HOLIDAY:
            return False
        if kind == CalendarDay.Kind.WORKDAY:
            return True
        return day.weekday() < 5

    def _before(self, ordinal: int) -> int:
        """Working days among all days with an ordinal below ``ordinal``."""
        return _weekdays_before(ordinal) + self._shift[bisect_left(self._ordinals, ordinal)]

    def working_days_through(self, day: datetime.date) -> int:
        """A running count: working days from the beginning of time up to and including ``day``.

        The difference of two is ``working_days_between``; sums of them let a report add up
        many durations from per-date counts. Cached per date: a page's rows share few dates.
        """
        ordinal = day.toordinal()
        count = self._through.get(ordinal)
        if count is None:
            count = self._through[ordinal] = self._before(ordinal + 1)
        return count

    def add_working_days(self, start: datetime.date, days: int) -> datetime.date:
        """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
        if days < 0:
            raise ValueError("days must be >= 0")
        if days == 0:
            return start
        first = start.toordinal() + 1
        target = self._before(first) + days
        # The answer is the smallest ordinal d with _before(d + 1) >= target. Weekends give
        # at most 2 of 7 days off, so 7/5 of ``days`` plus a week is a first guess; every
        # holiday beyond it pushes the bound, hence the doubling.
        low, high = first, first + days * 7 // 5 + 7
        while self._before(high + 1) < target:
            low, high = high + 1, high + (high - first) + 1
        while low < high:
            mid = (low + high) // 2
            if self._before(mid + 1) >= target:
                high = mid
            else:
                low = mid + 1
        return datetime.date.fromordinal(low)

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if end < start)."""
        return self.working_days_through(end) - self.working_days_through(start)


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
