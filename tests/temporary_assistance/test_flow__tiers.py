"""Tiered approval (分级审批): township within its limit, county above, 一事一议 for major hardship.

SAI 48, TA18 2(2), 3(3); domain.md §6.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.temporary_assistance.helpers import do, file_case, node_names
from workflows.core.driving import open_tasks
from workflows.core.models import AuditEvent
from workflows.funds.models import FundEntry
from workflows.funds.services import fund_verify
from workflows.temporary_assistance import services
from workflows.temporary_assistance.flows import TemporaryAssistanceFlow as F
from workflows.temporary_assistance.models import Payment, TemporaryAssistanceProcess, Tier


def test_township_limit_default_is_three_times_urban_standard(region, case_worker_a, household_a):
    """TA18 2(2): with no figure configured the limit is 3 x the urban monthly standard (600 -> 1,800),
    and the case keeps the rule and standard versions it used."""
    process = file_case(case_worker_a, household_a)
    assert process.township_limit == Decimal("1800.00")
    assert process.rule.county == region.county
    assert process.standard.monthly_amount == Decimal("600.00")


def test_1500_request_is_approved_by_township_and_fund_drops_by_1500(
    region, case_worker_a, approver_a, household_a, fund_a
):
    """SAI 48 / TA18 3(3) acceptance: with a limit of 1,800 a 1,500 request is approved by the township
    and paid from its reserve fund; the balance drops by exactly 1,500."""
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("1500.00"))
    assert process.tier == Tier.TOWNSHIP
    assert open_tasks(process, F.township_approve).exists()
    before = fund_a.balance
    do(process, F.township_approve, approver_a, services.case_township_approve, approve=True, amount=Decimal("1500"))
    fund_a.refresh_from_db()
    assert before - fund_a.balance == Decimal("1500.00")
    fund_verify(fund_a)
    process = TemporaryAssistanceProcess.objects.get(pk=process.pk)
    assert process.status == "DONE"
    assert node_names(process)[-2:] == ["township_paid", "end"]
    entry = FundEntry.objects.get(process_id=process.pk)
    assert entry.amount == Decimal("-1500.00") and entry.ta_payment.process_id == process.pk
    assert AuditEvent.objects.filter(chain=f"fund:{fund_a.pk}", action="fund.payment").count() == 1


def test_2500_request_lands_in_county_queue_not_township(
    region, case_worker_a, approver_a, county_officer, household_a, fund_a
):
    """SAI 48 acceptance: a 2,500 request (limit 1,800) cannot be approved by the township; it is in the
    county officer's queue, and the county's payment does not touch the township fund."""
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("2500.00"))
    assert process.tier == Tier.COUNTY
    assert not open_tasks(process, F.township_approve).exists()
    task = open_tasks(process, F.county_approve).get()
    assert F.county_approve.can_assign(county_officer, task)
    assert not F.county_approve.can_assign(approver_a, task)
    queue = F.task_class._default_manager.queue([F], county_officer)
    assert task.pk in set(queue.values_list("pk", flat=True))
    do(process, F.county_approve, county_officer, services.case_county_approve, approve=True, amount=Decimal("2500"))
    fund_a.refresh_from_db()
    assert fund_a.balance == Decimal("10000.00")
    assert Payment.objects.get(process=process).source == Payment.Source.COUNTY


def test_township_approver_cannot_approve_above_limit_via_service(
    region, case_worker_a, approver_a, household_a, fund_a
):
    """SAI 48: the service re-checks the limit whatever the caller: a township approver asking to approve
    2,500 is refused with ERR_ABOVE_TOWNSHIP_LIMIT and nothing is paid."""
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("1500.00"))
    process.requested_amount = Decimal("2500.00")  # e.g. a tampered form or API payload
    with pytest.raises(ValidationError) as exc:
        services.case_township_approve(process=process, approve=True, amount=Decimal("2500.00"), actor=approver_a)
    assert str(services.ERR_ABOVE_TOWNSHIP_LIMIT % {"amount": "2,500.00", "limit": "1,800.00"}) in exc.value.messages
    assert not FundEntry.objects.filter(kind="payment").exists()


def test_township_cannot_decide_a_county_tier_case(region, case_worker_a, approver_a, household_a, fund_a):
    """SAI 48: calling the township decision on a county-tier case is refused (wrong tier)."""
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("2500.00"))
    with pytest.raises(ValidationError) as exc:
        services.case_township_approve(process=process, approve=True, amount=Decimal("1000.00"), actor=approver_a)
    assert exc.value.code == "wrong_tier"


def test_limit_lowered_after_filing_is_enforced_at_approval(region, case_worker_a, approver_a, household_a, fund_a):
    """TA18 2(2): the limit in force at the decision applies; a lowered limit stops a township approval."""
    from workflows.core.models import TemporaryAssistanceRule

    process = file_case(case_worker_a, household_a, requested_amount=Decimal("1500.00"))
    TemporaryAssistanceRule.objects.create(
        county=region.county, effective_from=timezone.localdate(), township_limit=Decimal("1000.00")
    )
    with pytest.raises(ValidationError):
        do(
            process,
            F.township_approve,
            approver_a,
            services.case_township_approve,
            approve=True,
            amount=Decimal("1500"),
        )
    fund_a.refresh_from_db()
    assert fund_a.balance == Decimal("10000.00")


def test_approver_of_other_township_and_case_worker_cannot_approve(
    region, case_worker_a, case_worker_a2, approver_b, household_a, fund_a
):
    """Wrong township / wrong role: township B's approver and a case worker may not claim the approval."""
    process = file_case(case_worker_a, household_a)
    for user in (approver_b, case_worker_a2):
        with pytest.raises(PermissionDenied):
            do(process, F.township_approve, user, services.case_township_approve, approve=True, amount=Decimal("1"))


def test_filer_may_not_approve_own_case(region, case_worker_a, household_a, fund_a):
    """domain.md §1: whoever filed may not approve, even holding the approver role."""
    from workflows.core.models.staff import Role
    from workflows.core.permissions import assignment_grant

    assignment_grant(user=case_worker_a, role=Role.APPROVER, region=region.township_a)
    process = file_case(case_worker_a, household_a)
    with pytest.raises(PermissionDenied):
        do(process, F.township_approve, case_worker_a, services.case_township_approve, approve=True, amount="100")


def test_refusal_needs_written_reason(region, case_worker_a, approver_a, household_a, fund_a):
    """MSL 21 / SAI 65: a refusal carries written reasons; the case ends at 'refused', nothing is paid."""
    process = file_case(case_worker_a, household_a)
    with pytest.raises(ValidationError):
        do(process, F.township_approve, approver_a, services.case_township_approve, approve=False, reason=" ")
    do(
        process,
        F.township_approve,
        approver_a,
        services.case_township_approve,
        approve=False,
        reason="家庭有存款足以应对",
    )
    process = TemporaryAssistanceProcess.objects.get(pk=process.pk)
    assert process.decision == "refused" and node_names(process)[-1] == "refused"
    assert process.status == "DONE" and not process.payments.exists()


def test_case_by_case_records_meeting(region, case_worker_a, county_officer, approver_a, household_a, fund_a):
    """TA18 2(2) 一事一议: major hardship goes to the county, which records meeting date and participants."""
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("20000.00"), major_hardship=True)
    assert process.tier == Tier.CASE_BY_CASE
    meeting = timezone.localdate() - datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        do(
            process, F.case_by_case_decision, county_officer, services.case_decide_case_by_case,
            approve=True, amount="20000", meeting_date=meeting, participants="张三",
        )  # fmt: skip
    assert str(services.ERR_MEETING_REQUIRED) in exc.value.messages
    with pytest.raises(PermissionDenied):
        do(
            process, F.case_by_case_decision, approver_a, services.case_decide_case_by_case,
            approve=True, amount="20000", meeting_date=meeting, participants="张三、李四、王五",
        )  # fmt: skip
    do(
        process, F.case_by_case_decision, county_officer, services.case_decide_case_by_case,
        approve=True, amount="20000", first_payment="12000", meeting_date=meeting, participants="张三、李四、王五",
    )  # fmt: skip
    process = TemporaryAssistanceProcess.objects.get(pk=process.pk)
    assert process.meeting_date == meeting and process.meeting_participants == "张三、李四、王五"
    assert process.unpaid_amount() == Decimal("8000.00")
    assert open_tasks(process, F.county_pay).exists()


def test_staged_township_payments_never_exceed_approval(region, case_worker_a, approver_a, household_a, fund_a):
    """TA18 3(3): one approval may be paid in stages; their sum never exceeds the approved amount."""
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("1500.00"))
    do(
        process, F.township_approve, approver_a, services.case_township_approve,
        approve=True, amount="1500", first_payment="500",
    )  # fmt: skip
    with pytest.raises(ValidationError):
        do(process, F.township_pay, approver_a, services.case_pay_installment, amount="1000.01")
    do(process, F.township_pay, approver_a, services.case_pay_installment, amount="600")
    do(process, F.township_pay, approver_a, services.case_pay_installment, amount="400")
    process = TemporaryAssistanceProcess.objects.get(pk=process.pk)
    assert process.status == "DONE"
    assert [p.amount for p in process.payments.all()] == [Decimal("500.00"), Decimal("600.00"), Decimal("400.00")]
    fund_a.refresh_from_db()
    assert fund_a.balance == Decimal("8500.00")
    fund_verify(fund_a)


def test_reversal_returns_money_to_fund(region, case_worker_a, approver_a, approver_b, household_a, fund_a):
    """SAI 48: a reversal with a reason returns the money to the fund; never more than was paid;
    township B's approver may not reverse township A's payment."""
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("1500.00"))
    do(process, F.township_approve, approver_a, services.case_township_approve, approve=True, amount="1500")
    payment = Payment.objects.get(process=process)
    with pytest.raises(PermissionDenied):
        services.payment_reverse(payment=payment, amount="100", reason="重复发放", actor=approver_b)
    with pytest.raises(ValidationError):
        services.payment_reverse(payment=payment, amount="100", reason="", actor=approver_a)
    services.payment_reverse(payment=payment, amount="1000", reason="核实后多发", actor=approver_a)
    with pytest.raises(ValidationError):
        services.payment_reverse(payment=payment, amount="500.01", reason="再次冲销", actor=approver_a)
    fund_a.refresh_from_db()
    assert fund_a.balance == Decimal("9500.00")
    fund_verify(fund_a)
    reversal = FundEntry.objects.get(kind="reversal")
    assert reversal.reverses == payment.fund_entry and reversal.amount == Decimal("1000.00")
    process = TemporaryAssistanceProcess.objects.get(pk=process.pk)
    assert process.paid_amount() == Decimal("500.00")


def test_payment_refused_when_fund_is_short(region, case_worker_a, approver_a, household_a, county_officer):
    """domain.md §6: a payment that would take the fund below zero is refused with balance and amount shown."""
    from workflows.funds.services import ERR_INSUFFICIENT_FUNDS, fund_allocate

    fund = fund_allocate(
        township=region.township_a, budget_year=timezone.localdate().year, amount="1000", reason="拨付",
        actor=county_officer,
    ).fund  # fmt: skip
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("1500.00"))
    with pytest.raises(ValidationError) as exc:
        do(process, F.township_approve, approver_a, services.case_township_approve, approve=True, amount="1500")
    assert str(ERR_INSUFFICIENT_FUNDS % {"balance": "1,000.00", "amount": "1,500.00"}) in exc.value.messages
    fund.refresh_from_db()
    assert fund.balance == Decimal("1000.00")
    assert open_tasks(process, F.township_approve).exists()  # rolled back; the task is still open
