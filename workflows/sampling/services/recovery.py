"""Revocation and recovery of benefits paid without entitlement (SAI 68)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from workflows.core.access import access_case
from workflows.core.audit import audit_record
from workflows.core.money import CENT
from workflows.core.types import Staff

from .. import signals
from ..models import (
    ApprovalRecord,
    Recovery,
    SamplingReviewProcess,
)
from .common import _add_months, _first_of_month
from .errors import ERR_ALREADY_REVOKED, ERR_NOT_COUNTY_OFFICER, ERR_REASON_REQUIRED, ERR_RECOVERY_SETTLED


def recovery_amount(record: ApprovalRecord, decided_on: datetime.date) -> tuple[Decimal, int, datetime.date | None]:
    """Wrongly paid money of a revoked approval (SAI 66, 68).

    Monthly benefit: paid every month from ``payment_starts`` up to and
    including the month of the decision (the benefit stops from the next
    month), so ``months = months from payment_starts to decided_on,
    inclusive`` (0 if payments had not started) and the amount is
    ``monthly_amount × months``. One-off assistance: ``one_off_amount``.
    Returns (amount, months, last month counted).
    """
    amount = Decimal("0.00")
    months = 0
    last = None
    if record.monthly_amount and record.payment_starts:
        first = record.payment_starts
        decided_month = _first_of_month(decided_on)
        if first <= decided_month:
            months = (decided_month.year - first.year) * 12 + (decided_month.month - first.month) + 1
            last = decided_month
        amount += record.monthly_amount * months
    if record.one_off_amount:
        amount += record.one_off_amount
    return max(amount, Decimal("0.00")).quantize(CENT), months, last


@transaction.atomic
def record_revoke(
    *, review: SamplingReviewProcess, reason: str, actor: Staff, on: datetime.date | None = None
) -> Recovery:
    """Revoke a township approval: stop the benefit from the next month and open a recovery (SAI 66, 68).

    ``benefit_revoked`` is sent inside this transaction so the programme app
    stops its own benefit atomically with the decision.
    """
    if not reason.strip():
        raise ValidationError(ERR_REASON_REQUIRED)
    drawn = review.drawn_case
    assert drawn is not None  # a review case is opened from its drawn case (``review_open``)
    record = ApprovalRecord.objects.select_for_update().get(pk=drawn.record_id)
    if record.revoked:
        raise ValidationError(ERR_ALREADY_REVOKED)
    decided_on = on or review.decided_on or timezone.localdate()
    stop_from = _add_months(decided_on, 1)
    amount, months, last = recovery_amount(record, decided_on)
    recovery = Recovery.objects.create(
        record=record,
        review=review,
        amount=amount,
        months=months,
        computed_from=record.payment_starts if months else None,
        computed_to=(_add_months(last, 1) - datetime.timedelta(days=1)) if last else None,
        stop_from=stop_from,
        reason=reason,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record.revoked = True
    record.benefit_stopped_from = stop_from
    record.save(update_fields=["revoked", "benefit_stopped_from"])
    data = {"stop_from": stop_from, "amount": amount, "months": months, "recovery": recovery.pk, "review": review.pk}
    changes: dict[str, list] = {"revoked": [False, True], "benefit_stopped_from": [None, stop_from]}
    audit_record(
        action="sampling.revoke", target=record, actor=actor, process_id=record.process_id, changes=changes, data=data
    )
    audit_record(action="sampling.revoke", target=review, actor=actor, process_id=review.pk, changes=changes, data=data)
    signals.benefit_revoked.send(sender=ApprovalRecord, record=record, stop_from=stop_from, recovery=recovery)
    return recovery


@transaction.atomic
def recovery_settle(*, recovery: Recovery, actor: Staff) -> Recovery:
    """Mark the wrongly paid money as recovered (county officer of the approval's county, once)."""
    recovery = Recovery.objects.select_for_update().select_related("record").get(pk=recovery.pk)
    access_case(actor, recovery.record, "act_county_officer", error=ERR_NOT_COUNTY_OFFICER)
    if recovery.status == Recovery.Status.SETTLED:
        raise ValidationError(ERR_RECOVERY_SETTLED)
    old = recovery.status
    recovery.status = Recovery.Status.SETTLED
    recovery.save(update_fields=["status"])
    audit_record(
        action="sampling.recovery_settle",
        target=recovery,
        actor=actor,
        process_id=recovery.record.process_id,
        changes={"status": [old, recovery.status]},
    )
    return recovery
