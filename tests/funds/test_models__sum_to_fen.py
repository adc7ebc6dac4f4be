"""The ledger's sums are exact to the fen on every database (domain.md §6, SAI 48: the
reserve fund's balance is the sum of its ledger)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from workflows.core.money import sum_to_fen
from workflows.funds.models import FundEntry
from workflows.funds.services import fund_pay, fund_verify

pytestmark = pytest.mark.django_db


def test_a_payment_leaving_one_fen_balances_the_ledger(fund_a, approver_a):
    """10,000.00 minus 9,999.99 leaves 0.01 in the fund and in the ledger's sum; on SQLite the
    sum came back as the float 0.0100000000002183 and the ledger check reported a mismatch."""
    fund_pay(fund=fund_a, amount=Decimal("9999.99"), reason="急难救助", actor=approver_a)

    assert FundEntry.objects.filter(fund=fund_a).total() == Decimal("0.01")
    fund_verify(fund_a)
    assert fund_a.balance == Decimal("0.01")


def test_an_empty_ledger_sums_to_zero(fund_a):
    """No rows: 0.00, not None."""
    assert FundEntry.objects.filter(fund=fund_a, created_at__gt=timezone.now()).total() == Decimal("0.00")


def test_sum_to_fen_rounds_a_float_residue_but_keeps_whole_fen():
    """The rounding removes float residue only: whole fen amounts are unchanged."""
    assert sum_to_fen(Decimal("0.0100000000002183")) == Decimal("0.01")
    assert sum_to_fen(Decimal("-1300.00")) == Decimal("-1300.00")
    assert sum_to_fen(None) == Decimal("0.00")
