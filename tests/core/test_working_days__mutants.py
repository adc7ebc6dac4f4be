"""Behaviour of the working-day calendar that mutation testing found no test for (issue 15
item 10; domain.md §5, MSL 15, 22): exceptions on single days, the provisional flag of one
date, the shared snapshot after a committed change and what a calendar change tells the
programmes."""

from __future__ import annotations

import datetime
import time
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connections, transaction

from tests import factories
from tests.conftest import is_postgres, requires_postgres
from workflows.core import working_days
from workflows.core.models import CalendarDay, CalendarYear
from workflows.core.working_days import (
    Calendar,
    calendar_changed,
    is_provisional,
    load_from_library,
    recompute_deadlines,
)

D = datetime.date
HOLIDAY, WORKDAY = CalendarDay.Kind.HOLIDAY, CalendarDay.Kind.WORKDAY


def test_a_weekday_holiday_is_not_a_working_day():
    """MSL 22 counts the official calendar: Thursday 1 October 2026 (National Day) is off,
    the Friday after it, with no exception, is worked."""
    cal = Calendar({D(2026, 10, 1): HOLIDAY}, years={2026})
    assert not cal.is_working_day(D(2026, 10, 1))
    assert cal.is_working_day(D(2026, 10, 2))


def test_a_make_up_saturday_is_a_working_day():
    """MSL 22: Saturday 10 October 2026 is a make-up working day (调休); the Saturday after
    it is not."""
    cal = Calendar({D(2026, 10, 10): WORKDAY}, years={2026})
    assert cal.is_working_day(D(2026, 10, 10))
    assert not cal.is_working_day(D(2026, 10, 17))


def test_one_date_is_provisional_only_in_a_year_not_loaded(db):
    """The deadline note (MSL 22) for one date: provisional in a year whose schedule is not
    loaded, not in a loaded year, and never for a case with no deadline (None)."""
    CalendarYear.objects.create(year=2026, source="test")
    assert not is_provisional(D(2026, 12, 31))
    assert is_provisional(D(2027, 1, 4))
    assert not is_provisional(None)


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_is_read_once_then_shared(django_assert_num_queries):
    """After a calendar change has committed, the next request rebuilds the snapshot once
    and the ones after it (inside a transaction or not) read no calendar rows: the marker
    of the changing transaction applies to that transaction only."""
    with transaction.atomic():
        CalendarDay.objects.create(date=D(2026, 10, 1), kind=HOLIDAY, name="国庆节")
    assert not Calendar().is_working_day(D(2026, 10, 1))  # rebuilt from the committed rows
    with django_assert_num_queries(0):
        assert not Calendar().is_working_day(D(2026, 10, 1))
    with transaction.atomic(), django_assert_num_queries(0):
        assert not Calendar().is_working_day(D(2026, 10, 1))


def test_the_calendar_version_does_not_expire(db):
    """The version token is kept until the calendar changes: an expiring token would make
    every process rebuild its snapshot on a timer."""
    working_days._new_version()
    token = cache.get(working_days.VERSION_KEY)
    later = time.time() + 365 * 24 * 3600
    with mock.patch("time.time", return_value=later):
        assert cache.get(working_days.VERSION_KEY) == token


def test_a_calendar_change_tells_each_programme_the_new_calendar_and_who(db):
    """MSL 22: when the schedule changes, every programme's receiver gets a fresh snapshot
    (with the change in it), the first changed day, the person who changed it and why, and
    the moved cases they report are added up."""
    user = factories.UserFactory()
    CalendarDay.objects.create(date=D(2027, 1, 1), kind=HOLIDAY, name="元旦")
    seen = {}

    def receiver(sender, **kwargs):
        seen.update(kwargs, sender=sender)
        return 2

    calendar_changed.connect(receiver, weak=False, dispatch_uid="test-mutants")
    try:
        moved = recompute_deadlines(since=D(2027, 1, 1), actor=user, reason="国务院办公厅通知")
    finally:
        calendar_changed.disconnect(dispatch_uid="test-mutants")
    assert moved == 2  # no dibao case moved; the test receiver reports two
    assert seen["sender"] is Calendar
    assert not seen["calendar"].is_working_day(D(2027, 1, 1))
    assert seen["since"] == D(2027, 1, 1)
    assert seen["actor"] == user
    assert seen["reason"] == "国务院办公厅通知"


def test_library_years_are_those_with_holidays_or_make_up_days(monkeypatch):
    """The library's horizon (MSL 22's calendar) is every year it has a holiday *or* a
    make-up working day for: a year with holidays only still counts."""
    import chinese_calendar

    monkeypatch.setattr(chinese_calendar, "holidays", {D(2030, 10, 1): "National Day"})
    monkeypatch.setattr(chinese_calendar, "workdays", {D(2031, 9, 27): "National Day"})
    assert working_days.library_years() == {2030, 2031}


@pytest.mark.skipif(is_postgres(), reason="the refusal is what SQLite gives")
def test_sql_durations_are_refused_outside_postgresql(db):
    """The dashboard's SQL durations need PostgreSQL (``width_bucket`` over an array): on
    another database the query is refused, saying why, never answered with wrong counts."""
    from django.db.models import F
    from django.db.utils import NotSupportedError

    CalendarDay.objects.create(date=D(2026, 10, 1), kind=HOLIDAY)
    query = CalendarDay.objects.annotate(n=Calendar({}).through_sql(F("date")))
    with pytest.raises(
        NotSupportedError, match=r"^WorkingDaysThrough needs PostgreSQL \(width_bucket over an array\)$"
    ):
        list(query)


# --- load_from_library (the chinesecalendar import), on a small library of known days ---------

# 2030: Tuesday 1 and Wednesday 2 October off (the 2nd with no name), Saturday 5 October in
# the library although a weekend needs no row; make-up days Sunday 29 September and Saturday
# 12 October (with no name), and Tuesday 8 October listed as worked although a weekday needs
# no row. 2031:
# New Year's Day (Wednesday) and a make-up Saturday.
LIBRARY_HOLIDAYS = {
    D(2030, 10, 1): "National Day",
    D(2030, 10, 5): "National Day",
    D(2030, 10, 2): None,
    D(2031, 1, 1): "New Year's Day",
}
LIBRARY_WORKDAYS = {
    D(2030, 9, 29): "National Day",
    D(2030, 10, 8): "National Day",
    D(2030, 10, 12): None,
    D(2031, 1, 4): "New Year's Day",
}
YEAR_2030 = range(2030, 2031)


@pytest.fixture
def library(monkeypatch):
    """The holiday library replaced by ``LIBRARY_HOLIDAYS`` / ``LIBRARY_WORKDAYS``, and the
    calendar-change signal recorded (every call's keyword arguments)."""
    import chinese_calendar

    monkeypatch.setattr(chinese_calendar, "holidays", LIBRARY_HOLIDAYS)
    monkeypatch.setattr(chinese_calendar, "workdays", LIBRARY_WORKDAYS)
    calls = []

    def receiver(sender, **kwargs):
        calls.append(kwargs)

    calendar_changed.connect(receiver, weak=False, dispatch_uid="test-library")
    yield calls
    calendar_changed.disconnect(dispatch_uid="test-library")


def _rows():
    return {(d.date, d.kind, d.name, d.source) for d in CalendarDay.objects.all()}


def test_the_library_copies_weekday_holidays_and_weekend_make_up_days_of_the_years_asked(db, library):
    """MSL 22's calendar from the library, for the years asked only: a holiday on a weekday
    and a make-up day on a weekend become rows (kind, the holiday's name or none, source
    "chinesecalendar"); a holiday on a weekend and a "make-up" weekday need none. The count
    returned is the rows created; the year is marked loaded with the library's version."""
    import chinese_calendar

    assert load_from_library(YEAR_2030) == 4
    assert _rows() == {
        (D(2030, 10, 1), HOLIDAY, "National Day", "chinesecalendar"),
        (D(2030, 10, 2), HOLIDAY, "", "chinesecalendar"),
        (D(2030, 9, 29), WORKDAY, "National Day", "chinesecalendar"),
        (D(2030, 10, 12), WORKDAY, "", "chinesecalendar"),
    }
    marked = CalendarYear.objects.get()
    assert (marked.year, marked.source) == (2030, f"chinesecalendar {chinese_calendar.__version__}")


def test_without_years_the_library_is_copied_whole(db, library):
    """``load_holidays`` with no years: every year the library carries is copied and
    marked loaded."""
    assert load_from_library() == 6
    assert {d.date for d in CalendarDay.objects.filter(date__year=2031)} == {D(2031, 1, 1), D(2031, 1, 4)}
    assert set(CalendarYear.objects.values_list("year", flat=True)) == {2030, 2031}


def test_a_library_without_a_version_is_named_alone(db, library, monkeypatch):
    """The loaded year's source names the library and, when it has one, its version."""
    import chinese_calendar

    monkeypatch.delattr(chinese_calendar, "__version__")
    load_from_library(YEAR_2030)
    assert CalendarYear.objects.get().source == "chinesecalendar"


def test_new_rows_recompute_deadlines_from_the_first_new_day(db, library):
    """MSL 22: rows added move the stored deadlines from the earliest day *added* (a row
    already there changed nothing), with who loaded the library and the library as the reason."""
    import chinese_calendar

    user = factories.UserFactory()
    CalendarDay.objects.create(date=D(2030, 9, 29), kind=WORKDAY, name="手工", source="manual")
    assert load_from_library(YEAR_2030, actor=user) == 3
    assert library == [
        {
            "signal": calendar_changed,
            "calendar": library[0]["calendar"],
            "since": D(2030, 10, 1),
            "actor": user,
            "reason": f"chinesecalendar {chinese_calendar.__version__}",
        }
    ]
    assert not library[0]["calendar"].is_working_day(D(2030, 10, 2))


def test_the_first_new_day_may_be_a_make_up_day(db, library):
    """When the holidays were all entered by hand, the recomputation starts at the first
    make-up day added (the earliest of them, whatever order the library lists them in)."""
    for day in (D(2030, 10, 1), D(2030, 10, 2)):
        CalendarDay.objects.create(date=day, kind=HOLIDAY, source="manual")
    assert load_from_library(YEAR_2030) == 2
    assert [call["since"] for call in library] == [D(2030, 9, 29)]


def test_the_earliest_holiday_added_is_the_first_day_whatever_the_order(db, library, monkeypatch):
    """The library's order does not matter: a holiday listed after a later one still starts
    the recomputation, and a make-up day after it does not move the start."""
    import chinese_calendar

    monkeypatch.setattr(chinese_calendar, "holidays", {D(2030, 10, 2): "b", D(2030, 10, 1): "a"})
    monkeypatch.setattr(chinese_calendar, "workdays", {D(2030, 10, 12): "c", D(2030, 9, 29): "d"})
    CalendarDay.objects.create(date=D(2030, 9, 29), kind=WORKDAY, source="manual")
    assert load_from_library(YEAR_2030) == 3
    assert [call["since"] for call in library] == [D(2030, 10, 1)]


def test_nothing_new_recomputes_nothing(db, library):
    """A second load adds no row and marks no year: no deadline is recomputed."""
    load_from_library(YEAR_2030)
    library.clear()
    assert load_from_library(YEAR_2030) == 0
    assert library == []
    assert CalendarYear.objects.count() == 1


def test_marking_a_year_loaded_is_seen_at_once(db, library):
    """A year whose rows were already entered and is now only marked loaded stops being
    provisional at once for the rest of the transaction (MSL 22's note), although no row
    was added and nothing is recomputed."""
    for day in (D(2030, 10, 1), D(2030, 10, 2)):
        CalendarDay.objects.create(date=day, kind=HOLIDAY, source="manual")
    for day in (D(2030, 9, 29), D(2030, 10, 12)):
        CalendarDay.objects.create(date=day, kind=WORKDAY, source="manual")
    connections[working_days._calendar_alias()]._calendar_changed_in = None  # as if committed
    working_days._new_version()
    assert Calendar().is_provisional(D(2030, 10, 1))  # the shared snapshot, now kept
    assert load_from_library(YEAR_2030) == 0
    assert library == []
    assert not Calendar().is_provisional(D(2030, 10, 1))


@requires_postgres
def test_sql_counts_each_date_as_the_snapshot_does(db):
    """The dashboard's SQL count (``through_sql``, PostgreSQL) of each date is the snapshot's
    ``working_days_through``: before, on and after a weekday holiday and a make-up Saturday,
    with no exception at all, and NULL for a case with no date."""
    from django.db.models import DateField, F, Value

    cal = Calendar({D(2026, 10, 1): HOLIDAY, D(2026, 10, 10): WORKDAY}, years={2026})
    days = [D(2026, 9, 30) + datetime.timedelta(days=i) for i in range(14)]
    CalendarDay.objects.bulk_create([CalendarDay(date=day, kind=HOLIDAY) for day in days])
    rows = CalendarDay.objects.annotate(
        n=cal.through_sql(F("date")),
        plain=Calendar({}).through_sql(F("date")),
        none=cal.through_sql(Value(None, output_field=DateField())),
    )
    counted = {row.date: (row.n, row.plain, row.none) for row in rows}
    assert counted == {
        day: (cal.working_days_through(day), Calendar({}).working_days_through(day), None) for day in days
    }
