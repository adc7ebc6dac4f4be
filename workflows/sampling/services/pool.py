"""The pool: what the programme flows call when an approval is final or a complaint arrives."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from workflows.core import programmes
from workflows.core.audit import audit_record
from workflows.core.models import County, Township, Village
from workflows.core.money import non_negative_amount
from workflows.core.types import Actor, Staff

from ..models import (
    ApprovalActor,
    ApprovalRecord,
    Complaint,
)
from .common import _first_of_month, _pk
from .errors import ERR_NEGATIVE_AMOUNT, ERR_PROGRAMME, ERR_REGION_MISMATCH

# --- the pool (called by the programme flows) -------------------------------


@transaction.atomic
def approval_register(
    *,
    process_id: int,
    programme: str,
    county: County | int,
    township: Township | int,
    village: Village | int,
    case_number: str,
    approved_on: datetime.date,
    approved_by_id: int,
    actor_ids: Iterable[int],
    monthly_amount: Decimal | None,
    payment_starts: datetime.date | None,
    one_off_amount: Decimal | None,
    staff_relative: bool,
    rule_versions: dict[str, int],
    finance_check_id: int | None,
    actor: Actor = None,
) -> ApprovalRecord:
    """Put a final township approval into the county's sampling pool (TK 16, MSL 20).

    Idempotent on ``process_id``: a second call returns the stored record
    unchanged. ``actor_ids`` (plus the approver, plus whoever the engine
    recorded as acting on the case) may never review it.
    """
    existing = ApprovalRecord.objects.filter(process_id=process_id).first()
    if existing is not None:
        return existing
    if not programmes.is_programme(programme):
        raise ValidationError(ERR_PROGRAMME % {"programme": programme})
    village = village if isinstance(village, Village) else Village.objects.select_related("township").get(pk=village)
    if village.township_id != _pk(township) or village.township.county_id != _pk(county):
        raise ValidationError(ERR_REGION_MISMATCH)
    from workflows.core.separation import actors_of

    excluded = {int(u) for u in actor_ids} | {int(approved_by_id)}
    excluded |= actors_of([process_id], ["*"]).get(process_id, set())
    record = ApprovalRecord(
        process_id=process_id,
        programme=programme,
        county_id=_pk(county),
        township_id=_pk(township),
        village_id=village.pk,
        case_number=case_number,
        approved_on=approved_on,
        approved_by_id=approved_by_id,
        monthly_amount=non_negative_amount(monthly_amount, error=ERR_NEGATIVE_AMOUNT),
        payment_starts=_first_of_month(payment_starts) if payment_starts else None,
        one_off_amount=non_negative_amount(one_off_amount, error=ERR_NEGATIVE_AMOUNT),
        staff_relative=bool(staff_relative),
        rule_versions={str(k): int(v) for k, v in (rule_versions or {}).items()},
        finance_check_id=finance_check_id,
    )
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:  # a concurrent registration of the same case won
        return ApprovalRecord.objects.get(process_id=process_id)
    ApprovalActor.objects.bulk_create([ApprovalActor(record=record, user_id=u) for u in sorted(excluded)])
    audit_record(
        action="sampling.approval_register",
        target=record,
        actor=actor,
        process_id=process_id,
        data={
            "programme": programme,
            "case_number": case_number,
            "approved_on": approved_on,
            "monthly_amount": record.monthly_amount,
            "one_off_amount": record.one_off_amount,
            "payment_starts": record.payment_starts,
            "staff_relative": record.staff_relative,
            "rule_versions": record.rule_versions,
            "finance_check_id": finance_check_id,
            "excluded_reviewers": sorted(excluded),
        },
    )
    return record


@transaction.atomic
def approval_actor_add(*, process_id: int, user_id: int, actor: Actor = None) -> bool:
    """Record one more person who acted on a registered approval after it was registered
    (e.g. who completed assist-first paperwork): they may never review it (domain.md §1).

    Idempotent; returns False when the case is not in the pool or the person is already excluded.
    """
    record = ApprovalRecord.objects.filter(process_id=process_id).first()
    if record is None:
        return False
    _, created = ApprovalActor.objects.get_or_create(record=record, user_id=user_id)
    if created:
        audit_record(
            action="sampling.approval_actor_add",
            target=record,
            actor=actor,
            process_id=process_id,
            data={"excluded_reviewer": user_id},
        )
    return created


@transaction.atomic
def approval_one_off_update(*, process_id: int, one_off_amount: Decimal, actor: Actor = None) -> ApprovalRecord | None:
    """Keep a one-off approval's amount equal to what was actually paid (staged payments,
    reversals), so a revocation recovers exactly the money paid (SAI 68). No-op when the
    case is not in the pool or the amount is unchanged."""
    record = ApprovalRecord.objects.select_for_update().filter(process_id=process_id).first()
    amount = non_negative_amount(one_off_amount, error=ERR_NEGATIVE_AMOUNT)
    if record is None or record.one_off_amount == amount:
        return record
    old = record.one_off_amount
    record.one_off_amount = amount
    record.save(update_fields=["one_off_amount"])
    audit_record(
        action="sampling.approval_amount",
        target=record,
        actor=actor,
        process_id=process_id,
        changes={"one_off_amount": [old, amount]},
    )
    return record


@transaction.atomic
def complaint_register(*, process_id: int, received_on: datetime.date, summary: str, actor: Staff) -> Complaint:
    """Register a complaint about a case; the case is forced into the county's next draw (TK 16)."""
    complaint = Complaint.objects.create(
        process_id=process_id,
        received_on=received_on,
        summary=summary,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        action="sampling.complaint_register",
        target=complaint,
        actor=actor,
        process_id=process_id,
        data={"received_on": received_on},
    )
    return complaint
