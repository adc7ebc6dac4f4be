"""Staged payments and reversals (TA18 3(3))."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from workflows.core.access import access_case, holds
from workflows.core.audit import audit_record
from workflows.core.money import exact_positive_amount
from workflows.core.types import AnyUser, Staff
from workflows.funds import services as funds

from ..models import Payment, TemporaryAssistanceProcess, Tier
from .common import _lock_case, _pay, _refuse_if_revoked, _require_open_step, _sync_sampling_amount
from .errors import (
    ERR_AMOUNT,
    ERR_NOT_APPROVER,
    ERR_NOT_COUNTY_OFFICER,
    ERR_OWN_CASE,
    ERR_REVERSAL_REASON_REQUIRED,
    ERR_REVERSE_TOO_MUCH,
)

# --- staged payments and reversals -----------------------------------------------------


@transaction.atomic
def case_pay_installment(*, process: TemporaryAssistanceProcess, amount: Decimal, actor: Staff) -> Payment:
    """A further staged payment of the approved amount (township fund or county, by tier).

    Refused once the county's sampling review revoked the approval (SAI 66, 68), and unless the
    flow's payment step of the case's tier is open; the case row is locked first (TA18 3(3)).
    """
    amount = exact_positive_amount(amount, error=ERR_AMOUNT)
    _lock_case(process)
    _refuse_if_revoked(process)
    if process.tier == Tier.TOWNSHIP:
        access_case(
            actor, process, "act_approver", error=ERR_NOT_APPROVER, node="township_pay", separation_error=ERR_OWN_CASE
        )
        _require_open_step(process, "township_pay")
        return _pay(process=process, amount=amount, source=Payment.Source.TOWNSHIP_FUND, actor=actor)
    access_case(
        actor,
        process,
        "act_county_officer",
        error=ERR_NOT_COUNTY_OFFICER,
        node="county_pay",
        separation_error=ERR_OWN_CASE,
    )
    _require_open_step(process, "county_pay")
    return _pay(process=process, amount=amount, source=Payment.Source.COUNTY, actor=actor)


def reversal_sources_for(user: AnyUser, process: TemporaryAssistanceProcess) -> frozenset[str]:
    """Payment sources of ``process`` whose payments ``user`` may reverse (TA18 3(3); domain.md §6).

    Township-fund money: the township approver of the case's township, or the county officer of
    its county (who allocates the fund); county money: the county officer only.
    """
    sources = set()
    if holds(user, "act_county_officer", county=process.county_id):
        sources |= {Payment.Source.TOWNSHIP_FUND, Payment.Source.COUNTY}
    if holds(user, "act_approver", township=process.township_id):
        sources.add(Payment.Source.TOWNSHIP_FUND)
    return frozenset(sources)


def may_reverse_payment(user: AnyUser, payment: Payment) -> bool:
    return payment.source in reversal_sources_for(user, payment.process)


@transaction.atomic
def payment_reverse(*, payment: Payment, amount: Decimal, reason: str, actor: Staff) -> Payment:
    """Reverse (part of) a payment with a written reason; township-fund money returns to the fund.

    Township-fund payments: the township approver or the county officer; county payments: the
    county officer only. Checked before anything is written. Lock order as for payments: the case
    row, then the payment row, then (in ``funds.fund_reverse``) the fund row.
    """
    process = TemporaryAssistanceProcess.objects.select_for_update().get(pk=payment.process_id)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    payment.process = process
    if not may_reverse_payment(actor, payment):
        raise PermissionDenied(
            ERR_NOT_COUNTY_OFFICER if payment.source == Payment.Source.COUNTY else funds.ERR_MAY_NOT_REVERSE
        )
    amount = exact_positive_amount(amount, error=ERR_AMOUNT)
    if not reason.strip():
        raise ValidationError(ERR_REVERSAL_REASON_REQUIRED, code="reason")
    left = payment.amount - payment.reversed_amount
    if amount > left:
        raise ValidationError(
            ERR_REVERSE_TOO_MUCH % {"amount": f"{amount:,.2f}", "left": f"{left:,.2f}"}, code="too_much"
        )
    entry = None
    if payment.source == Payment.Source.TOWNSHIP_FUND:
        assert payment.fund_entry is not None  # a township-fund payment is paid out of its fund entry
        entry = funds.fund_reverse(payment=payment.fund_entry, amount=amount, reason=reason, actor=actor)
    else:
        access_case(
            actor,
            process,
            "act_county_officer",
            error=ERR_NOT_COUNTY_OFFICER,
            node="county_pay",
            separation_error=ERR_OWN_CASE,
        )
    old = payment.reversed_amount
    payment.reversed_amount = old + amount
    payment.reversal_reason = "\n".join(r for r in (payment.reversal_reason, reason) if r)
    payment.save(update_fields=["reversed_amount", "reversal_reason"])
    audit_record(
        action="case.payment_reversed",
        target=process,
        actor=actor,
        process_id=process.pk,
        changes={"reversed_amount": [old, payment.reversed_amount]},
        data={"payment": payment.pk, "reason": reason, "fund_entry": entry and entry.pk},
    )
    _sync_sampling_amount(process=process, actor=actor)
    return payment
