"""Reserve-fund services (domain.md §6; SAI 48, TA18 3(3)): behaviour mutation testing
found no test for (issue 15 item 10)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from workflows.core.models import AuditEvent
from workflows.funds.models import FundEntry, ReserveFund
from workflows.funds.services import (
    ERR_AMOUNT_NOT_POSITIVE,
    ERR_FUND_CHAIN_MISMATCH,
    ERR_MAY_NOT_REVERSE,
    ERR_NO_FUND,
    ERR_NOT_COUNTY_OFFICER,
    ERR_NOT_TOWNSHIP_APPROVER,
    ERR_REASON_REQUIRED,
    ERR_REVERSE_NOT_PAYMENT,
    ERR_REVERSE_TOO_MUCH,
    fund_allocate,
    fund_pay,
    fund_replenish,
    fund_reverse,
    fund_verify,
    lock_fund,
)


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


def test_a_payment_is_audited_with_the_amount_taken_and_the_case_it_paid(fund_a, approver_a):
    """SAI 48: a payment's audit row names the approver, the balance before and after, the
    ledger entry, the amount taken out (negative, as in the ledger) and the case it paid."""
    entry = fund_pay(
        fund=fund_a, amount=Decimal("500.00"), reason="临时救助", actor=approver_a, process_id=4711, case_number="TA-1"
    )
    event = AuditEvent.objects.get(action="fund.payment", chain=f"fund:{fund_a.pk}")
    assert event.actor_id == approver_a.pk
    assert event.changes == {"balance": ["10000.00", "9500.00"]}
    assert event.data == {"entry": entry.pk, "amount": "-500.00", "process_id": 4711}


def test_opening_a_fund_is_audited_on_its_own_chain_with_the_officer_and_year(fund_a, county_officer):
    """The first allocation opens the township's fund: one ``fund.open`` row on the fund's
    own chain, naming the county officer and the budget year; a second allocation the same
    year opens nothing."""
    opened = AuditEvent.objects.get(action="fund.open")
    assert (opened.chain, opened.actor_id, opened.data) == (
        f"fund:{fund_a.pk}",
        county_officer.pk,
        {"year": fund_a.budget_year},
    )
    fund_replenish(
        township=fund_a.township,
        budget_year=fund_a.budget_year,
        amount=Decimal("1.00"),
        reason="补充",
        actor=county_officer,
    )
    assert AuditEvent.objects.filter(action="fund.open").count() == 1


@pytest.mark.parametrize("service", [fund_allocate, fund_replenish])
def test_only_a_county_officer_credits_a_fund_and_is_told_why(region, county_officer, approver_a, service):
    """SAI 48 (domain.md §6): allocating or topping up a reserve fund is the county civil
    affairs officer's: anyone else is refused with the message saying so; the officer is
    told to give a reason and a positive amount in fen; nothing is booked meanwhile."""
    args = {"township": region.township_a, "budget_year": 2026, "amount": Decimal("100.00"), "reason": "年度拨付"}
    with pytest.raises(PermissionDenied) as denied:
        service(**args, actor=approver_a)
    assert str(denied.value) == str(ERR_NOT_COUNTY_OFFICER)
    with pytest.raises(ValidationError) as blank:
        service(**{**args, "reason": "  "}, actor=county_officer)
    assert (blank.value.messages, blank.value.code) == ([str(ERR_REASON_REQUIRED)], "reason")
    for amount in (Decimal("0"), Decimal("0.001")):
        with pytest.raises(ValidationError) as bad:
            service(**{**args, "amount": amount}, actor=county_officer)
        assert bad.value.messages == [str(ERR_AMOUNT_NOT_POSITIVE)]
    assert not FundEntry.objects.exists()
    assert service(**args, actor=county_officer).amount == Decimal("100.00")


def test_the_fund_locked_is_the_townships_for_that_year_or_a_clear_error(region, fund_a):
    """A payment locks the fund of its own township and budget year. The negatives: another
    township, or another year of the same township, has no fund until the county allocates
    one, and the error names the township and the year."""
    assert lock_fund(township=region.township_a, budget_year=fund_a.budget_year) == fund_a
    for township, year in ((region.township_b, fund_a.budget_year), (region.township_a, fund_a.budget_year + 1)):
        with pytest.raises(ValidationError) as exc:
            lock_fund(township=township, budget_year=year)
        assert exc.value.code == "no_fund"
        assert exc.value.messages == [str(ERR_NO_FUND % {"township": township, "year": year})]
        assert str(township) in exc.value.messages[0] and str(year) in exc.value.messages[0]


def test_the_ops_check_names_the_fund_it_found_inconsistent(fund_a):
    """The ops check's message names the fund (township and year), so the county knows
    which ledger to look at."""
    ReserveFund.objects.filter(pk=fund_a.pk).update(balance=Decimal("1.00"))
    with pytest.raises(AssertionError) as exc:
        fund_verify(fund_a)
    assert str(exc.value) == str(
        ERR_FUND_CHAIN_MISMATCH % {"fund": fund_a, "balance": Decimal("1.00"), "total": fund_a.entries.total()}
    )
    assert f"{fund_a.township} {fund_a.budget_year}" in str(exc.value)


def test_a_payment_is_refused_to_anyone_but_the_townships_approver_saying_so(fund_a, approver_b, county_officer):
    """SAI 48: only the township's own approver pays from its fund; anyone else is told so."""
    for user in (approver_b, county_officer):
        with pytest.raises(PermissionDenied) as exc:
            fund_pay(fund=fund_a, amount=Decimal("1.00"), reason="救助", actor=user)
        assert str(exc.value) == str(ERR_NOT_TOWNSHIP_APPROVER)


def test_the_whole_balance_may_be_paid_out_but_not_a_fen_more(fund_a, approver_a):
    """domain.md §6: a payment may take the fund down to exactly zero; the negative: one fen
    more is refused with code ``insufficient_funds`` (what the payment services catch). A
    payment for no case records no case number."""
    with pytest.raises(ValidationError) as exc:
        fund_pay(fund=fund_a, amount=Decimal("10000.01"), reason="救助", actor=approver_a)
    assert exc.value.code == "insufficient_funds"
    entry = fund_pay(fund=fund_a, amount=Decimal("10000.00"), reason="救助", actor=approver_a)
    assert (entry.amount, entry.balance_after, entry.case_number, entry.process_id) == (
        Decimal("-10000.00"),
        Decimal("0.00"),
        "",
        None,
    )


def test_a_reversal_returns_the_rest_of_a_payment_to_its_case_and_no_more(fund_a, approver_a, county_officer):
    """TA18 3(3): the county officer as well as the township approver may return (part of) a
    payment; the reversal entry names the payment, its case and case number; exactly what
    is left of the payment may be returned. The negatives: a fen more than what is left is
    refused naming both amounts (code ``too_much``), and so is a reversal with no reason."""
    pay = fund_pay(
        fund=fund_a, amount=Decimal("300.00"), reason="救助", actor=approver_a, process_id=42, case_number="LS-42"
    )
    first = fund_reverse(payment=pay, amount=Decimal("100.00"), reason="多发退回", actor=county_officer)
    assert (first.kind, first.reverses_id, first.process_id, first.case_number, first.amount) == (
        FundEntry.Kind.REVERSAL,
        pay.pk,
        42,
        "LS-42",
        Decimal("100.00"),
    )
    pay.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        fund_reverse(payment=pay, amount=Decimal("200.01"), reason="多发退回", actor=approver_a)
    assert exc.value.code == "too_much"
    assert exc.value.messages == [str(ERR_REVERSE_TOO_MUCH % {"amount": "200.01", "left": "200.00"})]
    with pytest.raises(ValidationError) as exc:
        fund_reverse(payment=pay, amount=Decimal("1.00"), reason=" ", actor=approver_a)
    assert (exc.value.messages, exc.value.code) == ([str(ERR_REASON_REQUIRED)], "reason")
    assert fund_reverse(payment=pay, amount=Decimal("200.00"), reason="多发退回", actor=approver_a).amount == Decimal(
        "200.00"
    )


def test_only_a_payment_is_reversed_and_only_by_its_township_or_county(region, fund_a, approver_a, approver_b):
    """A reversal is refused for an allocation (not a payment, code ``not_payment``) and to
    another township's approver, each with its message."""
    with pytest.raises(ValidationError) as exc:
        fund_reverse(payment=fund_a.entries.get(), amount=Decimal("1.00"), reason="退回", actor=approver_a)
    assert (exc.value.messages, exc.value.code) == ([str(ERR_REVERSE_NOT_PAYMENT)], "not_payment")
    pay = fund_pay(fund=fund_a, amount=Decimal("5.00"), reason="救助", actor=approver_a)
    with pytest.raises(PermissionDenied) as denied:
        fund_reverse(payment=pay, amount=Decimal("1.00"), reason="退回", actor=approver_b)
    assert str(denied.value) == str(ERR_MAY_NOT_REVERSE)


def test_a_payment_or_reversal_of_no_money_or_part_of_a_fen_is_refused_saying_so(fund_a, approver_a):
    """domain.md §6 (money in fen): a payment or a reversal must be more than 0 yuan with at
    most two decimals; the refusal says exactly that."""
    pay = fund_pay(fund=fund_a, amount=Decimal("5.00"), reason="救助", actor=approver_a)
    for amount in (Decimal("0"), Decimal("0.001")):
        with pytest.raises(ValidationError) as paying:
            fund_pay(fund=fund_a, amount=amount, reason="救助", actor=approver_a)
        with pytest.raises(ValidationError) as reversing:
            fund_reverse(payment=pay, amount=amount, reason="退回", actor=approver_a)
        assert paying.value.messages == reversing.value.messages == [str(ERR_AMOUNT_NOT_POSITIVE)]
