"""Freezing a roll (the township head) and the recovery orders its deductions settle (SAI 68)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from workflows.core.audit import audit_record
from workflows.core.money import round_to_fen
from workflows.core.types import Staff
from workflows.households.models import Household

# Test seams (``_today``, ``_now``) are looked up through the package, so that patching
# ``workflows.payroll.services.<name>`` reaches every caller.
from workflows.payroll import services

from ..models import Deduction, LineDeduction, PaymentRoll, RollStatus
from .common import ZERO, _audit, _require
from .errors import (
    ERR_DEDUCTION_AMOUNT,
    ERR_DEDUCTION_STALE,
    ERR_FROZEN,
    ERR_NOT_APPROVER,
    ERR_REASON_REQUIRED,
    ERR_SAME_PERSON,
)


@transaction.atomic
def roll_freeze(*, roll: PaymentRoll, actor: Staff) -> PaymentRoll:
    """The township head reviews and freezes the roll: it goes to the finance bureau and
    never changes again; the deductions it applied are settled against their orders."""
    _require(actor, "act_approver", roll.township_id, ERR_NOT_APPROVER)
    roll = PaymentRoll.objects.select_for_update().get(pk=roll.pk)
    if roll.is_frozen:
        raise ValidationError(ERR_FROZEN)
    if roll.generated_by_id == actor.pk:
        raise PermissionDenied(ERR_SAME_PERSON)
    applied = list(LineDeduction.objects.filter(line__roll=roll).select_related("deduction"))
    orders = {
        d.pk: d
        for d in Deduction.objects.select_for_update().filter(pk__in={a.deduction_id for a in applied}).order_by("pk")
    }
    taken: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for a in applied:
        taken[a.deduction_id] += a.amount
    for pk, amount in taken.items():
        order = orders[pk]
        if order.status != Deduction.Status.OPEN or amount > order.remaining:
            raise ValidationError(ERR_DEDUCTION_STALE)
        order.remaining -= amount
        if order.remaining == ZERO:
            order.status = Deduction.Status.SETTLED
        order.save(update_fields=["remaining", "status"])
    roll.status, roll.frozen_at, roll.frozen_by = RollStatus.FROZEN, services._now(), actor
    roll.save(update_fields=["status", "frozen_at", "frozen_by"])
    _audit(
        roll,
        "payroll.freeze",
        actor,
        changes={"status": [RollStatus.DRAFT, RollStatus.FROZEN]},
        data={"month": f"{roll.month:%Y-%m}", "total_amount": roll.total_amount, "line_count": roll.line_count},
    )
    return roll


@transaction.atomic
def deduction_order(
    *,
    household: Household,
    amount: Decimal,
    reason: str,
    actor: Staff,
    monthly_cap: Decimal | None = None,
    case_number: str = "",
) -> Deduction:
    """A recovery decision (SAI 68) to deduct ``amount`` from the household's future
    payments; the township approver decides it."""
    _require(actor, "act_approver", household.township_id, ERR_NOT_APPROVER)
    amount = round_to_fen(amount)
    if amount <= ZERO:
        raise ValidationError(ERR_DEDUCTION_AMOUNT)
    cap = round_to_fen(monthly_cap) if monthly_cap not in (None, "") else None
    if cap is not None and cap <= ZERO:
        raise ValidationError(ERR_DEDUCTION_AMOUNT)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(ERR_REASON_REQUIRED)
    order = Deduction.objects.create(
        household=household,
        township_id=household.township_id,
        amount=amount,
        remaining=amount,
        monthly_cap=cap,
        reason=reason,
        case_number=case_number,
        created_by=actor,
    )
    audit_record(
        action="payroll.deduction_ordered",
        target=order,
        actor=actor,
        changes={"remaining": [None, amount]},
        data={"household": household.pk, "reason": reason, "monthly_cap": cap},
    )
    return order
