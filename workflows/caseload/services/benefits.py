"""Opening a benefit at approval and every later change to it (MSL 21, 32; SAI 66, 68).

Every change, whoever decides it (the township under its delegation, the county's
sampling revocation, the end of a phase-out), goes through ``_record_change``: the
ground must be lawful for the kind of change, the reasons are written, the history row
keeps the old and new amount and status, and the change takes effect from the month
after the decision.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Protocol

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.core import programmes
from workflows.core.access import holds
from workflows.core.audit import audit_record, diff
from workflows.core.models import AuditEvent
from workflows.core.money import round_to_fen
from workflows.core.types import Actor, Staff

from ..models import (
    COUNTY_GROUNDS,
    GROUNDS_FOR_KIND,
    SYSTEM_GROUNDS,
    Benefit,
    BenefitChange,
    BenefitKind,
    BenefitStatus,
    ChangeKind,
    Ground,
)
from ..months import add_months, month_of, next_month
from . import errors
from .letters import change_letter_issue


def _today() -> datetime.date:
    return timezone.localdate()


def _audit(
    benefit: Benefit,
    action: str,
    actor: Actor,
    *,
    changes: dict[str, list[Any]] | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    return audit_record(
        action=action, target=benefit, actor=actor, process_id=benefit.source_case_id, changes=changes, data=data
    )


class ApprovedCase(Protocol):
    """What ``benefit_open`` reads of an approved case: a programme's process (``DibaoProcess``)
    or the appeals re-decision's stand-in for the refused case (``appeals.redecision._Approval``)."""

    @property
    def pk(self) -> Any: ...
    @property
    def programme(self) -> str: ...
    @property
    def household_id(self) -> int | None: ...
    @property
    def case_number(self) -> str | None: ...
    @property
    def county_id(self) -> int: ...
    @property
    def township_id(self) -> int: ...
    @property
    def decided_on(self) -> datetime.date | None: ...
    @property
    def monthly_amount(self) -> Decimal | None: ...
    @property
    def payment_starts(self) -> datetime.date | None: ...


@transaction.atomic
def benefit_open(*, process: ApprovedCase, actor: Actor) -> Benefit:
    """Register the benefit an approval gives (MSL 21): the approved monthly amount, or a
    recognition without cash, paid from ``process.payment_starts`` (the month after the
    decision). Called by every programme's approval inside its transaction; opening the
    same case twice returns the benefit already opened."""
    existing = Benefit.objects.filter(source_case_id=process.pk).first()
    if existing is not None:
        return existing
    if not getattr(process, "is_approved", False):
        raise ValidationError(errors.ERR_NOT_APPROVED)
    if process.household_id is None:
        raise ValidationError(errors.ERR_NO_HOUSEHOLD)
    decided_on = process.decided_on or _today()
    # The spec says what an approval gives: a monthly amount, or a recognition without cash
    # (低收入家庭认定, LB24), which holds no amount whatever the case carries.
    pays_monthly = programmes.for_process(process).benefit.pays_monthly
    amount = round_to_fen(process.monthly_amount or 0) if pays_monthly else round_to_fen(0)
    starts = month_of(process.payment_starts) if process.payment_starts else next_month(decided_on)
    benefit = Benefit.objects.create(
        household_id=process.household_id,
        programme=process.programme,
        kind=BenefitKind.MONTHLY if pays_monthly else BenefitKind.RECOGNITION,
        monthly_amount=amount,
        starts=starts,
        status=BenefitStatus.IN_FORCE,
        source_case_id=process.pk,
        case_number=process.case_number or "",
        county_id=process.county_id,
        township_id=process.township_id,
    )
    BenefitChange.objects.create(
        benefit=benefit,
        kind=ChangeKind.OPEN,
        ground=Ground.APPROVED,
        reasons=_("经审核确认享受。"),
        old_amount=None,
        new_amount=amount,
        old_status="",
        new_status=BenefitStatus.IN_FORCE,
        decided_on=decided_on,
        effective_month=starts,
        decided_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _audit(
        benefit,
        "caseload.benefit_open",
        actor,
        changes={"status": [None, benefit.status], "monthly_amount": [None, str(amount)]},
        data={"programme": benefit.programme, "kind": benefit.kind, "starts": starts},
    )
    from .rechecks import recheck_schedule

    recheck_schedule(benefit=benefit, after=decided_on, actor=actor)
    benefit.refresh_from_db()
    return benefit


def _new_state(benefit: Benefit, kind: str, new_amount: Decimal | None) -> tuple[Decimal, str]:
    """The amount and status after a change of ``kind``, or ``ValidationError`` when the
    benefit's present state does not allow it."""
    status = benefit.status
    if kind == ChangeKind.RESTORE:  # an appeal body overturned a change: back in force
        if benefit.kind == BenefitKind.MONTHLY and (new_amount is None or round_to_fen(new_amount) <= 0):
            raise ValidationError(errors.ERR_AMOUNT_REQUIRED)
        return round_to_fen(new_amount or 0), BenefitStatus.IN_FORCE
    if status == BenefitStatus.STOPPED:
        raise ValidationError(errors.ERR_STOPPED)
    amount = benefit.monthly_amount
    if kind in (ChangeKind.INCREASE, ChangeKind.REDUCE):
        if benefit.kind != BenefitKind.MONTHLY:
            raise ValidationError(errors.ERR_RECOGNITION_AMOUNT)
        if new_amount is None:
            raise ValidationError(errors.ERR_AMOUNT_REQUIRED)
        new_amount = round_to_fen(new_amount)
        if kind == ChangeKind.INCREASE and new_amount <= amount:
            raise ValidationError(errors.ERR_NOT_HIGHER)
        if kind == ChangeKind.REDUCE and not (Decimal("0") < new_amount < amount):
            raise ValidationError(errors.ERR_NOT_LOWER)
        return new_amount, status
    if kind == ChangeKind.SUSPEND:
        if status == BenefitStatus.SUSPENDED:
            raise ValidationError(errors.ERR_ALREADY_SUSPENDED)
        return amount, BenefitStatus.SUSPENDED
    if kind == ChangeKind.RESUME:
        if status != BenefitStatus.SUSPENDED:
            raise ValidationError(errors.ERR_NOT_SUSPENDED)
        return amount, BenefitStatus.IN_FORCE
    if kind == ChangeKind.PHASE_OUT:
        if status != BenefitStatus.IN_FORCE:
            raise ValidationError(errors.ERR_ALREADY_PHASING_OUT)
        return amount, BenefitStatus.PHASING_OUT
    if kind == ChangeKind.STOP:
        return Decimal("0.00"), BenefitStatus.STOPPED
    raise ValidationError(errors.ERR_GROUND_NOT_LAWFUL)


def _record_change(
    *,
    benefit: Benefit,
    kind: str,
    ground: str,
    reasons: str,
    actor: Actor,
    decided_on: datetime.date,
    effective_month: datetime.date,
    new_amount: Decimal | None = None,
    phase_out_until: datetime.date | None = None,
) -> BenefitChange:
    """The one path of every change: lawful ground, written reasons, history, audit."""
    reasons = (reasons or "").strip()
    if not reasons:
        raise ValidationError(errors.ERR_REASONS_REQUIRED)
    if ground not in GROUNDS_FOR_KIND.get(kind, ()):
        raise ValidationError(errors.ERR_GROUND_NOT_LAWFUL)
    amount, status = _new_state(benefit, kind, new_amount)
    old = {"monthly_amount": benefit.monthly_amount, "status": benefit.status, "until": benefit.until}
    change = BenefitChange.objects.create(
        benefit=benefit,
        kind=kind,
        ground=ground,
        reasons=reasons,
        old_amount=benefit.monthly_amount,
        new_amount=amount,
        old_status=benefit.status,
        new_status=status,
        decided_on=decided_on,
        effective_month=effective_month,
        decided_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    benefit.status = status
    if kind != ChangeKind.STOP:
        benefit.monthly_amount = amount
    if kind == ChangeKind.STOP:
        benefit.until = add_months(effective_month, -1)
        benefit.next_recheck_due = None
    if kind == ChangeKind.RESTORE:
        benefit.until = None
    if kind == ChangeKind.PHASE_OUT:
        benefit.phase_out_until = phase_out_until
    benefit.save(update_fields=["status", "monthly_amount", "until", "next_recheck_due", "phase_out_until"])
    new = {"monthly_amount": benefit.monthly_amount, "status": benefit.status, "until": benefit.until}
    letter = change_letter_issue(benefit=benefit, change=change, actor=actor)
    _audit(
        benefit,
        "caseload.benefit_change",
        actor,
        changes=diff(old, new),
        data={
            "change": change.pk,
            "kind": kind,
            "ground": ground,
            "reasons": reasons,
            "effective_month": effective_month,
            "letter": letter.pk if letter else None,
        },
    )
    return change


def _check_authority(actor: Staff, benefit: Benefit, ground: str) -> None:
    """The township decides within its delegation; the county's revocation is the county's."""
    if ground in SYSTEM_GROUNDS:
        raise PermissionDenied(errors.ERR_SYSTEM_GROUND)
    if ground in COUNTY_GROUNDS:
        if not (
            holds(actor, "act_county_reviewer", county=benefit.county_id)
            or holds(actor, "act_county_officer", county=benefit.county_id)
        ):
            raise PermissionDenied(errors.ERR_NOT_COUNTY)
        return
    if not holds(actor, "act_approver", township=benefit.township_id):
        raise PermissionDenied(errors.ERR_NOT_TOWNSHIP_APPROVER)


@transaction.atomic
def benefit_change(
    *,
    benefit: Benefit,
    kind: str,
    ground: str,
    reasons: str,
    actor: Staff,
    new_amount: Decimal | None = None,
    on: datetime.date | None = None,
) -> BenefitChange:
    """A township approver's decision to increase, reduce, suspend, resume, phase out or
    stop a benefit: a lawful ground for that kind (MSL 32), written reasons, effective
    from the month after the decision (MSL 21)."""
    if kind == ChangeKind.PHASE_OUT:  # it needs its term: ``benefit_phase_out``
        raise ValidationError(errors.ERR_GROUND_NOT_LAWFUL)
    benefit = Benefit.objects.select_for_update().get(pk=benefit.pk)
    _check_authority(actor, benefit, ground)
    decided_on = on or _today()
    return _record_change(
        benefit=benefit, kind=kind, ground=ground, reasons=reasons, actor=actor, decided_on=decided_on,
        effective_month=next_month(decided_on), new_amount=new_amount,
    )  # fmt: skip


@transaction.atomic
def benefit_stop_on_revocation(
    *, process_id: int, stop_from: datetime.date, reasons: str, actor: Staff, on: datetime.date | None = None
) -> BenefitChange | None:
    """The county revoked the approval in its sampling review (SAI 66, 68): stop the
    benefit from ``stop_from`` (the month after the revocation) through the same path as
    every change. Nothing to do when the case opened no benefit or it is already stopped."""
    benefit = Benefit.objects.select_for_update().filter(source_case_id=process_id).first()
    if benefit is None or benefit.status == BenefitStatus.STOPPED:
        return None
    _check_authority(actor, benefit, Ground.REVOKED_BY_COUNTY)
    return _record_change(
        benefit=benefit, kind=ChangeKind.STOP, ground=Ground.REVOKED_BY_COUNTY, reasons=reasons, actor=actor,
        decided_on=on or _today(), effective_month=month_of(stop_from),
    )  # fmt: skip


@transaction.atomic
def benefit_restore_on_appeal(
    *, change: BenefitChange, reasons: str, actor: Staff, amount: Decimal | None = None, on: datetime.date | None = None
) -> BenefitChange:
    """An appeal body (reconsideration or court, SAI 65) overturned ``change``: the benefit
    is back in force with the amount it had before (or the ``amount`` the body set) from
    the month the overturned change took effect, so the months in between are owed and the
    next payment roll pays them as arrears. Called by ``appeals.services.appeal_decide``,
    which checks who records the outcome."""
    benefit = Benefit.objects.select_for_update().get(pk=change.benefit_id)
    restored = amount if amount is not None else change.old_amount
    return _record_change(
        benefit=benefit, kind=ChangeKind.RESTORE, ground=Ground.APPEAL_OVERTURNED, reasons=reasons, actor=actor,
        decided_on=on or _today(), effective_month=change.effective_month, new_amount=restored,
    )  # fmt: skip
