"""Reserve-fund movements (domain.md §6; SAI 48, TA18 3(3)).

Every function writes one ledger entry and moves the cached balance in the
same transaction, while holding the fund's row lock, and appends an audit
event to the chain ``fund:<pk>``. Lock order everywhere: case row (viewflow
lock, and taken again by every temporary-assistance payment service so
direct calls are serialised too) -> payment row -> fund row -> audit chain
heads, so concurrent approvals cannot deadlock.

Payments hold the fund's lock as briefly as they can (issue 19: 50 clients on one
fund queue on that row, so its hold time is the throughput). ``fund_pay`` checks
the permission and the amount first, unlocked, then on PostgreSQL takes the lock
with the payment itself: one statement moves the balance only if it suffices
(``UPDATE ... WHERE balance >= x``), appends the ledger row, locks the fund's
audit chain head (in that order: fund row, then head) and writes the audit event,
hashed in SQL; only the COMMIT follows. A caller may hold the fund's lock already (``lock_fund``): the
statement then re-takes a lock the transaction owns.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, router, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from workflows.core.access import holds
from workflows.core.audit import Blank, StatementEvent, audit_record, reading_locked_heads
from workflows.core.models import Township
from workflows.core.money import exact_positive_amount
from workflows.core.types import Staff

from .models import FundEntry, ReserveFund

ERR_INSUFFICIENT_FUNDS = _("备用金余额不足：当前余额 %(balance)s 元，本次支付 %(amount)s 元，支付被拒绝。")
ERR_AMOUNT_NOT_POSITIVE = _("金额必须大于 0 元，且最多两位小数。")
ERR_NOT_COUNTY_OFFICER = _("只有本县民政局经办人可以拨付或补充备用金。")
ERR_NOT_TOWNSHIP_APPROVER = _("只有本乡镇审批人可以从备用金支付。")
ERR_MAY_NOT_REVERSE = _("只有本乡镇审批人或本县民政局经办人可以冲销支出。")
ERR_NO_FUND = _("%(township)s 没有 %(year)s 年度的临时救助备用金，请先由县民政局拨付。")
ERR_REVERSE_NOT_PAYMENT = _("只能冲销支出记录。")
ERR_REVERSE_TOO_MUCH = _("冲销金额 %(amount)s 元超过该笔支出尚未冲销的 %(left)s 元。")
ERR_REASON_REQUIRED = _("请填写事由。")
ERR_FUND_CHAIN_MISMATCH = _("备用金 %(fund)s 的余额 %(balance)s 元与台账合计 %(total)s 元不一致。")


def lock_fund(*, township: Township, budget_year: int) -> ReserveFund:
    """The fund row, locked until the end of the caller's transaction (SELECT ... FOR UPDATE)."""
    return _fund_of(ReserveFund.objects.select_for_update(), township=township, budget_year=budget_year)


def find_fund(*, township: Township, budget_year: int) -> ReserveFund:
    """The fund row, not locked: for a payment, which ``fund_pay`` locks itself as late as it
    can (issue 19: a lock taken here would be held across everything the caller does next)."""
    return _fund_of(ReserveFund.objects.all(), township=township, budget_year=budget_year)


def _fund_of(funds: QuerySet[ReserveFund], *, township: Township, budget_year: int) -> ReserveFund:
    fund = funds.filter(township=township, budget_year=budget_year).first()
    if fund is None:
        raise ValidationError(ERR_NO_FUND % {"township": township, "year": budget_year}, code="no_fund")
    return fund


def _append(*, fund: ReserveFund, kind: str, amount: Decimal, reason: str, actor: Staff, **links: object) -> FundEntry:
    """Write one entry and move the cached balance. Caller holds the fund's row lock."""
    before = fund.balance
    fund.balance = before + amount
    ReserveFund.objects.filter(pk=fund.pk).update(balance=fund.balance)
    entry = FundEntry.objects.create(
        fund=fund, kind=kind, amount=amount, balance_after=fund.balance, reason=reason, actor=actor, **links
    )
    audit_record(
        action=f"fund.{kind}",
        target=fund,
        actor=actor,
        chain=f"fund:{fund.pk}",
        changes={"balance": [before, fund.balance]},
        data={"entry": entry.pk, "amount": amount, "process_id": links.get("process_id")},
    )
    return entry


def _county_credit(
    *, kind: str, township: Township, budget_year: int, amount: Decimal, reason: str, actor: Staff
) -> FundEntry:
    if not holds(actor, "act_county_officer", county=township.county_id):
        raise PermissionDenied(ERR_NOT_COUNTY_OFFICER)
    if not reason.strip():
        raise ValidationError(ERR_REASON_REQUIRED, code="reason")
    amount = exact_positive_amount(amount, error=ERR_AMOUNT_NOT_POSITIVE)
    fund, created = ReserveFund.objects.get_or_create(township=township, budget_year=budget_year)
    if created:
        audit_record(action="fund.open", target=fund, actor=actor, chain=f"fund:{fund.pk}", data={"year": budget_year})
    fund = lock_fund(township=township, budget_year=budget_year)
    return _append(fund=fund, kind=kind, amount=amount, reason=reason, actor=actor)


@transaction.atomic
def fund_allocate(*, township: Township, budget_year: int, amount: Decimal, reason: str, actor: Staff) -> FundEntry:
    """County allocates the year's reserve fund to a township (opens the fund if needed)."""
    return _county_credit(
        kind=FundEntry.Kind.ALLOCATION,
        township=township,
        budget_year=budget_year,
        amount=amount,
        reason=reason,
        actor=actor,
    )


@transaction.atomic
def fund_replenish(*, township: Township, budget_year: int, amount: Decimal, reason: str, actor: Staff) -> FundEntry:
    """County tops up a township's fund during the year."""
    return _county_credit(
        kind=FundEntry.Kind.REPLENISHMENT,
        township=township,
        budget_year=budget_year,
        amount=amount,
        reason=reason,
        actor=actor,
    )


def fund_pay(
    *,
    fund: ReserveFund,
    amount: Decimal,
    reason: str,
    actor: Staff,
    process_id: int | None = None,
    case_number: str = "",
) -> FundEntry:
    """Pay ``amount`` out of ``fund``; refuse when the balance would go below zero.

    Takes the fund's row lock itself, as late as it can: the permission and the amount
    are checked first, then the balance is moved only if it suffices, under the lock (a
    stale ``fund`` object cannot cause an overdraft). A caller that locked the fund
    already (``lock_fund``, in the same transaction) keeps its lock order. A refused
    payment writes nothing: no ledger row, no audit event, the balance unchanged.

    Atomic: in the caller's transaction, else in its own. On PostgreSQL called outside a
    transaction, the payment is one statement, which commits on its own (autocommit), as
    the bare ``UPDATE`` does: the fund is then locked only while the server runs it.
    """
    if not holds(actor, "act_approver", township=fund.township_id):
        raise PermissionDenied(ERR_NOT_TOWNSHIP_APPROVER)
    amount = exact_positive_amount(amount, error=ERR_AMOUNT_NOT_POSITIVE)
    if connections[router.db_for_write(ReserveFund)].vendor == "postgresql":
        return _pay_in_one_statement(
            fund=fund, amount=amount, reason=reason, actor=actor, process_id=process_id, case_number=case_number
        )
    with transaction.atomic(using=router.db_for_write(ReserveFund)):
        fund = ReserveFund.objects.select_for_update().get(pk=fund.pk)
        if fund.balance - amount < 0:
            raise _insufficient(balance=fund.balance, amount=amount)
        return _append(
            fund=fund, kind=FundEntry.Kind.PAYMENT, amount=-amount, reason=reason, actor=actor,
            process_id=process_id, case_number=case_number,
        )  # fmt: skip


def _insufficient(*, balance: Decimal, amount: Decimal) -> ValidationError:
    return ValidationError(
        ERR_INSUFFICIENT_FUNDS % {"balance": f"{balance:,.2f}", "amount": f"{amount:,.2f}"},
        code="insufficient_funds",
    )


def _pay_in_one_statement(
    *, fund: ReserveFund, amount: Decimal, reason: str, actor: Staff, process_id: int | None, case_number: str
) -> FundEntry:
    """PostgreSQL: what ``_append`` does for a payment, as one statement (issue 19).

    The statement takes the fund's row lock by moving the balance only if it suffices,
    appends the ledger row with the new balance, and writes the payment's audit event:
    it locks the fund's chain head (joined to the moved row, so after it, and not at all
    for a refusal), computes the event's hash from the head in SQL around the canonical
    text built here beforehand (``audit.StatementEvent``), moves the head and inserts the
    event. Nothing of the payment is left for the COMMIT: inside the caller's transaction
    the fund stays locked until that commits; outside one (autocommit) the statement is its
    own transaction, which the server commits without a round trip to this client while
    the fund is locked, as it does the bare ``UPDATE``.

    When no row moved, the balance is read under the lock for the message; a credit
    committed meanwhile may have made the payment possible after all, so it is tried once
    more under the lock rather than refused on a balance that no longer holds. The
    statement also requires the fund's chain head: a fund never opened by
    ``fund_allocate`` has none, so its first payment creates it (after the fund's lock,
    inside a transaction) and runs again.
    """
    connection = connections[router.db_for_write(ReserveFund)]
    quote = connection.ops.quote_name
    entry = FundEntry(
        fund_id=fund.pk, kind=FundEntry.Kind.PAYMENT, amount=-amount, reason=reason, actor=actor,
        process_id=process_id, case_number=case_number,
    )  # fmt: skip
    # The event's values that the statement makes: the ledger row's id and the balance
    # before and after, whose JSON is an integer and an amount with two decimals.
    entry_id, before, after = Blank("entry"), Blank("balance_before"), Blank("balance_after")
    event = StatementEvent(
        action=f"fund.{FundEntry.Kind.PAYMENT}", target=fund, actor=actor, chain=f"fund:{fund.pk}",
        changes={"balance": [before, after]}, data={"entry": entry_id, "amount": -amount, "process_id": process_id},
        blanks={
            entry_id: "entry.id::text",
            before: "to_json(round(paid.balance_before, 2)::text)::text",
            after: f"to_json(round(paid.{quote('balance')}, 2)::text)::text",
        },
    )  # fmt: skip
    # The ledger row's own values, cast to their columns' types (NULL included); its fund and
    # balance_after come from the moved fund row.
    given = [f for f in FundEntry._meta.concrete_fields if f.attname not in ("id", "fund_id", "balance_after")]
    casts = ", ".join(f"CAST(%s AS {f.cast_db_type(connection)})" for f in given)
    columns = [f.attname for f in ReserveFund._meta.concrete_fields]
    funds_table, entries_table = quote(ReserveFund._meta.db_table), quote(FundEntry._meta.db_table)
    balance = quote("balance")
    audit_sql, audit_params = event.ctes("entry, paid")
    has_head, has_head_params = event.head_exists()
    sql = (
        f"WITH paid AS (UPDATE {funds_table} SET {balance} = {balance} - %s "  # noqa: S608 - names from the models, values as parameters
        f"WHERE id = %s AND {balance} >= %s AND {has_head} RETURNING {', '.join(quote(c) for c in columns)}, "
        f"{balance} + %s AS balance_before), "
        f"entry AS (INSERT INTO {entries_table} (fund_id, balance_after, {', '.join(quote(str(f.column)) for f in given)}) "
        f"SELECT id, {balance}, {casts} FROM paid RETURNING id), {audit_sql} "
        f"SELECT entry.id, {', '.join(f'paid.{quote(c)}' for c in columns)}, {', '.join(event.COLUMNS)} "
        "FROM entry CROSS JOIN paid LEFT JOIN audit_event ON true"
    )
    params = [
        amount, fund.pk, amount, *has_head_params, amount,
        *(f.get_db_prep_save(getattr(entry, f.attname), connection) for f in given), *audit_params,
    ]  # fmt: skip
    retried = False
    while True:
        # Other chains' events held back by this transaction stay held back for the COMMIT.
        with reading_locked_heads(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
            if row is None:
                cursor.execute(
                    f"SELECT {balance}, {has_head} FROM {funds_table} WHERE id = %s FOR UPDATE",  # noqa: S608 - as above
                    [*has_head_params, fund.pk],
                )
                found, chained = cursor.fetchone()
        if row is not None:
            break
        if not chained:  # a fund never opened by ``fund_allocate``: its chain starts here
            event.start()
            continue
        if found < amount or retried:
            raise _insufficient(balance=found, amount=amount)
        retried = True
    entry.pk, *values = row[: 1 + len(columns)]
    entry.fund = ReserveFund.from_db(connection.alias, columns, values)
    entry.balance_after = entry.fund.balance
    entry._state.adding, entry._state.db = False, connection.alias
    event.written(
        row[1 + len(columns) :],
        {entry_id: entry.pk, before: entry.fund.balance + amount, after: entry.fund.balance},
    )
    return entry


@transaction.atomic
def fund_reverse(*, payment: FundEntry, amount: Decimal, reason: str, actor: Staff) -> FundEntry:
    """Return (part of) a payment to its fund, with a written reason."""
    fund = ReserveFund.objects.select_for_update().select_related("township").get(pk=payment.fund_id)
    if not (
        holds(actor, "act_approver", township=fund.township_id)
        or holds(actor, "act_county_officer", county=fund.township.county_id)
    ):
        raise PermissionDenied(ERR_MAY_NOT_REVERSE)
    if payment.kind != FundEntry.Kind.PAYMENT:
        raise ValidationError(ERR_REVERSE_NOT_PAYMENT, code="not_payment")
    if not reason.strip():
        raise ValidationError(ERR_REASON_REQUIRED, code="reason")
    amount = exact_positive_amount(amount, error=ERR_AMOUNT_NOT_POSITIVE)
    left = payment.reversible_amount
    if amount > left:
        raise ValidationError(
            ERR_REVERSE_TOO_MUCH % {"amount": f"{amount:,.2f}", "left": f"{left:,.2f}"}, code="too_much"
        )
    return _append(
        fund=fund,
        kind=FundEntry.Kind.REVERSAL,
        amount=amount,
        reason=reason,
        actor=actor,
        process_id=payment.process_id,
        case_number=payment.case_number,
        reverses=payment,
    )


def fund_verify(fund: ReserveFund) -> None:
    """Raise if the cached balance differs from the sum of the ledger (run by tests and ops checks)."""
    fund.refresh_from_db(fields=["balance"])
    total = fund.entries.total()
    if total != fund.balance:
        raise AssertionError(str(ERR_FUND_CHAIN_MISMATCH % {"fund": fund, "balance": fund.balance, "total": total}))
