"""A payment takes the fund's row lock late and writes nothing when refused (domain.md §6;
SAI 48; issue 19: the fund's lock is held for as few statements as possible).

The concurrency tests are PostgreSQL only: each thread has its own connection, and there
``fund_pay`` moves the balance with one conditional statement (``UPDATE ... WHERE balance
>= x``) that also appends the ledger row and locks the fund's audit chain head.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from tests.conftest import requires_postgres
from tests.funds.test_concurrency import run_concurrently
from workflows.core.audit import verify_chain
from workflows.core.models import AuditChainHead, AuditEvent
from workflows.funds import services
from workflows.funds.models import FundEntry, ReserveFund


def _fund(region, county_officer, amount="10000.00"):
    return services.fund_allocate(
        township=region.township_a, budget_year=timezone.localdate().year, amount=Decimal(amount),
        reason="年度拨付", actor=county_officer,
    ).fund  # fmt: skip


def _assert_fund_is(fund, *, entries, events, balance):
    fund.refresh_from_db()
    assert fund.balance == balance
    assert fund.entries.count() == entries
    assert AuditEvent.objects.filter(chain=f"fund:{fund.pk}").count() == events
    services.fund_verify(fund)
    assert verify_chain(f"fund:{fund.pk}") is None


def test_a_refused_payment_leaves_no_ledger_row_no_audit_event_and_the_balance(fund_a, approver_a):
    """domain.md §6: a payment above the balance is refused with the balance and the amount
    in the message, and leaves nothing behind: no ledger row, no audit event on the fund's
    chain, the balance as it was. The positive beside it: the next payment that fits is
    booked after the allocation on the same chain, which still verifies."""
    events = AuditEvent.objects.filter(chain=f"fund:{fund_a.pk}").count()
    with pytest.raises(ValidationError) as exc:
        services.fund_pay(fund=fund_a, amount=Decimal("10000.01"), reason="救助", actor=approver_a)
    assert exc.value.code == "insufficient_funds"
    assert exc.value.messages == [
        str(services.ERR_INSUFFICIENT_FUNDS % {"balance": "10,000.00", "amount": "10,000.01"})
    ]
    _assert_fund_is(fund_a, entries=1, events=events, balance=Decimal("10000.00"))
    entry = services.fund_pay(fund=fund_a, amount=Decimal("9000.00"), reason="救助", actor=approver_a)
    assert (entry.amount, entry.balance_after, entry.fund.balance) == (
        Decimal("-9000.00"), Decimal("1000.00"), Decimal("1000.00"),
    )  # fmt: skip
    assert FundEntry.objects.get(pk=entry.pk).balance_after == Decimal("1000.00")
    _assert_fund_is(fund_a, entries=2, events=events + 1, balance=Decimal("1000.00"))


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_refused_payment_commits_nothing(region, county_officer, approver_a):
    """The same in a real transaction (PostgreSQL, no test transaction around it): the
    refused payment's rollback leaves no ledger row, no audit event and the balance."""
    fund = _fund(region, county_officer, "100.00")
    with pytest.raises(ValidationError) as exc:
        services.fund_pay(fund=fund, amount=Decimal("100.01"), reason="救助", actor=approver_a)
    assert exc.value.messages == [str(services.ERR_INSUFFICIENT_FUNDS % {"balance": "100.00", "amount": "100.01"})]
    _assert_fund_is(fund, entries=1, events=2, balance=Decimal("100.00"))  # fund.open + allocation


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_payments_that_together_exceed_the_balance(region, county_officer, approver_a):
    """SAI 48: two payments of 6,000 fired at once at a fund of 10,000: exactly one is booked,
    the other is refused naming the 4,000 left after the first, and the ledger, the balance
    and the fund's audit chain agree."""
    fund = _fund(region, county_officer)
    user_pk = approver_a.pk

    def pay(i):
        services.fund_pay(
            fund=fund, amount=Decimal("6000.00"), reason=f"救助{i}", actor=get_user_model().objects.get(pk=user_pk)
        )

    ok, refused, errors = run_concurrently(pay, n=2)
    assert errors == []
    assert len(ok) == 1 and len(refused) == 1
    assert refused[0].messages == [str(services.ERR_INSUFFICIENT_FUNDS % {"balance": "4,000.00", "amount": "6,000.00"})]
    _assert_fund_is(fund, entries=2, events=3, balance=Decimal("4000.00"))


def _wait_for_lock_wait(pattern: str) -> None:
    """Until a backend whose statement matches ``pattern`` waits for a lock (10 s at most)."""
    with connection.cursor() as cursor:
        for _ in range(200):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s", [pattern]
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError(f"no backend waited for a lock running {pattern}")


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_payment_locks_the_fund_row_before_the_chain_head(region, county_officer, approver_a):
    """The module's lock order (fund row, then audit chain heads) holds inside the payment's
    one statement: while another transaction holds the fund's chain head, a payment waits
    for it already holding the fund row (a NOWAIT lock of the fund fails meanwhile); once
    the head is free the payment is booked. Locking the head first would leave the fund
    row free here, and could deadlock with ``fund_reverse``, which locks the fund first."""
    fund = _fund(region, county_officer)
    held, release, outcome = threading.Event(), threading.Event(), []

    def hold_head():
        try:
            with transaction.atomic():
                AuditChainHead.objects.select_for_update().get(chain=f"fund:{fund.pk}")
                held.set()
                release.wait(20)
        finally:
            connection.close()

    def pay():
        try:
            actor = get_user_model().objects.get(pk=approver_a.pk)
            outcome.append(services.fund_pay(fund=fund, amount=Decimal("1.00"), reason="救助", actor=actor))
        finally:
            connection.close()

    holder, payer = threading.Thread(target=hold_head), threading.Thread(target=pay)
    holder.start()
    assert held.wait(20)
    payer.start()
    try:
        _wait_for_lock_wait("WITH paid AS (UPDATE %")
        with pytest.raises(DatabaseError), transaction.atomic():
            ReserveFund.objects.select_for_update(nowait=True).get(pk=fund.pk)
    finally:
        release.set()
        holder.join(20)
        payer.join(20)
    assert [e.balance_after for e in outcome] == [Decimal("9999.00")]
    _assert_fund_is(fund, entries=2, events=3, balance=Decimal("9999.00"))


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_credit_committed_between_the_refusal_and_the_locked_read_lets_the_payment_through(
    region, county_officer, approver_a
):
    """A payment refused by the conditional statement reads the balance under the lock for
    its message; should a replenishment have committed in between, the balance then
    suffices and the payment is booked rather than refused on a balance that no longer
    holds. The replenishment is made to land exactly there."""
    fund = _fund(region, county_officer, "100.00")
    credited = []

    def replenish():
        try:
            credited.append(
                services.fund_replenish(
                    township=fund.township,
                    budget_year=fund.budget_year,
                    amount=Decimal("50.00"),
                    reason="补充",
                    actor=get_user_model().objects.get(pk=county_officer.pk),
                )
            )
        finally:
            connection.close()

    def credit_first(execute, sql, params, many, context):
        if sql.startswith("SELECT") and "FOR UPDATE" in sql and "funds_reservefund" in sql and not credited:
            other = threading.Thread(target=replenish)
            other.start()
            other.join(20)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(credit_first):
        entry = services.fund_pay(fund=fund, amount=Decimal("120.00"), reason="救助", actor=approver_a)
    assert len(credited) == 1
    assert (entry.amount, entry.balance_after) == (Decimal("-120.00"), Decimal("30.00"))
    _assert_fund_is(fund, entries=3, events=4, balance=Decimal("30.00"))
