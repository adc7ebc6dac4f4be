"""Payments outside their flow step are refused, whoever calls the service (TA18 3(3); domain.md §6).

The services are the only door to money: the API, admin actions, tasks and scripts call them
without viewflow's task lock, so each entry point locks the case row, re-reads what is unpaid
and refuses when the step that pays is not open or the case is already decided.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests.temporary_assistance.helpers import do, file_case
from workflows.funds.models import FundEntry
from workflows.funds.services import fund_verify
from workflows.temporary_assistance import services
from workflows.temporary_assistance.flows import TemporaryAssistanceFlow as F
from workflows.temporary_assistance.models import Payment, TemporaryAssistanceProcess


def _approved(case_worker, approver, household, *, amount="1500", first="500"):
    process = file_case(case_worker, household, requested_amount=Decimal(amount))
    do(process, F.township_approve, approver, services.case_township_approve,
       approve=True, amount=amount, first_payment=first)  # fmt: skip
    return TemporaryAssistanceProcess.objects.get(pk=process.pk)


def test_installment_before_approval_is_refused(region, case_worker_a, approver_a, household_a, fund_a):
    """TA18 3(3): a direct installment call on a case still waiting for its decision pays nothing and
    names the missing step."""
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("1500.00"))
    with pytest.raises(ValidationError) as exc:
        services.case_pay_installment(process=process, amount="100", actor=approver_a)
    assert exc.value.code == "no_payment_step"
    assert "乡镇分次发放" in exc.value.messages[0]
    assert not Payment.objects.exists() and not FundEntry.objects.filter(kind="payment").exists()


def test_installment_after_case_is_fully_paid_is_refused(region, case_worker_a, approver_a, household_a, fund_a):
    """TA18 3(3): once the approved amount is paid the flow ends; a further direct call is refused."""
    process = _approved(case_worker_a, approver_a, household_a, first="1500")
    assert process.status == "DONE"
    with pytest.raises(ValidationError) as exc:
        services.case_pay_installment(process=process, amount="1", actor=approver_a)
    assert exc.value.code == "no_payment_step"
    assert process.payments.count() == 1


def test_direct_installment_with_stale_object_never_exceeds_approval(
    region, case_worker_a, approver_a, household_a, fund_a
):
    """TA18 3(3): the unpaid amount is re-read under the case lock: a stale copy of the case that still
    believes 1,000 is unpaid cannot pay it again after another call paid it."""
    process = _approved(case_worker_a, approver_a, household_a)
    stale = TemporaryAssistanceProcess.objects.get(pk=process.pk)
    services.case_pay_installment(process=process, amount="1000", actor=approver_a)
    with pytest.raises(ValidationError) as exc:
        services.case_pay_installment(process=stale, amount="1000", actor=approver_a)
    assert exc.value.code == "above_unpaid"
    assert stale.paid_amount() == Decimal("1500.00")
    fund_a.refresh_from_db()
    assert fund_a.balance == Decimal("8500.00")
    fund_verify(fund_a)


def test_second_township_decision_is_refused(region, case_worker_a, approver_a, household_a, fund_a):
    """TA18 3(3): a case is decided once; a second direct approval (stale object) pays nothing more."""
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("1500.00"))
    stale = TemporaryAssistanceProcess.objects.get(pk=process.pk)
    do(process, F.township_approve, approver_a, services.case_township_approve,
       approve=True, amount="1500", first_payment="100")  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        services.case_township_approve(
            process=stale, approve=True, amount="1500", first_payment="100", actor=approver_a
        )
    assert exc.value.code in {"no_payment_step", "already_decided"}
    assert Payment.objects.filter(process_id=process.pk).count() == 1


def test_decision_on_undecided_case_without_open_step_is_refused(
    region, case_worker_a, approver_a, household_a, fund_a
):
    """TA18 3(3): with no open approval step (the case was cancelled) the service refuses to decide or pay."""
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("1500.00"))
    process.task_set.filter(flow_task=F.township_approve).update(status="CANCELED")
    with pytest.raises(ValidationError) as exc:
        services.case_township_approve(process=process, approve=True, amount="1500", actor=approver_a)
    assert exc.value.code == "no_payment_step"
    assert not Payment.objects.exists()


def test_second_assist_first_payment_is_refused(region, case_worker_a, approver_a, household_a, fund_a):
    """TA18 2(2) / ZB20 15: assist-first is paid once; a repeated direct call is refused."""
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("1000.00"), assist_first=True)
    stale = TemporaryAssistanceProcess.objects.get(pk=process.pk)
    do(process, F.assist_first_pay, approver_a, services.case_assist_first_pay, amount="1000")
    with pytest.raises(ValidationError) as exc:
        services.case_assist_first_pay(process=stale, amount="1000", actor=approver_a)
    assert exc.value.code == "no_payment_step"
    assert Payment.objects.filter(process_id=process.pk).count() == 1
