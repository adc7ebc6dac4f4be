"""Assist first (先行救助): pay the same day, complete paperwork within N working days, escalate when late.

TA18 2(2), ZB20 15; domain.md §6.
"""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from viewflow.workflow.timers import fire_due_timers

from tests.temporary_assistance.helpers import do, file_case, node_names, paperwork_waived
from workflows.core.driving import open_tasks
from workflows.core.models import AuditEvent
from workflows.funds.services import fund_allocate
from workflows.temporary_assistance import services
from workflows.temporary_assistance.flows import TemporaryAssistanceFlow as F
from workflows.temporary_assistance.models import TemporaryAssistanceProcess
from workflows.temporary_assistance.selectors import pending_assist_first

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def on_sep_30(monkeypatch):
    """Pin "now" to 2026-09-30 10:00 Asia/Shanghai (the day before National Day) and return a setter."""
    state = {"now": datetime.datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)}
    monkeypatch.setattr(timezone, "now", lambda: state["now"])

    def move_to(moment):
        state["now"] = moment

    return move_to


@pytest.fixture
def fund_2026(region, county_officer, on_sep_30):
    return fund_allocate(
        township=region.township_a, budget_year=2026, amount="5000", reason="年度拨付", actor=county_officer
    ).fund


def assist_first_case(case_worker_a, approver_a, household_a, amount="1200"):
    process = file_case(
        case_worker_a, household_a, assist_first=True, requested_amount=Decimal(amount),
        event_date=datetime.date(2026, 9, 29),
    )  # fmt: skip
    do(process, F.assist_first_pay, approver_a, services.case_assist_first_pay, amount=amount)
    return TemporaryAssistanceProcess.objects.get(pk=process.pk)


def test_assist_first_pays_same_day_skipping_check(
    region, fixed_calendar, case_worker_a, approver_a, household_a, fund_2026
):
    """ZB20 15: an emergency is paid at once from the fund with no check, appraisal or notice; paperwork is
    due 5 working days later on the official calendar (Sep 30 + 5 working days over National Day = Oct 13)."""
    process = assist_first_case(case_worker_a, approver_a, household_a)
    assert node_names(process) == ["start", "is_assist_first", "assist_first_pay", "complete_paperwork",
                                   "complete_paperwork__timeout"]  # fmt: skip
    assert process.paperwork_due == datetime.date(2026, 10, 13)
    fund_2026.refresh_from_db()
    assert fund_2026.balance == Decimal("3800.00")
    assert process.payments.get().assist_first
    assert process.paperwork_pending and process.payment_status_label == "先行救助，待补办手续"
    assert list(pending_assist_first(township_ids=[region.township_a.pk])) == [process]
    timer = open_tasks(process, F.complete_paperwork._boundary_events[0]).get()
    assert timer.scheduled == datetime.datetime(2026, 10, 14, 0, 0, tzinfo=SHANGHAI)


def test_overdue_paperwork_escalates_to_county(
    region, fixed_calendar, case_worker_a, approver_a, county_officer, household_a, fund_2026, on_sep_30
):
    """TA18 2(2): paperwork not completed by the deadline produces a county escalation task (timer);
    the payment shows as assist-first with paperwork pending until the case worker completes it."""
    process = assist_first_case(case_worker_a, approver_a, household_a)
    on_sep_30(datetime.datetime(2026, 10, 13, 23, 59, tzinfo=SHANGHAI))
    assert fire_due_timers() == 0  # the due day itself is still in time
    on_sep_30(datetime.datetime(2026, 10, 14, 8, 0, tzinfo=SHANGHAI))
    assert fire_due_timers() == 1
    process = TemporaryAssistanceProcess.objects.get(pk=process.pk)
    assert process.escalated_at is not None
    escalation = open_tasks(process, F.escalate_to_county).get()
    assert F.escalate_to_county.can_assign(county_officer, escalation)
    assert not F.escalate_to_county.can_assign(approver_a, escalation)
    assert process.payment_status_label == "先行救助，待补办手续"
    assert open_tasks(process, F.complete_paperwork).exists()  # non-interrupting: the township still completes

    with pytest.raises(PermissionDenied):
        do(process, F.escalate_to_county, approver_a, services.case_record_escalation, note="督办")
    do(process, F.escalate_to_county, county_officer, services.case_record_escalation, note="责令三日内补办")
    with pytest.raises(ValidationError):
        do(process, F.complete_paperwork, case_worker_a, services.case_complete_paperwork,
           **paperwork_waived(process, head_signer=""))  # fmt: skip
    do(process, F.complete_paperwork, case_worker_a, services.case_complete_paperwork,
       **paperwork_waived(process, note="已补办"))  # fmt: skip
    process = TemporaryAssistanceProcess.objects.get(pk=process.pk)
    assert not process.paperwork_pending and process.status == "DONE"
    events = AuditEvent.objects.filter(chain=f"case:{process.pk}", action__startswith="case.")
    actions = list(events.values_list("action", flat=True))
    assert "case.paperwork_overdue" in actions and actions[-1] == "case.paperwork_completed"


def test_paperwork_in_time_cancels_timer(
    region, fixed_calendar, case_worker_a, approver_a, household_a, fund_2026, on_sep_30
):
    """ZB20 15: paperwork completed before the deadline ends the case; the timer never fires."""
    process = assist_first_case(case_worker_a, approver_a, household_a)
    do(process, F.complete_paperwork, case_worker_a, services.case_complete_paperwork,
       **paperwork_waived(process))  # fmt: skip
    on_sep_30(datetime.datetime(2026, 11, 1, 8, 0, tzinfo=SHANGHAI))
    assert fire_due_timers() == 0
    process = TemporaryAssistanceProcess.objects.get(pk=process.pk)
    assert process.status == "DONE" and process.escalated_at is None
    assert not pending_assist_first(township_ids=[region.township_a.pk]).exists()


def test_assist_first_only_for_emergencies_within_limit(region, case_worker_a, household_a, fund_2026):
    """TA18 2(2): assist first is for sudden emergencies, within the township limit."""
    with pytest.raises(ValidationError) as exc:
        file_case(case_worker_a, household_a, kind="spending_shock", cause="medical_expense", assist_first=True,
                  event_date=datetime.date(2026, 9, 1))  # fmt: skip
    assert str(services.ERR_ASSIST_FIRST_EMERGENCY_ONLY) in exc.value.messages
    with pytest.raises(ValidationError):
        file_case(case_worker_a, household_a, assist_first=True, requested_amount=Decimal("1800.01"),
                  event_date=datetime.date(2026, 9, 1))  # fmt: skip


def test_assist_first_pay_wrong_role_and_township(
    region, case_worker_a, case_worker_a2, approver_b, household_a, fund_2026
):
    """Wrong role / wrong township: only township A's approver pays an assist-first case of township A."""
    process = file_case(case_worker_a, household_a, assist_first=True, event_date=datetime.date(2026, 9, 29))
    for user in (case_worker_a2, approver_b):
        with pytest.raises(PermissionDenied):
            do(process, F.assist_first_pay, user, services.case_assist_first_pay, amount="100")


def test_paperwork_by_other_township_refused(
    region, fixed_calendar, case_worker_a, approver_a, case_worker_b, household_a, fund_2026
):
    """Wrong township: township B's case worker cannot complete township A's paperwork."""
    process = assist_first_case(case_worker_a, approver_a, household_a)
    with pytest.raises(PermissionDenied):
        do(process, F.complete_paperwork, case_worker_b, services.case_complete_paperwork,
           **paperwork_waived(process))  # fmt: skip
