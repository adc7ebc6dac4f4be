"""The decision: three signatures, approval or refusal (MSL 20, 21, 23), and stopping a benefit."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from workflows.caseload.services import benefit_open, benefit_stop_on_revocation
from workflows.core.audit import diff
from workflows.core.cases import separation_excluded
from workflows.core.types import Staff
from workflows.core.working_days import Calendar

# Test seams are looked up through the package, so that patching
# ``workflows.dibao.services.<name>`` reaches every caller.
from workflows.dibao import services

from ..models import (
    Decision,
    DibaoProcess,
)
from .acceptance import REFUSAL_LETTER_DAYS
from .common import _audit
from .errors import (
    ERR_APPROVE_WITHOUT_NOTICE,
    ERR_COUNTY_VISIT_REQUIRED,
    ERR_HEAD_SAME_AS_CHIEF,
    ERR_REFUSAL_NEEDS_REASON,
    ERR_SEPARATION,
    ERR_STOP_NOT_APPROVED,
    ERR_UNRESOLVED_OBJECTION,
)


# ==============================================================================
# Decision: three signatures, approval or refusal (MSL 20, 21, 23)
# ==============================================================================
@transaction.atomic
def decision_sign(*, process: DibaoProcess, role: str, opinion: str, actor: Staff) -> DibaoProcess:
    """Handler, section chief and township head sign in turn."""
    node = {"handler": "sign_handler", "section_chief": "sign_section_chief"}[role]
    if actor.pk in separation_excluded(process, node):
        raise PermissionDenied(ERR_SEPARATION)
    if process.unresolved_objections().exists():
        raise ValidationError(ERR_UNRESOLVED_OBJECTION)
    field_name = f"{role}_signed_by"
    setattr(process, field_name, actor)
    process.save(update_fields=[field_name])
    _audit(process, f"dibao.sign_{role}", actor, changes={field_name: [None, actor.pk]}, data={"opinion": opinion})
    return process


def payment_start_for(decided_on: datetime.date) -> datetime.date:
    """Payment starts the month after the decision (MSL 21)."""
    return (decided_on.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


@transaction.atomic
def dibao_decide(
    *, process: DibaoProcess, approve: bool, reasons: list[str], actor: Staff, on: datetime.date | None = None
) -> DibaoProcess:
    """The township head's decision (MSL 21). Approval needs a posted proposal,
    no open objection, and for staff relatives the county visit (MSL 20)."""
    on = on or services._today()
    if actor.pk in separation_excluded(process, "sign_township_head"):
        if actor.pk == process.section_chief_signed_by_id:
            raise PermissionDenied(ERR_HEAD_SAME_AS_CHIEF)
        raise PermissionDenied(ERR_SEPARATION)
    if process.unresolved_objections().exists():
        raise ValidationError(ERR_UNRESOLVED_OBJECTION)
    reasons = [r.strip() for r in reasons if r.strip()]
    if approve:
        if not process.proposes_approval or not process.notice_round:
            raise ValidationError(ERR_APPROVE_WITHOUT_NOTICE)
        if process.staff_relative and not process.county_visit_done:
            raise ValidationError(ERR_COUNTY_VISIT_REQUIRED)
    elif not reasons:
        raise ValidationError(ERR_REFUSAL_NEEDS_REASON)
    old = {"decision": process.decision, "monthly_amount": process.monthly_amount}
    process.township_head_signed_by = actor
    process.decided_on = on
    if approve:
        process.decision = Decision.APPROVED
        if process.spec.benefit.pays_monthly:  # a recognition-only programme pays nothing
            process.monthly_amount = process.proposed_amount
            process.payment_starts = payment_start_for(on)
    else:
        process.decision = Decision.REFUSED
        process.refusal_reasons = reasons
        process.letter_due_on = Calendar().add_working_days(on, REFUSAL_LETTER_DAYS)
    process.save()
    _audit(
        process,
        "dibao.decide",
        actor,
        changes=diff(old, {"decision": process.decision, "monthly_amount": process.monthly_amount}),
        data={"payment_starts": process.payment_starts, "reasons": reasons, "letter_due_on": process.letter_due_on},
    )
    if approve:
        benefit_open(process=process, actor=actor)
    return process


@transaction.atomic
def dibao_benefit_stop(*, process: DibaoProcess, stop_from: datetime.date, reason: str, actor: Staff) -> DibaoProcess:
    """Stop an approved benefit from ``stop_from`` (the county's revocation, SAI 66, 68; MSL 32).

    Called inside the revocation's transaction (``sampling.signals.benefit_revoked``), so the
    case and the county's decision change together. Idempotent: stopping again from the same
    month changes nothing; an earlier month wins (payment never resumes by accident).
    """
    process = DibaoProcess.objects.select_for_update().get(pk=process.pk)
    if process.decision != Decision.APPROVED:
        raise ValidationError(ERR_STOP_NOT_APPROVED)
    old = process.benefit_stopped_from
    if old is not None and old <= stop_from:
        return process
    process.benefit_stopped_from = stop_from
    process.save(update_fields=["benefit_stopped_from"])
    _audit(
        process,
        "dibao.benefit_stopped",
        actor,
        changes={"benefit_stopped_from": [old, stop_from]},
        data={"reason": reason},
    )
    benefit_stop_on_revocation(process_id=process.pk, stop_from=stop_from, reasons=reason, actor=actor)
    return process
