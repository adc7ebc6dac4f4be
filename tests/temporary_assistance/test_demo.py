"""seed_demo (this app's part) drives temporary assistance through every path, idempotently."""

from decimal import Decimal

import pytest
from django.utils import timezone

from tests.finance_check.conftest import registry_sandbox  # noqa: F401 - fixture
from workflows.core import demo as core_demo
from workflows.core.models import AuditEvent
from workflows.finance_check.models import FinanceCheckProcess, RegistryEvidence
from workflows.funds.models import FundEntry, ReserveFund
from workflows.funds.services import fund_verify
from workflows.temporary_assistance import demo
from workflows.temporary_assistance.models import Kind, TemporaryAssistanceProcess, Tier

FUND = Decimal("50000.00")


def _seed_twice():
    region = core_demo.seed()
    demo.seed(region)
    count = TemporaryAssistanceProcess.objects.count()
    demo.seed(region)
    assert TemporaryAssistanceProcess.objects.count() == count == 9
    return TemporaryAssistanceProcess.objects.all()


def _fund(code):
    return ReserveFund.objects.get(township__code=code, budget_year=timezone.localdate().year)


def _assert_paths(cases):
    assert {c.tier for c in cases} == {Tier.TOWNSHIP, Tier.COUNTY, Tier.CASE_BY_CASE}
    assert any(c.paperwork_pending for c in cases)
    assert cases.filter(decision="refused").exists()

    # spending shock (支出型): through the finance check, then approved by the township (domain.md §6)
    shock = cases.get(kind=Kind.SPENDING_SHOCK)
    names = [t.flow_task.name for t in shock.task_set.order_by("pk")]
    assert names[names.index("request_finance_check") :][:3] == [
        "request_finance_check",
        "await_finance_check",
        "route_tier",
    ]
    check = FinanceCheckProcess.objects.get(case_ref=f"temporary_assistance:{shock.pk}")
    assert check.status == "DONE" and check.outcome
    assert shock.finance_check_ref and shock.finance_check_outcome == check.outcome
    assert shock.decision == "approved" and shock.paid_amount() == Decimal("1200.00")
    assert shock.status == "DONE"

    # staged payment with one reversal (TA18 3(3)): 700 + 500 paid, 200 of the second stage reversed
    staged = cases.get(household__members__name="陈美玲")
    payments = list(staged.payments.order_by("seq"))
    assert [p.amount for p in payments] == [Decimal("700.00"), Decimal("500.00")]
    assert [p.reversed_amount for p in payments] == [Decimal("0.00"), demo.STAGED_REVERSAL]
    assert payments[1].reversal_reason == demo.REVERSAL_REASON
    assert staged.paid_amount() == Decimal("1000.00") and staged.status == "DONE"
    reversal = FundEntry.objects.get(kind=FundEntry.Kind.REVERSAL)
    assert reversal.reverses_id == payments[1].fund_entry_id and reversal.amount == demo.STAGED_REVERSAL
    assert reversal.reason == demo.REVERSAL_REASON
    assert AuditEvent.objects.filter(action="case.payment_reversed", process_id=staged.pk).count() == 1

    qingshan, hekou = _fund("990101001"), _fund("990101002")
    assert qingshan.balance == FUND - Decimal("1500.00") - Decimal("1000.00") - Decimal("1200.00")
    assert hekou.balance == FUND - Decimal("800.00") - Decimal("700.00") - Decimal("500.00") + Decimal("200.00")
    for fund in ReserveFund.objects.all():
        fund_verify(fund)
    return check


@pytest.mark.django_db(transaction=True)
def test_seed_demo_covers_each_path_and_is_idempotent(registry_sandbox):  # noqa: F811
    """(Transactional, as in ``manage.py seed_demo``: on-commit jobs run at once.) Township approval,
    county approval, 一事一议, assist-first pending, a refusal, a spending-shock case checked by the
    sandbox registries and approved, and a staged payment with one reversal exist after seed_demo;
    running it twice adds nothing; every fund's balance equals its ledger."""
    check = _assert_paths(_seed_twice())
    assert not RegistryEvidence.objects.filter(check_process=check, status="manual").exists()


@pytest.mark.django_db(transaction=True)
def test_seed_demo_without_registries_enters_documents(settings, refused_url):
    """With no registry answering, the spending-shock case's check waits for written documents; the demo
    enters them as the township case worker (``obtain_documents``), the check ends and the case is
    approved all the same (MSL 17; domain.md §6)."""
    settings.FINANCE_CHECK_SANDBOX_URL = refused_url  # bound, never listening: connection refused
    settings.FINANCE_CHECK_REGISTRIES = {}
    settings.FINANCE_CHECK_MAX_RETRIES = 0
    settings.FINANCE_CHECK_TIMEOUT = 0.5
    check = _assert_paths(_seed_twice())
    assert RegistryEvidence.objects.filter(check_process=check, status="manual").exists()
