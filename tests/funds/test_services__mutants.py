"""Reserve-fund services (domain.md §6; SAI 48, TA18 3(3)): behaviour mutation testing
found no test for (issue 15 item 10)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from workflows.core.models import AuditEvent
from workflows.funds.models import ReserveFund
from workflows.funds.services import fund_verify


def test_each_movement_is_audited_with_who_the_balance_and_the_entry(fund_a, county_officer):
    """Every fund movement writes an audit row naming the person, the balance before and
    after and the ledger entry it belongs to (the allocation of 10,000 yuan here)."""
    event = AuditEvent.objects.get(action="fund.allocation", chain=f"fund:{fund_a.pk}")
    entry = fund_a.entries.get()
    assert event.actor_id == county_officer.pk
    assert event.changes == {"balance": ["0.00", "10000.00"]}
    assert event.data["entry"] == entry.pk


def test_a_balance_that_differs_from_the_ledger_is_reported_with_both_figures(fund_a):
    """The ops check names the cached balance and the ledger total when they differ; the
    negative: a consistent fund passes."""
    fund_verify(fund_a)
    ReserveFund.objects.filter(pk=fund_a.pk).update(balance=Decimal("9000.00"))
    with pytest.raises(AssertionError, match=r"余额 9000\.00 元与台账合计 10000"):
        fund_verify(fund_a)
