"""The review case: the county's finding and the township's correction (SAI 66)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from workflows.core.access import access_case
from workflows.core.audit import audit_record, diff
from workflows.core.types import Staff
from workflows.core.working_days import Calendar

from .. import signals
from ..models import (
    Correction,
    DrawnCase,
    Finding,
    SamplingReviewProcess,
)
from .common import correction_working_days
from .errors import (
    ERR_ALREADY_REVOKED,
    ERR_FINDING,
    ERR_INSTRUCTIONS_REQUIRED,
    ERR_NO_OPEN_CORRECTION,
    ERR_NOT_COUNTY_REVIEWER,
    ERR_NOT_TOWNSHIP_CASE_WORKER,
    ERR_REASON_REQUIRED,
    ERR_REPORT_REQUIRED,
    ERR_REVIEWER_ACTED,
)

# --- the review case -----------------------------------------------------------


@transaction.atomic
def review_open(*, process: SamplingReviewProcess, drawn_case: DrawnCase) -> SamplingReviewProcess:
    """Fill a new review case (inside the StartHandle activation) from the drawn approval."""
    record = drawn_case.record
    process.drawn_case = drawn_case
    process.open_case(
        county_id=record.county_id,
        township_id=record.township_id,
        village_id=record.village_id,
        action="sampling.review_open",
        data={
            "record": record.pk,
            "approval_case": record.case_number,
            "draw": drawn_case.draw_id,
            "reason": drawn_case.reason,
        },
    )
    return process


@transaction.atomic
def review_decide(
    *,
    process: SamplingReviewProcess,
    finding: str,
    note: str,
    actor: Staff,
    instructions: str = "",
    today: datetime.date | None = None,
) -> SamplingReviewProcess:
    """Record the reviewer's finding (domain.md §7; SAI 66, 68; MSL 39).

    - confirmed: the case ends;
    - correction: a ``Correction`` with a deadline in working days goes to the township;
    - revoked: the flow's ``revoke`` node calls ``record_revoke``.
    """
    node = "re_review" if process.correction_rounds else "review"
    if actor.pk in process.excluded_actor_ids(node):
        raise PermissionDenied(ERR_REVIEWER_ACTED)
    access_case(actor, process, "act_county_reviewer", error=ERR_NOT_COUNTY_REVIEWER)
    if finding not in Finding.values:
        raise ValidationError(ERR_FINDING)
    if finding == Finding.CORRECTION and not instructions.strip():
        raise ValidationError(ERR_INSTRUCTIONS_REQUIRED)
    if finding == Finding.REVOKED and not note.strip():
        raise ValidationError(ERR_REASON_REQUIRED)
    if finding == Finding.REVOKED and process.record.revoked:
        raise ValidationError(ERR_ALREADY_REVOKED)
    old = {"finding": process.finding or None, "finding_note": process.finding_note}
    process.finding = finding
    process.finding_note = note
    process.reviewed_by = actor
    process.reviewed_at = timezone.now()
    process.decided_on = today or timezone.localdate()
    fields = ["finding", "finding_note", "reviewed_by", "reviewed_at", "decided_on"]
    data = {"node": node, "decided_on": process.decided_on}
    if finding == Finding.CORRECTION:
        today = process.decided_on
        process.correction_rounds += 1
        fields.append("correction_rounds")
        due_on = Calendar().add_working_days(today, correction_working_days())
        correction = Correction.objects.create(
            review=process, round=process.correction_rounds, instructions=instructions, ordered_by=actor, due_on=due_on
        )
        data.update({"correction": correction.pk, "due_on": due_on, "round": correction.round})
    process.save(update_fields=fields)
    audit_record(
        action="sampling.review_decide",
        target=process,
        actor=actor,
        process_id=process.pk,
        changes=diff(old, {"finding": finding, "finding_note": note}),
        data=data,
    )
    if finding == Finding.CORRECTION:
        signals.correction_ordered.send(
            sender=SamplingReviewProcess, record=process.record, review=process, due_on=due_on
        )
    return process


@transaction.atomic
def correction_complete(*, process: SamplingReviewProcess, report: str, actor: Staff) -> Correction:
    """The township reports the correction done; the county reviews the case again."""
    access_case(actor, process, "act_case_worker", error=ERR_NOT_TOWNSHIP_CASE_WORKER)
    if not report.strip():
        raise ValidationError(ERR_REPORT_REQUIRED)
    correction = process.corrections.filter(done_at__isnull=True).order_by("-round").first()
    if correction is None:
        raise ValidationError(ERR_NO_OPEN_CORRECTION)
    correction.report = report
    correction.done_by = actor
    correction.done_at = timezone.now()
    correction.save(update_fields=["report", "done_by", "done_at"])
    audit_record(
        action="sampling.correction_complete",
        target=process,
        actor=actor,
        process_id=process.pk,
        changes={"report": [None, report]},
        data={"correction": correction.pk, "round": correction.round, "due_on": correction.due_on},
    )
    return correction


@transaction.atomic
def corrections_escalate_overdue(*, today: datetime.date | None = None) -> int:
    """Flag corrections whose deadline passed without a report (once each), audited on the review case.

    The county sees them on its sampling page; returns how many were escalated.
    """
    today = today or timezone.localdate()
    calendar = Calendar()
    count = 0
    overdue = (
        Correction.objects.select_for_update()
        .filter(done_at__isnull=True, escalated_on__isnull=True, due_on__lt=today)
        .order_by("pk")
    )
    for correction in overdue:
        correction.escalated_on = today
        correction.save(update_fields=["escalated_on"])
        audit_record(
            action="sampling.correction_overdue",
            target=correction.review,
            process_id=correction.review_id,
            changes={"escalated_on": [None, today]},
            data={
                "correction": correction.pk,
                "due_on": correction.due_on,
                "working_days_overdue": calendar.working_days_between(correction.due_on, today),
            },
        )
        count += 1
    return count


def review_start(*, drawn_case_pk: int) -> SamplingReviewProcess | None:
    """Start the review case of a drawn case, unless it has one (idempotent, row-locked)."""
    from ..flows import SamplingReviewFlow

    with transaction.atomic():
        drawn_case = DrawnCase.objects.select_for_update().select_related("record").get(pk=drawn_case_pk)
        if SamplingReviewProcess.objects.filter(drawn_case=drawn_case).exists():
            return None
        return SamplingReviewFlow.start.run(drawn_case=drawn_case)
