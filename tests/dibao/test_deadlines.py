"""Deadlines in working days from acceptance on the official calendar (MSL 22, TK 13)
and overdue alerts for the township approver and the county."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

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
        (False, "tekun", datetime.date(2026, 11, 2)),  # TK 13: 20 working days
    ],
)
def test_due_date_follows_the_holiday_calendar(
    region, case_worker_a, fixed_calendar, fake_finance_check, delegated, programme, expected
):
    """A case accepted just before National Day gets the due date the calendar gives:
    20 working days under delegation, 30 otherwise (MSL 22), 20 for 特困 (TK 13)."""
    process = file_case(case_worker_a, region.village_a, programme=programme)
    process = accept_on(process, case_worker_a, ACCEPTED, delegated=delegated)
    assert process.accepted_on == ACCEPTED
    assert process.due_on == expected


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
