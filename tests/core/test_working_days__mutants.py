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
from django.db import transaction

from tests import factories
from tests.conftest import is_postgres
from workflows.core import working_days
from workflows.core.models import CalendarDay, CalendarYear
from workflows.core.working_days import Calendar, calendar_changed, is_provisional, recompute_deadlines

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
    another database the query is refused, never answered with wrong counts."""
    from django.db.models import F
    from django.db.utils import NotSupportedError

    CalendarDay.objects.create(date=D(2026, 10, 1), kind=HOLIDAY)
    query = CalendarDay.objects.annotate(n=Calendar({}).through_sql(F("date")))
    with pytest.raises(NotSupportedError):
        list(query)
