"""Working days follow the official calendar (domain.md §5; MSL 15, 22)."""

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import requires_postgres
from workflows.core import working_days
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


# --- the constant-time snapshot against the day-by-day definition (issue 19 item 5) ---


def _reference_is_working(exceptions, day):
    kind = exceptions.get(day)
    if kind == CalendarDay.Kind.HOLIDAY:
        return False
    if kind == CalendarDay.Kind.WORKDAY:
        return True
    return day.weekday() < 5


def _reference_add(exceptions, start, days):
    """The former day-by-day loop, kept as the definition."""
    current, remaining = start, days
    while remaining:
        current += datetime.timedelta(days=1)
        if _reference_is_working(exceptions, current):
            remaining -= 1
    return current


def _reference_between(exceptions, start, end):
    if end < start:
        return -_reference_between(exceptions, end, start)
    count, current = 0, start
    while current < end:
        current += datetime.timedelta(days=1)
        if _reference_is_working(exceptions, current):
            count += 1
    return count


def _library_exceptions():
    """The real 2024-2026 State Council schedule from chinesecalendar, plus redundant rows
    (a holiday on a weekend, a make-up day on a weekday) that must change nothing."""
    import chinese_calendar

    exceptions = {}
    for day in chinese_calendar.holidays:
        if 2024 <= day.year <= 2026:
            exceptions[day] = CalendarDay.Kind.HOLIDAY
    for day in chinese_calendar.workdays:
        if 2024 <= day.year <= 2026 and day.weekday() >= 5:
            exceptions[day] = CalendarDay.Kind.WORKDAY
    return exceptions


LIBRARY = _library_exceptions()
EDGES = (D(2024, 1, 1), D(2026, 12, 31))
dates = st.dates(min_value=D(2022, 6, 1), max_value=D(2028, 6, 30))
random_exceptions = st.dictionaries(
    st.dates(min_value=D(2025, 12, 1), max_value=D(2026, 3, 31)),
    st.sampled_from([CalendarDay.Kind.HOLIDAY, CalendarDay.Kind.WORKDAY]),
    max_size=40,
)


@settings(max_examples=400, deadline=None)
@given(start=dates, end=dates)
def test_between_matches_day_by_day_on_the_real_calendar(start, end):
    """MSL 22: the snapshot counts exactly the working days the day-by-day loop counts,
    for ranges inside, across and beyond the loaded years (2024-2026)."""
    assert Calendar(LIBRARY).working_days_between(start, end) == _reference_between(LIBRARY, start, end)


@settings(max_examples=400, deadline=None)
@given(start=dates, days=st.integers(min_value=0, max_value=400))
def test_add_matches_day_by_day_on_the_real_calendar(start, days):
    """MSL 22: the N-th working day after a date is the same as the day-by-day loop's,
    including deadlines that cross New Year and the calendar's last loaded day."""
    assert Calendar(LIBRARY).add_working_days(start, days) == _reference_add(LIBRARY, start, days)


@settings(max_examples=300, deadline=None)
@given(
    exceptions=random_exceptions,
    start=st.dates(min_value=D(2025, 11, 1), max_value=D(2026, 4, 30)),
    days=st.integers(0, 80),
)
def test_random_calendars_match_day_by_day(exceptions, start, days):
    """Any mix of holidays and make-up days (long holiday runs, redundant rows): adding N
    working days and counting them back agree with the loop and with each other."""
    cal = Calendar(exceptions)
    due = cal.add_working_days(start, days)
    assert due == _reference_add(exceptions, start, days)
    assert cal.working_days_between(start, due) == days
    assert cal.working_days_between(due, start) == _reference_between(exceptions, due, start)


@pytest.mark.parametrize("edge", EDGES)
def test_calendar_edges(edge):
    """The first and last loaded day and their neighbours count as the loop counts them."""
    cal = Calendar(LIBRARY)
    for delta in range(-3, 4):
        day = edge + datetime.timedelta(days=delta)
        for days in (0, 1, 2, 10, 45):
            assert cal.add_working_days(day, days) == _reference_add(LIBRARY, day, days)
        assert cal.working_days_between(day, edge) == _reference_between(LIBRARY, day, edge)


def test_long_holiday_run_pushes_the_search_bound():
    """A month of holidays right after the start still lands on the right working day."""
    exceptions = {D(2026, 3, 2) + datetime.timedelta(days=i): CalendarDay.Kind.HOLIDAY for i in range(60)}
    cal = Calendar(exceptions)
    assert cal.add_working_days(D(2026, 2, 27), 1) == _reference_add(exceptions, D(2026, 2, 27), 1) == D(2026, 5, 1)


# --- the stored calendar: one snapshot per calendar version (issue 19 item 5) ---------


def _as_committed():
    """As if the rows written so far had been committed by another process: this
    transaction no longer counts as changing the calendar, and the version is new."""
    connection = working_days.connections[working_days._calendar_alias()]
    connection._calendar_changed_in = None
    working_days._new_version()


def test_stored_calendar_is_read_once_per_version(fixed_calendar, django_assert_num_queries):
    """MSL 22 deadlines on every page: after the first snapshot of a calendar version,
    ``Calendar()`` reads nothing more from the database."""
    _as_committed()
    Calendar()
    with django_assert_num_queries(0):
        assert Calendar().add_working_days(D(2026, 9, 29), 3) == D(2026, 10, 9)


def test_a_change_in_this_transaction_is_seen_at_once(fixed_calendar):
    """A holiday saved in the current transaction (the admin form, before its deadline
    recomputation runs) counts immediately, although other processes see it only after commit."""
    assert Calendar().add_working_days(D(2026, 10, 8), 1) == D(2026, 10, 9)
    CalendarDay.objects.create(date=D(2026, 10, 9), kind=CalendarDay.Kind.HOLIDAY, name="补充")
    assert Calendar().add_working_days(D(2026, 10, 8), 1) == D(2026, 10, 10)


def test_a_committed_change_elsewhere_replaces_the_snapshot(fixed_calendar):
    """Another process committed a change (new version token): the next ``Calendar()`` is
    rebuilt from the rows. Without a new token a row written behind the model's back
    (``bulk_create``, no signal) is not seen - the contract ``calendar_tables_changed`` states."""
    _as_committed()
    assert Calendar().add_working_days(D(2026, 10, 8), 1) == D(2026, 10, 9)
    CalendarDay.objects.bulk_create([CalendarDay(date=D(2026, 10, 9), kind=CalendarDay.Kind.HOLIDAY)])
    assert Calendar().add_working_days(D(2026, 10, 8), 1) == D(2026, 10, 9)  # same version: cached
    working_days.cache.set(working_days.VERSION_KEY, "committed-elsewhere")
    assert Calendar().add_working_days(D(2026, 10, 8), 1) == D(2026, 10, 10)


def test_commit_of_a_change_issues_a_new_version(db, django_capture_on_commit_callbacks):
    """Saving or deleting a calendar row replaces the version token when the transaction
    commits (not before: other processes must not rebuild from uncommitted rows)."""
    before = working_days.calendar_version()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        day = CalendarDay.objects.create(date=D(2027, 5, 3), kind=CalendarDay.Kind.HOLIDAY)
    assert working_days.calendar_version() == before
    for callback in callbacks:
        callback()
    after = working_days.calendar_version()
    assert after != before
    with django_capture_on_commit_callbacks(execute=True):
        day.delete()
    assert working_days.calendar_version() not in (before, after)


@requires_postgres
def test_sql_working_days_match_the_loop_over_random_dates(db):
    """The dashboard's SQL durations (``Calendar.through_sql``) count exactly what the
    day-by-day loop counts, for random date pairs over 2022-2028 on the real 2024-2026
    schedule (holidays, make-up days, redundant rows, years without a schedule)."""
    import random

    from django.db.models import F

    rng = random.Random(19)
    first, span = D(2022, 6, 1).toordinal(), D(2028, 6, 30).toordinal() - D(2022, 6, 1).toordinal()
    days = sorted({D.fromordinal(first + rng.randrange(span)) for _ in range(400)})
    # The rows only carry dates into SQL; the calendar compared is the hand-built one.
    CalendarDay.objects.bulk_create([CalendarDay(date=day, kind=CalendarDay.Kind.HOLIDAY) for day in days])
    cal = Calendar(LIBRARY)
    through = dict(CalendarDay.objects.values_list("date").annotate(n=cal.through_sql(F("date"))))
    assert set(through) == set(days)
    for _ in range(2000):
        start, end = rng.choice(days), rng.choice(days)
        assert through[end] - through[start] == _reference_between(LIBRARY, start, end)
    # and with no exceptions at all (the sentinel keeps the array non-empty)
    plain = dict(CalendarDay.objects.values_list("date").annotate(n=Calendar({}).through_sql(F("date"))))
    assert plain[days[-1]] - plain[days[0]] == _reference_between({}, days[0], days[-1])
