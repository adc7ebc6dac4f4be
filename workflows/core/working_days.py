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
import uuid
from bisect import bisect_left
from typing import Any

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models import Func, IntegerField
from django.db.models.signals import post_delete, post_migrate, post_save
from django.db.utils import NotSupportedError
from django.dispatch import Signal, receiver

from workflows.core.types import Actor

from .models import CalendarDay, CalendarYear

# Sent (inside the transaction that changed the calendar) with ``calendar`` (the new
# snapshot), ``since`` (the first changed day), ``actor`` and ``reason``: each programme recomputes the deadlines it stored
# and audits every case that moved. Core imports no programme, so they listen here.
calendar_changed = Signal()

# From this day of the year on, a missing schedule for next year is warned about.
WARN_FROM = (11, 1)


def _weekdays_before(ordinal: int) -> int:
    """Mondays-Fridays among the days with ordinal 1 .. ordinal - 1 (ordinal 1, 0001-01-01, is a Monday)."""
    weeks, rest = divmod(ordinal - 1, 7)
    return 5 * weeks + min(rest, 5)


class Calendar:
    """A snapshot of the calendar exceptions, for many look-ups in one request."""

    def __init__(self, exceptions: dict[datetime.date, str] | None = None, years: set[int] | None = None):
        if exceptions is None and years is None:
            # The stored calendar: share the precomputed counts of the snapshot of the
            # current calendar version (no query unless the calendar changed).
            shared = _stored_snapshot()
            self.__dict__.update(shared.__dict__)
            return
        if exceptions is None:
            exceptions = dict(CalendarDay.objects.values_list("date", "kind"))
        self.exceptions = exceptions
        # Years whose official schedule is loaded; a hand-built snapshot knows the years it holds.
        self.years = frozenset({d.year for d in exceptions} if years is None else years)
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

    def is_provisional(self, day: datetime.date | None) -> bool:
        """True when ``day`` lies in a year whose official schedule is not loaded, so a
        deadline ending on it counts weekends only and may still move."""
        return day is not None and day.year not in self.years

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

    def through_sql(self, date_expression: Any) -> WorkingDaysThrough:
        """``working_days_through`` of a date column, as a PostgreSQL expression: a report
        sums or averages durations in the database instead of fetching a row per case."""
        return WorkingDaysThrough(date_expression, ordinals=self._ordinals, shifts=self._shift)


class WorkingDaysThrough(Func):
    """SQL twin of ``Calendar.working_days_through`` (PostgreSQL): the closed-form weekday
    count plus the running exception shift, found with ``width_bucket`` over the sorted
    exception ordinals (a binary search per row, like ``bisect``). A sentinel ordinal 0
    keeps the threshold array non-empty. NULL dates give NULL."""

    output_field = IntegerField()

    def __init__(self, expression: Any, *, ordinals: list[int], shifts: list[int]) -> None:
        super().__init__(expression)
        self.thresholds = [0, *ordinals]
        self.shifts = list(shifts)  # PostgreSQL arrays count from 1: shifts[k + 1] is _shift[k]

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        if connection.vendor != "postgresql":
            raise NotSupportedError("WorkingDaysThrough needs PostgreSQL (width_bucket over an array)")
        sql, params = compiler.compile(self.source_expressions[0])
        ordinal = f"(({sql}) - DATE '0001-01-01' + 1)"
        # _weekdays_before(ordinal + 1) + shift[number of exception ordinals <= ordinal]
        template = f"(5 * ({ordinal} / 7) + LEAST({ordinal} %% 7, 5) + (%s::int[])[width_bucket({ordinal}, %s::int[])])"
        return template, [*params, *params, self.shifts, *params, self.thresholds]


# --- one snapshot per calendar version, shared by every request of the process -------------
# ``Calendar()`` used to read every ``CalendarDay`` and ``CalendarYear`` row and rebuild the
# running counts on each call (several times per request). The built snapshot is now kept
# per process under a version token held in the shared cache. Every change of the holiday
# tables (admin, ``load_from_library``, any save or delete) replaces the token once its
# transaction commits, so every process rebuilds on its next call; inside the changing
# transaction itself (not yet committed, so other processes must not see it) the snapshot
# is read afresh from the database. The token is read *before* the rows, so a snapshot is
# never stored under a token newer than the rows it was built from.

VERSION_KEY = "core:calendar-version"
_snapshots: dict[str, Calendar] = {}


def _calendar_alias() -> str:
    return router.db_for_read(CalendarDay) or DEFAULT_DB_ALIAS


def _changed_in_this_transaction() -> bool:
    connection = connections[_calendar_alias()]
    marker = getattr(connection, "_calendar_changed_in", None)
    return marker is not None and connection.in_atomic_block and connection.atomic_blocks[:1] == [marker]


def _load_snapshot() -> Calendar:
    return Calendar(dict(CalendarDay.objects.values_list("date", "kind")), loaded_years())


def calendar_version() -> str:
    """The token of the committed calendar (a fresh one if the cache has none)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY) or ""
    return version


def _stored_snapshot() -> Calendar:
    if _changed_in_this_transaction():
        return _load_snapshot()
    version = calendar_version()
    snapshot = _snapshots.get(version)
    if snapshot is None:
        snapshot = _load_snapshot()
        _snapshots.clear()  # only the current version is worth keeping
        _snapshots[version] = snapshot
    return snapshot


def _new_version() -> None:
    _snapshots.clear()
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def calendar_tables_changed() -> None:
    """Call after writing ``CalendarDay`` / ``CalendarYear`` rows without model signals
    (``bulk_create``, ``update``): the rest of this transaction reads the tables afresh,
    and every process drops its snapshot once the transaction commits."""
    connection = connections[_calendar_alias()]
    if connection.in_atomic_block:
        connection._calendar_changed_in = connection.atomic_blocks[0]  # type: ignore[attr-defined]
    transaction.on_commit(_new_version, using=_calendar_alias())


@receiver(post_save, sender=CalendarDay)
@receiver(post_delete, sender=CalendarDay)
@receiver(post_save, sender=CalendarYear)
@receiver(post_delete, sender=CalendarYear)
def _calendar_row_changed(sender: Any, **kwargs: Any) -> None:
    calendar_tables_changed()


@receiver(post_migrate)
def _tables_flushed(sender: Any, **kwargs: Any) -> None:
    # Migrations and ``flush`` (TransactionTestCase teardown) write without model signals.
    _new_version()


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    return Calendar().add_working_days(start, days)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    return Calendar().working_days_between(start, end)


def loaded_years() -> set[int]:
    return set(CalendarYear.objects.values_list("year", flat=True))


def is_provisional(day: datetime.date | None) -> bool:
    """``Calendar.is_provisional`` for one date, without loading the whole snapshot."""
    return day is not None and not CalendarYear.objects.filter(year=day.year).exists()


def missing_schedule_year(today: datetime.date) -> int | None:
    """Next year, from 1 November on, while its official schedule is not loaded (else None)."""
    if (today.month, today.day) < WARN_FROM:
        return None
    year = today.year + 1
    return None if CalendarYear.objects.filter(year=year).exists() else year


def recompute_deadlines(*, since: datetime.date, actor: Actor = None, reason: str) -> int:
    """After a calendar change on ``since`` or later: a fresh snapshot goes to every
    programme's receiver, which moves the deadlines it stored (one audit event per case
    that moved). A deadline before ``since`` counts no changed day, so receivers may skip
    it. Returns the number of cases moved."""
    responses: list[tuple[Any, Any]] = calendar_changed.send(
        sender=Calendar, calendar=Calendar(), since=since, actor=actor, reason=reason
    )
    return sum(result for _, result in responses if isinstance(result, int))


def library_years() -> set[int]:
    """The years the installed ``chinesecalendar`` carries (it has no data outside them)."""
    import chinese_calendar

    return {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}


@transaction.atomic
def load_from_library(years: range | None = None, *, actor: Actor = None) -> int:
    """Copy holidays and make-up days from the ``chinesecalendar`` package.

    Existing rows (possibly corrected by hand) are left alone. Every year the
    library carries is marked loaded (``CalendarYear``). When anything was added,
    stored deadlines are recomputed. Returns the number of rows created.
    """
    import chinese_calendar

    created, first = 0, None
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
        if made and (first is None or day < first):
            first = day
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
        if made and (first is None or day < first):
            first = day
    source = f"chinesecalendar {getattr(chinese_calendar, '__version__', '')}".strip()
    new_years = [y for y in sorted(library_years()) if (years is None or y in years) and y not in loaded_years()]
    CalendarYear.objects.bulk_create([CalendarYear(year=y, source=source) for y in new_years])
    if new_years:
        calendar_tables_changed()
    if first is not None:  # a year marked loaded moves no date; new rows do
        recompute_deadlines(since=first, actor=actor, reason=source)
    return created
