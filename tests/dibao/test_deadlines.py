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


# --- stage deadlines: MSL 15 (investigation), MSL 17 (data check), MSL 21 (refusal letter) ---
def _alerts(process, kind):
    return list(OverdueAlert.objects.filter(process=process, kind=kind).values_list("due_on", "working_days_overdue"))


def test_msl_15_investigation_starts_within_3_working_days_of_acceptance(
    region, case_worker_a, approver_a, fixed_calendar, fake_finance_check, client_for
):
    """MSL 15: the township starts investigating within 3 working days of acceptance; requesting
    the data check (the acceptance's next step) starts it. The deadline is on the case pages;
    a case whose investigation was not started raises one overdue alert once it passes."""
    process = accept_on(file_case(case_worker_a, region.village_a), case_worker_a, ACCEPTED, delegated=True)
    assert process.investigation_due_on == datetime.date(2026, 10, 9)  # Sep 30, Oct 8, Oct 9
    assert process.investigation_started_on == ACCEPTED  # the check request
    assert services.overdue_alerts_raise(today=datetime.date(2026, 10, 12)) == 0
    page = client_for(case_worker_a).get(reverse("dibao:open_cases")).content.decode()
    assert "启动家庭经济状况调查期限（MSL 15）" in page and "2026-10-09" in page

    # a case whose investigation never started (no request, no visit)
    DibaoProcess.objects.filter(pk=process.pk).update(investigation_started_on=None)
    assert services.overdue_alerts_raise(today=datetime.date(2026, 10, 9)) == 0  # due today: not yet late
    assert services.overdue_alerts_raise(today=datetime.date(2026, 10, 12)) == 1
    assert _alerts(process, "investigation") == [(datetime.date(2026, 10, 9), 2)]  # Oct 10 (Sat) is worked
    assert services.overdue_alerts_raise(today=datetime.date(2026, 10, 13)) == 0  # once
    page = client_for(approver_a).get(reverse("dibao:overdue")).content.decode()
    assert process.case_number in page and "启动家庭经济状况调查期限（MSL 15）" in page


def test_msl_15_a_home_visit_also_starts_the_investigation(
    region, case_worker_a, case_worker_a2, fixed_calendar, fake_finance_check
):
    """MSL 15: a home visit is a way of starting the investigation when nothing started it before."""
    from .conftest import home_visit

    process = accept_on(file_case(case_worker_a, region.village_a), case_worker_a, ACCEPTED, delegated=True)
    DibaoProcess.objects.filter(pk=process.pk).update(investigation_started_on=None)
    process = fake_finance_check.finish(DibaoProcess.objects.get(pk=process.pk))
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    assert process.investigation_started_on == datetime.date.today()


def test_msl_17_county_starts_the_data_check_within_3_working_days_of_the_request(
    region, case_worker_a, fixed_calendar, fake_finance_check, monkeypatch
):
    """MSL 17: the county starts the data check within 3 working days of the township's request.
    A check whose queries have not run by then raises one alert (MSL 17); one started in time
    raises none; a late start is recorded and stays one alert."""
    started = {"on": None}
    monkeypatch.setattr(services, "_finance_check_started_on", lambda process: started["on"])
    late = accept_on(file_case(case_worker_a, region.village_a), case_worker_a, ACCEPTED, delegated=True)
    assert (late.check_requested_on, late.check_due_on) == (ACCEPTED, datetime.date(2026, 10, 9))
    assert late.check_started_on is None
    assert selectors.stage_deadlines_of(late, today=datetime.date(2026, 10, 8))[1].working_days_left == 1
    assert services.overdue_alerts_raise(today=datetime.date(2026, 10, 9)) == 0
    assert services.overdue_alerts_raise(today=datetime.date(2026, 10, 12)) == 1
    assert _alerts(late, "data_check") == [(datetime.date(2026, 10, 9), 2)]  # Oct 10 (Sat) is worked
    started["on"] = datetime.date(2026, 10, 13)  # the queries finally ran
    assert services.overdue_alerts_raise(today=datetime.date(2026, 10, 14)) == 0
    late.refresh_from_db()
    assert late.check_started_on == datetime.date(2026, 10, 13)
    assert _alerts(late, "data_check") == [(datetime.date(2026, 10, 9), 2)]  # Oct 10 (Sat) is worked

    started["on"] = datetime.date(2026, 10, 8)  # in time
    on_time = accept_on(file_case(case_worker_a, region.village_a), case_worker_a, ACCEPTED, delegated=True)
    assert services.overdue_alerts_raise(today=datetime.date(2026, 10, 12)) == 0
    on_time.refresh_from_db()
    assert on_time.check_started_on == datetime.date(2026, 10, 8)
    assert _alerts(on_time, "data_check") == []


def test_msl_17_the_real_check_records_its_start_on_the_case(region, case_worker_a, finance_check):
    """MSL 17: with the real check (sandbox registries) the first query's day is the county's
    start, recorded on the case when the check finishes; no alert."""
    from .conftest import accept

    process = finance_check.finish(accept(file_case(case_worker_a, region.village_a), case_worker_a))
    today = timezone.localdate()
    assert process.check_requested_on == today and process.check_started_on == today
    assert services.overdue_alerts_raise(today=today + datetime.timedelta(days=30)) == 1  # only the decision
    assert OverdueAlert.objects.get().kind == "decision"


def test_msl_21_refusal_letter_not_issued_within_3_working_days_raises_an_alert(
    region, case_worker_a, case_worker_a2, approver_a, approver_a2, fake_finance_check, monkeypatch
):
    """MSL 21: the written refusal is due within 3 working days of the decision; a refusal whose
    letter was not issued by then raises one alert (the decision deadline no longer counts)."""
    from workflows.core.working_days import Calendar

    from .conftest import accept, home_visit, propose, sign_all

    process = fake_finance_check.finish(accept(file_case(case_worker_a, region.village_a), case_worker_a),
                                        outcome="not_eligible", per_capita_income="900.00")  # fmt: skip
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = propose(process, case_worker_a, approve=False)
    issue = services.dibao_issue_refusal
    monkeypatch.setattr(services, "dibao_issue_refusal", lambda process: process)  # the letter is not issued
    process = sign_all(process, case_worker_a, approver_a, approver_a2, approve=False, reasons=["收入高于标准"])
    assert process.decision == "refused" and process.letter_issued_on is None
    due = process.letter_due_on
    assert due == Calendar().add_working_days(process.decided_on, 3)
    assert services.overdue_alerts_raise(today=due) == 0
    after = Calendar().add_working_days(due, 1)
    assert services.overdue_alerts_raise(today=after) == 1
    assert _alerts(process, "refusal_letter") == [(due, 1)]
    assert _alerts(process, "decision") == []
    # issued late: still the one alert, and the case is off the watch list
    monkeypatch.setattr(services, "_today", lambda: after)
    issue(process=DibaoProcess.objects.get(pk=process.pk))
    assert services.overdue_alerts_raise(today=Calendar().add_working_days(after, 5)) == 0
    assert OverdueAlert.objects.filter(process=process).count() == 1


def test_msl_21_a_letter_issued_in_time_raises_no_alert(
    region, case_worker_a, case_worker_a2, approver_a, approver_a2, fake_finance_check
):
    """MSL 21: the refusal letter issued with the decision raises no alert, however late the job runs."""
    from .conftest import accept, home_visit, propose, sign_all

    process = fake_finance_check.finish(accept(file_case(case_worker_a, region.village_a), case_worker_a),
                                        outcome="not_eligible", per_capita_income="900.00")  # fmt: skip
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = propose(process, case_worker_a, approve=False)
    process = sign_all(process, case_worker_a, approver_a, approver_a2, approve=False, reasons=["收入高于标准"])
    assert process.letter_issued_on is not None
    assert services.overdue_alerts_raise(today=process.letter_due_on + datetime.timedelta(days=60)) == 0
