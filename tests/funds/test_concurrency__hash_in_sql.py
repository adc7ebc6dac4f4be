"""A payment's audit event is hashed and written by the payment's own statement (issue 19):
the fund's row is locked for that one statement and the COMMIT, and the fund's chain and
ledger still verify, concurrent payments and other events of the chain included
(domain.md §6; SAI 48).

The statement path is PostgreSQL's; the test of events before and after a payment in one
transaction runs on SQLite too (its read-check-write path must chain the same way).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import requires_postgres
from tests.funds.test_concurrency import run_concurrently
from workflows.core.audit import compute_hash, verify_chain
from workflows.core.models import AuditChainHead, AuditEvent
from workflows.funds import services
from workflows.funds.models import FundEntry, ReserveFund

CLIENTS = 50
FUNDED = 40


def _events(fund):
    return list(AuditEvent.objects.filter(chain=f"fund:{fund.pk}").order_by("seq"))


def _assert_events_match_the_ledger(fund):
    """Every payment event names its ledger row, its amount and the balance before and after
    it, and carries the hash of its own content; the chain and the ledger verify."""
    payments = {e.pk: e for e in fund.entries.filter(kind=FundEntry.Kind.PAYMENT)}
    events = [e for e in _events(fund) if e.action == "fund.payment"]
    assert sorted(e.data["entry"] for e in events) == sorted(payments)
    for event in events:
        entry = payments[event.data["entry"]]
        assert event.data["amount"] == f"{entry.amount:.2f}"
        assert event.changes == {"balance": [f"{entry.balance_after - entry.amount:.2f}", f"{entry.balance_after:.2f}"]}
        assert event.hash == compute_hash(event)
    assert [e.seq for e in _events(fund)] == list(range(1, len(_events(fund)) + 1))
    services.fund_verify(fund)
    assert verify_chain(f"fund:{fund.pk}") is None


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_50_concurrent_payments_hashed_in_the_statement_verify(region, county_officer, approver_a):
    """SAI 48: 50 payments of 100 fired at once at a fund of 40 x 100: 40 are booked, 10
    refused; the 40 events the statements hashed chain in the order the fund's lock let the
    payments through (seq 3-42 after the opening and the allocation), each names its own
    ledger row and balances, and the chain, its head and the ledger verify."""
    fund = services.fund_allocate(
        township=region.township_a, budget_year=timezone.localdate().year, amount=FUNDED * Decimal("100.00"),
        reason="拨付", actor=county_officer,
    ).fund  # fmt: skip
    user_pk = approver_a.pk

    def pay(i):
        services.fund_pay(
            fund=fund, amount=Decimal("100.00"), reason=f"救助{i}", actor=get_user_model().objects.get(pk=user_pk)
        )

    ok, refused, errors = run_concurrently(pay, n=CLIENTS)
    assert errors == []
    assert len(ok) == FUNDED and {e.code for e in refused} == {"insufficient_funds"}
    fund.refresh_from_db()
    assert fund.balance == Decimal("0.00")
    _assert_events_match_the_ledger(fund)
    assert AuditChainHead.objects.get(chain=f"fund:{fund.pk}").seq == 2 + FUNDED
    # Ledger order is lock order: each payment's balance is the one before it minus 100.
    afters = list(
        fund.entries.filter(kind=FundEntry.Kind.PAYMENT).order_by("pk").values_list("balance_after", flat=True)
    )
    assert afters == [Decimal("100.00") * (FUNDED - n) for n in range(1, FUNDED + 1)]


def _pay_and_capture(fund, actor, amount):
    with CaptureQueriesContext(connection) as queries:
        entry = services.fund_pay(fund=fund, amount=Decimal(amount), reason="救助", actor=actor)
    statements = [q["sql"] for q in queries.captured_queries]
    locking = [n for n, sql in enumerate(statements) if sql.startswith("WITH paid AS (UPDATE")]
    assert len(locking) == 1
    assert 'INSERT INTO "core_auditevent"' in statements[locking[0]]
    assert 'UPDATE "core_auditchainhead"' in statements[locking[0]]
    return entry, statements[locking[0] + 1 :]


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_the_fund_is_locked_for_one_statement_and_no_more(region, county_officer, approver_a):
    """Issue 19: the statement that takes the fund's lock (``UPDATE ... WHERE balance >= x``)
    also writes the ledger row, the audit event and the chain head, so nothing is left for
    the commit. Called outside a transaction, that statement is the payment's last and its
    own transaction (autocommit: no COMMIT follows it from this client); inside the caller's
    transaction, the caller's COMMIT is all that follows. Each event is in the database
    afterwards, hashed as Python would."""
    fund = services.fund_allocate(
        township=region.township_a, budget_year=timezone.localdate().year, amount=Decimal("500.00"),
        reason="拨付", actor=county_officer,
    ).fund  # fmt: skip
    entry, after = _pay_and_capture(fund, approver_a, "123.45")
    assert after == []
    with transaction.atomic():
        second, after = _pay_and_capture(fund, approver_a, "0.55")
    assert after == []  # the COMMIT comes with the caller's block, once it ends
    events = [e for e in _events(fund) if e.action == "fund.payment"]
    assert [e.data for e in events] == [
        {"entry": entry.pk, "amount": "-123.45", "process_id": None},
        {"entry": second.pk, "amount": "-0.55", "process_id": None},
    ]
    assert [e.changes for e in events] == [{"balance": ["500.00", "376.55"]}, {"balance": ["376.55", "376.00"]}]
    assert {(e.actor_id, e.target_id) for e in events} == {(approver_a.pk, str(fund.pk))}
    _assert_events_match_the_ledger(fund)


@pytest.mark.django_db
def test_events_of_the_fund_chain_before_and_after_a_payment_in_one_transaction_chain_on_it(
    region, county_officer, approver_a
):
    """A replenishment, a payment and another replenishment of one fund in one transaction:
    the payment's event follows the first credit's (held back until then, and written before
    the payment's statement on PostgreSQL), the second credit's follows the payment's (the
    transaction knows the tip the statement wrote), and chain, head and ledger verify."""
    fund = services.fund_allocate(
        township=region.township_a, budget_year=timezone.localdate().year, amount=Decimal("100.00"),
        reason="拨付", actor=county_officer,
    ).fund  # fmt: skip
    with transaction.atomic():
        services.fund_replenish(
            township=fund.township, budget_year=fund.budget_year, amount=Decimal("50.00"), reason="补充",
            actor=county_officer,
        )  # fmt: skip
        services.fund_pay(fund=fund, amount=Decimal("120.00"), reason="救助", actor=approver_a)
        services.fund_replenish(
            township=fund.township, budget_year=fund.budget_year, amount=Decimal("20.00"), reason="补充",
            actor=county_officer,
        )  # fmt: skip
    events = _events(fund)
    assert [(e.seq, e.action) for e in events] == [
        (1, "fund.open"), (2, "fund.allocation"), (3, "fund.replenishment"), (4, "fund.payment"),
        (5, "fund.replenishment"),
    ]  # fmt: skip
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert events[3].changes == {"balance": ["150.00", "30.00"]}
    head = AuditChainHead.objects.get(chain=f"fund:{fund.pk}")
    assert (head.seq, head.hash) == (5, events[-1].hash)
    fund.refresh_from_db()
    assert fund.balance == Decimal("50.00")
    _assert_events_match_the_ledger(fund)


@pytest.mark.django_db
def test_a_payment_from_a_fund_whose_chain_has_no_head_yet_starts_the_chain(region, approver_a):
    """A fund made without ``fund_allocate`` (no opening event, so no chain head): on
    PostgreSQL the payment's statement requires the head and changes nothing, the head is
    created and the statement runs again; the payment's event is the chain's first (seq 1,
    empty prev_hash), which verifies. Its ledger row and balance are booked once."""
    fund = ReserveFund.objects.create(township=region.township_a, budget_year=2031, balance=Decimal("80.00"))
    entry = services.fund_pay(fund=fund, amount=Decimal("30.00"), reason="救助", actor=approver_a)
    (event,) = _events(fund)
    assert (event.seq, event.prev_hash, event.action) == (1, "", "fund.payment")
    assert event.data["entry"] == entry.pk and event.changes == {"balance": ["80.00", "50.00"]}
    assert event.hash == compute_hash(event)
    assert verify_chain(f"fund:{fund.pk}") is None
    fund.refresh_from_db()
    assert fund.balance == Decimal("50.00") and fund.entries.count() == 1
    assert AuditChainHead.objects.get(chain=f"fund:{fund.pk}").seq == 1
