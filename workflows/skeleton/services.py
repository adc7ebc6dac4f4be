"""Business rules of the skeleton case (HackSoft style: keyword-only, atomic)."""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from workflows.core.audit import audit_record, diff
from workflows.core.cases import separation_excluded
from workflows.core.models import Township, Village
from workflows.core.scope import regions_where
from workflows.core.types import AnyUser, Staff

from .models import SkeletonProcess

ERR_VILLAGE_OUTSIDE = _("所选村（社区）不在您负责的乡镇。")
ERR_OWN_CASE = _("登记人不能审核自己登记的案件。")


def townships_for_case_worker(user: AnyUser) -> QuerySet[Township]:
    return regions_where(user, "act_case_worker", Township)


def can_open_case(user: AnyUser) -> bool:
    return user.is_authenticated and townships_for_case_worker(user).exists()


@transaction.atomic
def case_open(*, process: SkeletonProcess, village: Village, summary: str, actor: Staff) -> SkeletonProcess:
    """Fill a new case (inside the Start activation) for a village of the actor's township."""
    if not townships_for_case_worker(actor).filter(pk=village.township_id).exists():
        raise ValidationError(ERR_VILLAGE_OUTSIDE)
    process.summary = summary
    process.opened_by = actor
    process.open_case(
        county_id=village.township.county_id, township_id=village.township_id, village_id=village.pk,
        action="case.open", actor=actor, changes={"summary": [None, summary], "village": [None, village.code]},
    )  # fmt: skip
    return process


@transaction.atomic
def case_review(*, process: SkeletonProcess, approved: bool, note: str, actor: Staff) -> SkeletonProcess:
    if actor.pk in separation_excluded(process, "review"):
        raise PermissionDenied(ERR_OWN_CASE)
    old = {"approved": process.approved, "review_note": process.review_note}
    process.approved = approved
    process.review_note = note
    process.reviewed_by = actor
    process.save(update_fields=["approved", "review_note", "reviewed_by"])
    audit_record(
        action="case.review",
        target=process,
        actor=actor,
        process_id=process.pk,
        changes=diff(old, {"approved": approved, "review_note": note}),
    )
    return process


def compute_receipt(process_pk: int, case_number: str) -> str:
    """Stand-in for an external registry call: deterministic, so a retry gives the same answer."""
    return hashlib.sha256(f"{process_pk}:{case_number}".encode()).hexdigest()[:16]


@transaction.atomic
def case_record_receipt(*, process: SkeletonProcess, receipt: str) -> SkeletonProcess:
    old = process.receipt
    process.receipt = receipt
    process.save(update_fields=["receipt"])
    audit_record(
        action="case.receipt",
        target=process,
        process_id=process.pk,
        changes={"receipt": [old or None, receipt]},
    )
    return process
