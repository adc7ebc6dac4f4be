"""Deadlines in working days from acceptance on the official calendar (MSL 22, TK 13)
and overdue alerts for the township approver and the county."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from workflows.dibao import selectors, services
from workflows.dibao.models import DibaoProcess, OverdueAlert

from .conftest import do, file_case

ACCEPTED = datetime.date(2026, 9, 29)  # the Tuesday before National Day 2026


def accept_on(process, user, day, **kw):
    return do(process, "accept", user, services.dibao_accept, missing=[], on=day, **kw)


@pytest.mark.parametrize(
    ("delegated", "programme", "expected"),
    [
        # Sep 30 is day 1; Oct 1-7 are off; Oct 10 (Sat) is a make-up working day.
        (True, "dibao", datetime.date(2026, 11, 2)),
        (False, "dibao", datetime.date(2026, 11, 16)),
        (False, "tekun", datetime.date(2026, 10, 26)),  # TK 13: opinion within 15 working days
    ],
)
def test_due_date_follows_the_holiday_calendar(
    region, case_worker_a, fixed_calendar, fake_finance_check, delegated, programme, expected
):
    """A case accepted just before National Day gets the due date the calendar gives:
    20 working days under delegation, 30 otherwise (MSL 22); for 特困 the preliminary
    opinion is due 15 working days after acceptance (TK 13)."""
    process = file_case(case_worker_a, region.village_a, programme=programme)
    process = accept_on(process, case_worker_a, ACCEPTED, delegated=delegated)
    assert process.accepted_on == ACCEPTED
    assert process.due_on == expected


def test_tekun_stage_deadlines_tk_13_15_16(
    region, case_worker_a, case_worker_a2, fixed_calendar, fake_finance_check, monkeypatch
):
    """特困 (《特困人员认定办法》): the opinion is due 15 working days after acceptance (TK 13);
    once the 7-day notice is posted the decision is due 10 working days after it ends
    (TK 16); an objection makes a new opinion due 15 working days after the notice ends
    (TK 15), without the dibao 45-day extension. Dates on the fixed National Day calendar."""
    from .conftest import clock, home_visit, propose

    # "now" is Monday 2026-10-12 10:00 local: the notice runs to Monday 2026-10-19.
    target = timezone.make_aware(datetime.datetime(2026, 10, 12, 10, 0))
    with clock(monkeypatch, target - timezone.now()):
        process = accept_on(file_case(case_worker_a, region.village_a, programme="tekun"), case_worker_a, ACCEPTED,
                            delegated=False)  # fmt: skip
        assert process.due_on == datetime.date(2026, 10, 26)  # Sep 30, Oct 8-10, 12-16, 19-23, 26
        process = fake_finance_check.finish(process, per_capita_income="0.00")
        process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2, tekun_confirmed=True)
        process = propose(process, case_worker_a)
        assert timezone.localtime(process.current_notice.ends_at).date() == datetime.date(2026, 10, 19)
        assert process.due_on == datetime.date(2026, 11, 2)  # TK 16: Oct 20-23, 26-30, Nov 2
        services.objection_record(notice=process.current_notice, content="有亲属赡养", anonymous=True)
        process = DibaoProcess.objects.get(pk=process.pk)
    assert process.due_on == datetime.date(2026, 11, 9)  # TK 15: + Nov 3-6, 9
    assert process.extension_reason == "" and process.extended_due_on is None
    assert process.effective_due_on == datetime.date(2026, 11, 9)


def test_dibao_deadline_does_not_move_with_the_notice(
    region, case_worker_a, case_worker_a2, fixed_calendar, fake_finance_check
):
    """The dibao deadline is counted from acceptance only (MSL 22): posting the notice
    leaves it where acceptance put it."""
    from .conftest import home_visit, propose

    process = accept_on(file_case(case_worker_a, region.village_a), case_worker_a, ACCEPTED, delegated=True)
    process = fake_finance_check.finish(process)
    process = propose(home_visit(process, case_worker_a, case_worker_a, case_worker_a2), case_worker_a)
    assert process.notice_round == 1
    assert process.due_on == datetime.date(2026, 11, 2)


def test_extension_to_45_days_only_for_enumerated_reason(region, case_worker_a, fixed_calendar, fake_finance_check):
    """Extension to 45 working days needs one of the enumerated reasons (MSL 22, N22 4(1))."""
    process = accept_on(file_case(case_worker_a, region.village_a), case_worker_a, ACCEPTED, delegated=True)
    with pytest.raises(ValidationError) as exc:
        services.dibao_extend(process=process, reason="too_busy", actor=case_worker_a)
    assert services.ERR_EXTENSION_REASON in exc.value.messages
    services.dibao_extend(process=process, reason="household_split", actor=case_worker_a)
    process = DibaoProcess.objects.get(pk=process.pk)
    assert process.extended_due_on == datetime.date(2026, 12, 7)
    assert process.effective_due_on == datetime.date(2026, 12, 7)


def test_days_left_and_overdue_alerts(
    region, case_worker_a, approver_a, approver_b, county_officer, fixed_calendar, fake_finance_check, client_for
):
    """Every open case shows its due date and working days left; once overdue, one
    alert is raised (idempotently) and shown to the township approver and the county,
    not to another township's approver."""
    process = accept_on(file_case(case_worker_a, region.village_a), case_worker_a, ACCEPTED, delegated=True)
    deadline = selectors.deadline_of(process, today=datetime.date(2026, 10, 30))
    assert (deadline.due_on, deadline.working_days_left, deadline.overdue) == (datetime.date(2026, 11, 2), 1, False)
    assert services.overdue_alerts_raise(today=datetime.date(2026, 11, 2)) == 0
    assert services.overdue_alerts_raise(today=datetime.date(2026, 11, 4)) == 1
    assert services.overdue_alerts_raise(today=datetime.date(2026, 11, 5)) == 0
    alert = OverdueAlert.objects.get()
    assert alert.working_days_overdue == 2 and alert.township == region.township_a
    for user, visible in ((approver_a, True), (county_officer, True), (approver_b, False)):
        response = client_for(user).get(reverse("dibao:overdue"))
        assert response.status_code == 200
        assert (process.case_number in response.content.decode()) is visible
    assert client_for(case_worker_a).get(reverse("dibao:overdue")).status_code == 403
    page = client_for(case_worker_a).get(reverse("dibao:open_cases")).content.decode()
    assert process.case_number in page
    assert "2026-11-02" in page or "2026年11月2日" in page


def test_alert_task_runs_the_service(region, case_worker_a, fixed_calendar, fake_finance_check, monkeypatch):
    """The periodic Celery task raises the alerts (no logic of its own)."""
    from workflows.dibao import tasks

    accept_on(file_case(case_worker_a, region.village_a), case_worker_a, ACCEPTED, delegated=True)
    monkeypatch.setattr(services, "_today", lambda: datetime.date(2026, 12, 1))
    assert tasks.alert_overdue_cases() == 1
