"""50 concurrent approvals at one reserve fund: no overdraft, no lost entry (domain.md §6; SAI 48).

PostgreSQL only: each thread has its own database connection; the fund's row lock
(SELECT ... FOR UPDATE) serialises the balance check and the ledger append.
"""

import threading
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from tests.conftest import requires_postgres
from tests.factories import HouseholdFactory, MemberFactory
from tests.temporary_assistance.helpers import file_case
from workflows.core.audit import verify_chain
from workflows.core.driving import complete_task, open_tasks
from workflows.funds import services
from workflows.funds.models import FundEntry
from workflows.temporary_assistance import services as ta_services
from workflows.temporary_assistance.flows import TemporaryAssistanceFlow as F

CLIENTS = 50
FUNDED = 30
AMOUNT = Decimal("100.00")


def run_concurrently(work, n=CLIENTS):
    """Run ``work(i)`` in ``n`` threads released together; each closes its own connection.

    Returns (successes, refusal messages, other errors).
    """
    barrier = threading.Barrier(n)
    ok, refused, errors = [], [], []
    lock = threading.Lock()

    def runner(i):
        try:
            barrier.wait()
            work(i)
            with lock:
                ok.append(i)
        except ValidationError as exc:
            with lock:
                refused.append(exc)
        except Exception as exc:
            with lock:
                errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return ok, refused, errors


def assert_ledger_consistent(fund, successes):
    fund.refresh_from_db()
    assert fund.balance == Decimal("0.00")
    assert fund.entries.total() == Decimal("0.00")
    assert fund.entries.filter(kind=FundEntry.Kind.PAYMENT).count() == successes
    assert fund.entries.count() == 1 + successes  # one allocation + the payments, none lost
    services.fund_verify(fund)
    assert verify_chain(f"fund:{fund.pk}") is None


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_50_concurrent_fund_payments_never_overdraw(region, county_officer, approver_a):
    """SAI 48: 50 payments of 100 fired at once at a fund holding 30 x 100: exactly 30 succeed,
    20 are refused with the insufficient-funds error, balance 0 == sum of entries."""
    fund = services.fund_allocate(
        township=region.township_a, budget_year=timezone.localdate().year, amount=FUNDED * AMOUNT,
        reason="拨付", actor=county_officer,
    ).fund  # fmt: skip
    user_pk = approver_a.pk

    def pay(i):
        actor = get_user_model().objects.get(pk=user_pk)
        services.fund_pay(fund=fund, amount=AMOUNT, reason=f"救助{i}", actor=actor)

    ok, refused, errors = run_concurrently(pay)
    assert errors == []
    assert len(ok) == FUNDED and len(refused) == CLIENTS - FUNDED
    assert {e.code for e in refused} == {"insufficient_funds"}
    assert_ledger_consistent(fund, FUNDED)


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_50_concurrent_case_approvals_never_overdraw(region, county_officer, case_worker_a, approver_a):
    """SAI 48 / TA18 3(3): 50 township approvals of different cases completed at once through the real
    flow (task lock, service, fund row lock): 30 are paid, 20 refused and left open, no overdraft."""
    fund = services.fund_allocate(
        township=region.township_a, budget_year=timezone.localdate().year, amount=FUNDED * AMOUNT,
        reason="拨付", actor=county_officer,
    ).fund  # fmt: skip
    tasks = []
    for _ in range(CLIENTS):
        household = HouseholdFactory(village=region.village_a)
        MemberFactory(household=household)
        process = file_case(case_worker_a, household, requested_amount=AMOUNT)
        tasks.append(open_tasks(process, F.township_approve).get())
    user_pk = approver_a.pk

    def approve(i):
        actor = get_user_model().objects.get(pk=user_pk)
        complete_task(
            tasks[i], user=actor,
            perform=lambda p: ta_services.case_township_approve(process=p, approve=True, amount=AMOUNT, actor=actor),
        )  # fmt: skip

    ok, refused, errors = run_concurrently(approve)
    assert errors == []
    assert len(ok) == FUNDED and len(refused) == CLIENTS - FUNDED
    assert {e.code for e in refused} == {"insufficient_funds"}
    assert_ledger_consistent(fund, FUNDED)
    still_open = sum(open_tasks(t.process, F.township_approve).exists() for t in tasks)
    assert still_open == CLIENTS - FUNDED
