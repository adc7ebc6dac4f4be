"""The calendar horizon (issue 15 item 5; domain.md §5, MSL 22): a deadline that ends in a
year whose official schedule is not loaded is provisional, the county dashboard and the
admin warn from 1 November, and entering the schedule moves the stored deadlines with a
case-history event saying why."""

from __future__ import annotations

import datetime

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from tests import factories
from tests.dibao.conftest import do, file_case
from workflows.core.models import AuditEvent, CalendarDay, CalendarYear
from workflows.core.working_days import Calendar, load_from_library, missing_schedule_year
from workflows.dibao import selectors, services
from workflows.dibao.models import DibaoProcess
from workflows.history.selectors import action_label
from workflows.portal.selectors import public_status

D = datetime.date
ACCEPTED = D(2026, 12, 10)  # a Thursday in December 2026
WEEKENDS_ONLY_DUE = D(2027, 2, 11)  # 45 working days counted with weekends only
OFFICIAL_DUE = D(2027, 2, 12)  # one day later once 1 January 2027 is a holiday
DECEMBER = D(2026, 12, 15)


@pytest.fixture
def loaded_2026(fixed_calendar):
    CalendarYear.objects.create(year=2026, source="test")
    return fixed_calendar


@pytest.fixture
def december(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: DECEMBER)
    return DECEMBER


@pytest.fixture
def superuser(db):
    return factories.UserFactory(username="sysadmin", is_staff=True, is_superuser=True)


def extended_case(region, case_worker_a):
    process = file_case(case_worker_a, region.village_a)
    process = do(process, "accept", case_worker_a, services.dibao_accept, missing=[], on=ACCEPTED, delegated=True)
    services.dibao_extend(process=process, reason="household_split", actor=case_worker_a)
    return DibaoProcess.objects.get(pk=process.pk)


def test_provisional_years_and_warning_date(loaded_2026):
    """A date is provisional when its year's schedule is not loaded; the warning about next
    year's missing schedule starts on 1 November, not on 31 October, and stops once loaded."""
    cal = Calendar()
    assert not cal.is_provisional(D(2026, 12, 31))
    assert cal.is_provisional(D(2027, 1, 4))
    assert not cal.is_provisional(None)
    assert missing_schedule_year(D(2026, 10, 31)) is None
    assert missing_schedule_year(D(2026, 11, 1)) == 2027
    CalendarYear.objects.create(year=2027, source="manual")
    assert missing_schedule_year(D(2026, 11, 1)) is None


def test_extension_in_december_is_provisional_until_the_schedule_is_entered(
    region, case_worker_a, county_officer, superuser, loaded_2026, december, client_for
):
    """MSL 22, acceptance of issue 15 item 5: with no 2027 schedule, a 45-working-day
    extension granted in December 2026 is shown as provisional on the case, the applicant's
    status page and in the data, and the county dashboard and the admin warn; after the
    administrator enters the official schedule (1 January 2027 a holiday) the due date moves
    one working day and the case history says why."""
    process = extended_case(region, case_worker_a)
    assert process.extended_due_on == WEEKENDS_ONLY_DUE
    deadline = selectors.deadline_of(process)
    assert deadline.provisional and deadline.due_on == WEEKENDS_ONLY_DUE
    assert public_status(process).due_provisional

    note = "暂定：2027年节假日安排尚未公布"
    worker = client_for(case_worker_a)
    assert note in worker.get(reverse("workspace:case", args=[process.pk])).content.decode()
    county_page = client_for(county_officer).get(reverse("workspace:county", args=[region.county.pk]))
    assert "2027年的国务院节假日安排尚未录入" in county_page.content.decode()
    admin = client_for(superuser)
    assert "2027年的国务院节假日安排尚未录入" in admin.get("/admin/").content.decode()

    response = admin.post(
        reverse("admin:core_calendarday_add"),
        {"date": "2027-01-01", "kind": CalendarDay.Kind.HOLIDAY, "name": "元旦", "source": "国务院办公厅通知"},
    )
    assert response.status_code == 302
    response = admin.post(reverse("admin:core_calendaryear_add"), {"year": "2027", "source": "国务院办公厅通知"})
    assert response.status_code == 302

    process = DibaoProcess.objects.get(pk=process.pk)
    assert process.extended_due_on == OFFICIAL_DUE
    assert not selectors.deadline_of(process).provisional
    event = AuditEvent.objects.filter(process_id=process.pk, action="dibao.deadline_recomputed").get()
    assert event.changes["extended_due_on"] == [str(WEEKENDS_ONLY_DUE), str(OFFICIAL_DUE)]
    assert "元旦" in event.data["reason"]
    assert action_label(event.action) == "节假日安排调整，重新计算办理期限"
    assert note not in worker.get(reverse("workspace:case", args=[process.pk])).content.decode()
    assert "尚未录入" not in admin.get("/admin/").content.decode()


def test_a_case_the_change_does_not_touch_gets_no_event(region, case_worker_a, superuser, loaded_2026, client_for):
    """Only cases whose deadline moved get a history event: a holiday in 2028 moves nothing."""
    process = extended_case(region, case_worker_a)
    client_for(superuser).post(
        reverse("admin:core_calendarday_add"), {"date": "2028-01-03", "kind": CalendarDay.Kind.HOLIDAY, "name": "x"}
    )
    assert not AuditEvent.objects.filter(process_id=process.pk, action="dibao.deadline_recomputed").exists()
    assert DibaoProcess.objects.get(pk=process.pk).extended_due_on == WEEKENDS_ONLY_DUE


def test_deleting_a_holiday_moves_the_deadline_back(region, case_worker_a, superuser, loaded_2026, client_for):
    """Removing a wrongly entered holiday in the admin also recomputes, and is audited."""
    day = CalendarDay.objects.create(date=D(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
    process = extended_case(region, case_worker_a)
    assert process.extended_due_on == OFFICIAL_DUE
    response = client_for(superuser).post(reverse("admin:core_calendarday_delete", args=[day.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert DibaoProcess.objects.get(pk=process.pk).extended_due_on == WEEKENDS_ONLY_DUE
    assert AuditEvent.objects.filter(action="calendar.delete", target_id=str(day.pk)).exists()


def test_staff_without_admin_rights_cannot_change_the_calendar(region, case_worker_a, loaded_2026, client_for):
    """A case worker cannot reach the calendar admin (redirect to the admin login), and nothing moves."""
    response = client_for(case_worker_a).post(
        reverse("admin:core_calendarday_add"), {"date": "2027-01-01", "kind": CalendarDay.Kind.HOLIDAY}
    )
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not CalendarDay.objects.filter(date=D(2027, 1, 1)).exists()


def test_library_load_marks_its_years_and_recomputes(region, case_worker_a, db):
    """load_holidays marks every year the holiday library carries as loaded and, when it
    adds rows, recomputes the stored deadlines (a case accepted before the load moves)."""
    CalendarDay.objects.all().delete()
    process = file_case(case_worker_a, region.village_a)
    process = do(process, "accept", case_worker_a, services.dibao_accept, missing=[], on=D(2026, 9, 29), delegated=True)
    assert process.due_on == D(2026, 10, 27)  # 20 working days, weekends only
    assert load_from_library(years=range(2026, 2027)) > 0
    assert set(CalendarYear.objects.values_list("year", flat=True)) == {2026}
    process = DibaoProcess.objects.get(pk=process.pk)
    assert process.due_on == D(2026, 11, 2)  # National Day and the make-up Saturday counted
    assert AuditEvent.objects.filter(process_id=process.pk, action="dibao.deadline_recomputed").count() == 1


def test_deadline_include_renders_the_provisional_note():
    """The one deadline include: the date, and the note only when provisional."""
    html = render_to_string("core/_deadline.html", {"due": D(2027, 1, 12), "provisional": True})
    assert "2027年1月12日" in html and "（暂定：2027年节假日安排尚未公布）" in html
    assert "暂定" not in render_to_string("core/_deadline.html", {"due": D(2026, 1, 12), "provisional": False})
    assert render_to_string("core/_deadline.html", {"due": None}).strip() == "-"


def test_inbox_rows_mark_provisional_deadlines(region, case_worker_a, loaded_2026, client_for):
    """The workspace inbox shows a deadline in an unloaded year with the provisional note,
    and one in a loaded year without it (MSL 22)."""
    from viewflow.workflow.status import STATUS

    from tests.workspace.conftest import make_case, make_tasks
    from workflows.dibao.flows import DibaoFlow

    late = make_case(region.village_a, name="跨年户", accepted_on=ACCEPTED, due_on=D(2027, 1, 12))
    early = make_case(region.village_a, name="年内户", accepted_on=D(2026, 11, 2), due_on=D(2026, 12, 1))
    for process in (late, early):
        make_tasks(process, DibaoFlow.accept, 1, status=STATUS.ASSIGNED, owner=case_worker_a)
    html = client_for(case_worker_a).get(reverse("workspace:inbox")).content.decode()
    note = '<span class="deadline-provisional">（暂定：2027年节假日安排尚未公布）</span>'
    assert "2027-01-12" + note in html
    assert "2026-12-01<span" not in html and "2026-12-01" in html
    assert html.count("（暂定") == 1


def test_applicant_status_page_marks_the_deadline_provisional(
    client, region, case_worker_a, loaded_2026, december, settings, tmp_path
):
    """MSL 22: the applicant's status page shows the extended deadline in 2027 with the
    provisional note while 2027 is not loaded, and without it once it is."""
    from django.core.cache import cache

    from tests.portal.conftest import APPLICANT_ID, application
    from workflows.portal.services import application_submit_online

    cache.clear()  # fresh lookup throttle
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PORTAL_SMS_BACKEND = "tests.portal.conftest.CapturingSms"
    online = application_submit_online(programme="dibao", application=application(region.village_a), language="zh-hans")
    process = DibaoProcess.objects.get(pk=online.pk)
    process = do(process, "accept", case_worker_a, services.dibao_accept, missing=[], on=ACCEPTED, delegated=True)
    services.dibao_extend(process=process, reason="household_split", actor=case_worker_a)
    lookup = client.post(
        "/portal/status/", {"case_number": process.case_number, "id_last6": APPLICANT_ID[-6:], "otp": ""}
    )
    assert lookup.status_code == 302
    page = client.get(lookup["Location"]).content.decode()
    assert "2027年2月11日" in page and "（暂定：2027年节假日安排尚未公布）" in page
    CalendarYear.objects.create(year=2027, source="manual")
    page = client.get(lookup["Location"]).content.decode()
    assert "2027年2月11日" in page and "暂定" not in page


def test_moving_a_holiday_past_the_deadline_recomputes_from_its_old_date(
    region, case_worker_a, superuser, loaded_2026, client_for
):
    """Editing a holiday's date in the admin recomputes from the earlier of the old and the
    new date: moving 1 February 2027 to 1 March gives the day back to a case due in February."""
    day = CalendarDay.objects.create(date=D(2027, 2, 1), kind=CalendarDay.Kind.HOLIDAY, name="误录")
    process = extended_case(region, case_worker_a)
    assert process.extended_due_on == OFFICIAL_DUE  # 11 Feb + the 1 Feb holiday
    response = client_for(superuser).post(
        reverse("admin:core_calendarday_change", args=[day.pk]),
        {"date": "2027-03-01", "kind": CalendarDay.Kind.HOLIDAY, "name": "更正", "source": ""},
    )
    assert response.status_code == 302
    assert DibaoProcess.objects.get(pk=process.pk).extended_due_on == WEEKENDS_ONLY_DUE


def test_load_holidays_command_reports_the_library_horizon(db):
    """manage.py load_holidays says how many rows it added and which years are loaded."""
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("load_holidays", stdout=out)
    text = out.getvalue()
    assert "calendar rows created: " in text and "library carries 2004-" in text
    assert f"last loaded year: {max(CalendarYear.objects.values_list('year', flat=True))}" in text
