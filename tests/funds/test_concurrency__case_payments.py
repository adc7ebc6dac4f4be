"""50 concurrent direct payment calls: never more than approved, never below zero (TA18 3(3); SAI 48).

PostgreSQL only. Unlike tests/funds/test_concurrency.py these threads call the services
directly, without viewflow's task lock, as the API, admin actions or scripts would: the case
row lock taken by every payment entry point must serialise them on its own.
"""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.conftest import requires_postgres
from tests.factories import HouseholdFactory, MemberFactory
from tests.funds.test_concurrency import CLIENTS, run_concurrently
from tests.temporary_assistance.helpers import do, file_case
from workflows.core.audit import verify_chain
from workflows.funds import services as funds
from workflows.funds.models import FundEntry
from workflows.temporary_assistance import services
from workflows.temporary_assistance.flows import TemporaryAssistanceFlow as F
from workflows.temporary_assistance.models import Payment, TemporaryAssistanceProcess

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

STEP = Decimal("100.00")


def _fund(region, county_officer, amount):
    return funds.fund_allocate(
        township=region.township_a, budget_year=timezone.localdate().year, amount=amount, reason="拨付",
        actor=county_officer,
    ).fund  # fmt: skip


def _assert_fund_consistent(fund, allocated):
    fund.refresh_from_db()
    assert fund.balance >= 0
    paid = -fund.entries.filter(kind=FundEntry.Kind.PAYMENT).total()
    returned = fund.entries.filter(kind=FundEntry.Kind.REVERSAL).total()
    assert fund.balance == allocated - paid + returned == fund.entries.total()
    funds.fund_verify(fund)
    assert verify_chain(f"fund:{fund.pk}") is None


def _user(pk):
    return get_user_model().objects.get(pk=pk)


def test_50_direct_installments_on_one_case_never_exceed_approval(region, county_officer, case_worker_a, approver_a):
    """TA18 3(3): approved 1,600, 100 paid at approval; 50 direct installment calls of 100 at once:
    exactly 15 are paid, 35 refused as above the unpaid amount; the case has paid exactly 1,600."""
    allocated = Decimal("10000.00")
    fund = _fund(region, county_officer, allocated)
    household = HouseholdFactory(village=region.village_a)
    MemberFactory(household=household)
    process = file_case(case_worker_a, household, requested_amount=Decimal("1600.00"))
    do(process, F.township_approve, approver_a, services.case_township_approve,
       approve=True, amount="1600", first_payment="100")  # fmt: skip

    def pay(i):
        case = TemporaryAssistanceProcess.objects.get(pk=process.pk)
        services.case_pay_installment(process=case, amount=STEP, actor=_user(approver_a.pk))

    ok, refused, errors = run_concurrently(pay)
    assert errors == []
    assert len(ok) == 15 and len(refused) == CLIENTS - 15
    assert {e.code for e in refused} == {"above_unpaid"}
    process = TemporaryAssistanceProcess.objects.get(pk=process.pk)
    assert process.paid_amount() == Decimal("1600.00") == process.approved_amount
    assert sorted(process.payments.values_list("seq", flat=True)) == list(range(1, 17))
    _assert_fund_consistent(fund, allocated)
    assert fund.balance == allocated - Decimal("1600.00")
    assert process.payments.count() == 16


def test_50_direct_township_approvals_of_one_case_pay_once(region, county_officer, case_worker_a, approver_a):
    """TA18 3(3): 50 direct approval calls at once on one case: one decision, one payment of the approved
    amount; the other 49 are refused (already decided)."""
    allocated = Decimal("10000.00")
    fund = _fund(region, county_officer, allocated)
    household = HouseholdFactory(village=region.village_a)
    MemberFactory(household=household)
    process = file_case(case_worker_a, household, requested_amount=Decimal("1600.00"))

    def approve(i):
        case = TemporaryAssistanceProcess.objects.get(pk=process.pk)
        services.case_township_approve(
            process=case, approve=True, amount="1600", first_payment="400", actor=_user(approver_a.pk)
        )

    ok, refused, errors = run_concurrently(approve)
    assert errors == []
    assert len(ok) == 1 and {e.code for e in refused} == {"already_decided"}
    assert Payment.objects.filter(process_id=process.pk).count() == 1
    _assert_fund_consistent(fund, allocated)
    assert fund.balance == allocated - Decimal("400.00")


def test_50_direct_assist_first_payments_on_one_case_pay_once(region, county_officer, case_worker_a, approver_a):
    """TA18 2(2) / ZB20 15: 50 direct assist-first calls at once on one emergency case pay it once."""
    allocated = Decimal("10000.00")
    fund = _fund(region, county_officer, allocated)
    household = HouseholdFactory(village=region.village_a)
    MemberFactory(household=household)
    process = file_case(case_worker_a, household, requested_amount=Decimal("1000.00"), assist_first=True)

    def pay(i):
        case = TemporaryAssistanceProcess.objects.get(pk=process.pk)
        services.case_assist_first_pay(process=case, amount="1000", actor=_user(approver_a.pk))

    ok, refused, errors = run_concurrently(pay)
    assert errors == []
    assert len(ok) == 1 and {e.code for e in refused} == {"already_decided"}
    _assert_fund_consistent(fund, allocated)
    assert fund.balance == allocated - Decimal("1000.00")


def test_50_direct_installments_on_one_fund_never_overdraw(region, county_officer, case_worker_a, approver_a):
    """SAI 48 / TA18 3(3): 50 cases approved at 200 with 100 paid; the fund then holds 20 x 100; 50 direct
    installment calls at once (one per case): exactly 20 paid, 30 refused for insufficient funds, the
    balance never below zero and equal to the ledger."""
    allocated = CLIENTS * STEP + 20 * STEP
    fund = _fund(region, county_officer, allocated)
    cases = []
    for _ in range(CLIENTS):
        household = HouseholdFactory(village=region.village_a)
        MemberFactory(household=household)
        process = file_case(case_worker_a, household, requested_amount=Decimal("200.00"))
        do(process, F.township_approve, approver_a, services.case_township_approve,
           approve=True, amount="200", first_payment="100")  # fmt: skip
        cases.append(process.pk)

    def pay(i):
        case = TemporaryAssistanceProcess.objects.get(pk=cases[i])
        services.case_pay_installment(process=case, amount=STEP, actor=_user(approver_a.pk))

    ok, refused, errors = run_concurrently(pay)
    assert errors == []
    assert len(ok) == 20 and {e.code for e in refused} == {"insufficient_funds"}
    _assert_fund_consistent(fund, allocated)
    assert fund.balance == Decimal("0.00")
    assert Payment.objects.count() == CLIENTS + 20


def test_concurrent_reversals_and_installments_on_one_case(region, county_officer, case_worker_a, approver_a):
    """TA18 3(3): 25 reversals of 100 against a 1,000 payment and 25 installments of 100 with 600 unpaid,
    all at once: 10 reversals and 6 installments succeed; a reversal never re-opens room to pay, so the
    case's staged total is exactly the approved 1,600 and the fund equals its ledger."""
    allocated = Decimal("10000.00")
    fund = _fund(region, county_officer, allocated)
    household = HouseholdFactory(village=region.village_a)
    MemberFactory(household=household)
    process = file_case(case_worker_a, household, requested_amount=Decimal("1600.00"))
    do(process, F.township_approve, approver_a, services.case_township_approve,
       approve=True, amount="1600", first_payment="1000")  # fmt: skip
    first = Payment.objects.get(process_id=process.pk)

    def work(i):
        actor = _user(approver_a.pk)
        if i % 2:
            services.payment_reverse(payment=first, amount=STEP, reason=f"核减{i}", actor=actor)
        else:
            case = TemporaryAssistanceProcess.objects.get(pk=process.pk)
            services.case_pay_installment(process=case, amount=STEP, actor=actor)

    ok, refused, errors = run_concurrently(work)
    assert errors == []
    reversals = [i for i in ok if i % 2]
    installments = [i for i in ok if not i % 2]
    assert len(reversals) == 10 and len(installments) == 6
    assert {e.code for e in refused} == {"too_much", "above_unpaid"}
    first.refresh_from_db()
    assert first.reversed_amount == first.amount == Decimal("1000.00")
    process = TemporaryAssistanceProcess.objects.get(pk=process.pk)
    assert process.unpaid_amount() == Decimal("0.00")
    assert process.paid_amount() == Decimal("600.00")
    _assert_fund_consistent(fund, allocated)
    assert fund.balance == allocated - Decimal("600.00")


def test_50_concurrent_filings_for_one_household_respect_the_yearly_maximum(region, case_worker_a):
    """TA18 2(3): 50 filings for one household at once, each for a different event of this year: the
    household row lock lets exactly the yearly maximum (2 by default) through; the rest are refused."""
    from workflows.core.driving import start_case

    household = HouseholdFactory(village=region.village_a)
    MemberFactory(household=household)
    first_day = timezone.localdate().replace(month=1, day=1)
    causes = ["fire", "flood", "accident", "sudden_illness", "other"]

    def file(i):
        actor = _user(case_worker_a.pk)
        start_case(F.start, user=actor, perform=lambda p: services.case_open(
            process=p, household=household, kind="emergency", cause=causes[i % len(causes)],
            event_date=first_day, cause_detail=f"事件{i}",
            requested_amount="100", repeat_reason=f"新情况{i}", actor=actor,
        ))  # fmt: skip

    ok, refused, errors = run_concurrently(file)
    assert errors == []
    assert len(ok) == 2
    assert {e.code for e in refused} <= {"yearly_limit", "same_event"}
    assert TemporaryAssistanceProcess.objects.filter(household=household).count() == 2
