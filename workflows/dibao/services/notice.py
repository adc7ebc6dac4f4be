"""Public notice, objections and democratic appraisal (MSL 19, 24; TK 15)."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from workflows.core.models import Village
from workflows.core.types import Actor, Staff

from ..models import (
    DemocraticAppraisal,
    DibaoProcess,
    ExtensionReason,
    NoticeRound,
    Objection,
    ObjectionRoute,
)
from .acceptance import _set_extension, _tekun_stage_due
from .common import _audit
from .errors import ERR_APPRAISAL_VOTES, ERR_OBJECTION_CLOSED, ERR_OBJECTION_EMPTY, ERR_SEPARATION
from .letters import _request_document


# ==============================================================================
# Public notice and objections (MSL 19, 24; TK 15)
# ==============================================================================
@transaction.atomic
def notice_post(*, process: DibaoProcess, at: datetime.datetime | None = None) -> NoticeRound:
    """Post a new 7-day notice round (MSL 19, TK 15); its PDF is rendered after commit
    (``notice.document_id`` is set then)."""
    from ..rendering import PUBLIC_NOTICE

    at = at or timezone.now()
    process.notice_round += 1
    process.save(update_fields=["notice_round"])
    assert process.spec.deadlines.notice_days is not None  # a programme that posts notices sets their length
    notice = NoticeRound.objects.create(
        process=process,
        round=process.notice_round,
        token=secrets.token_urlsafe(24),
        posted_at=at,
        ends_at=at + datetime.timedelta(days=process.spec.deadlines.notice_days),
        proposed_amount=process.proposed_amount,
    )
    actor = process.proposed_by
    pending_id = _request_document(
        process=process, kind="public_notice", filename=f"{process.case_number}-notice-{notice.round}.pdf",
        renderer=PUBLIC_NOTICE, params={"notice_id": notice.pk}, actor=actor,
    )  # fmt: skip
    changes = {"notice_round": [notice.round - 1, notice.round]}
    policy = process.spec.deadlines
    if policy.staged:
        changes.update(_tekun_stage_due(process, notice, policy.decision_after_notice_days))  # TK 16
    _audit(
        process,
        "dibao.notice_posted",
        actor,
        changes=changes,
        data={"ends_at": notice.ends_at, "amount": notice.proposed_amount, "pending_document": pending_id},
    )
    return notice


def village_notices_pdf(*, village: Village, at: datetime.datetime | None = None) -> bytes | None:
    """One PDF of every notice on display in ``village`` (a page per household, as each is
    posted alone), for printing the village's notice board in one go; None when none is open."""
    from ..documents import render_notices_pdf
    from ..selectors import notices_posted_in, public_notice

    notices = [public_notice(notice) for notice in notices_posted_in(village, at=at)]
    return render_notices_pdf(notices) if notices else None


@transaction.atomic
def objection_record(
    *,
    notice: NoticeRound,
    content: str,
    anonymous: bool,
    name: str = "",
    contact: str = "",
    actor: Actor = None,
    at: datetime.datetime | None = None,
) -> Objection:
    """Record an objection during the notice window, by anyone (MSL 19).

    dibao: extends the deadline for the lawful reason "objection" (N22 4(1)). 特困: a new
    preliminary opinion is due 15 working days after the notice ends (TK 15).
    """
    at = at or timezone.now()
    notice = NoticeRound.objects.select_related("process").get(pk=notice.pk)
    process = DibaoProcess.objects.select_for_update().get(pk=notice.process_id)
    if not notice.is_open(at) or notice.round != process.notice_round:
        raise ValidationError(ERR_OBJECTION_CLOSED)
    if not content.strip():
        raise ValidationError(ERR_OBJECTION_EMPTY)
    staff = actor if getattr(actor, "is_authenticated", False) else None
    objection = Objection.objects.create(
        notice=notice,
        received_at=at,
        anonymous=anonymous,
        name="" if anonymous else name,
        contact="" if anonymous else contact,
        content=content,
        recorded_by=staff,
    )
    changes: dict[str, list[Any]] = {}
    policy = process.spec.deadlines
    if policy.staged:
        changes = _tekun_stage_due(process, notice, policy.reopinion_days)  # TK 15: a new opinion
    elif not process.extension_reason and process.accepted_on:
        changes = _set_extension(process, ExtensionReason.OBJECTION)
        process.save(update_fields=["extension_reason", "extended_due_on"])
    _audit(
        process,
        "dibao.objection",
        staff,
        changes=changes,
        data={"objection": objection.pk, "round": notice.round, "anonymous": anonymous},
    )
    return objection


def _resolve_objections(process: DibaoProcess, resolution: str, actor: Staff) -> int:
    now = timezone.now()
    count = process.unresolved_objections().update(resolution=resolution, resolved_at=now)
    if count:
        _audit(process, "dibao.objections_resolved", actor, data={"count": count})
    return count


@transaction.atomic
def objection_route_choose(*, process: DibaoProcess, route: str, actor: Staff) -> DibaoProcess:
    """The approver sends an objection to re-investigation or democratic appraisal."""
    if actor.pk in process.excluded_actor_ids("choose_objection_route"):
        raise PermissionDenied(ERR_SEPARATION)
    old = process.objection_route
    process.objection_route = ObjectionRoute(route)
    process.save(update_fields=["objection_route"])
    _audit(process, "dibao.objection_route", actor, changes={"objection_route": [old or None, route]})
    return process


@transaction.atomic
def appraisal_record(
    *,
    process: DibaoProcess,
    held_on: datetime.date,
    participants: int,
    votes_for: int,
    votes_against: int,
    conclusion: str,
    actor: Staff,
) -> DemocraticAppraisal:
    """民主评议 on an objection (MSL 19)."""
    if votes_for + votes_against > participants:
        raise ValidationError(ERR_APPRAISAL_VOTES)
    appraisal = DemocraticAppraisal.objects.create(
        process=process,
        notice_round=process.notice_round,
        held_on=held_on,
        participants=participants,
        votes_for=votes_for,
        votes_against=votes_against,
        conclusion=conclusion,
        recorded_by=actor,
    )
    _audit(process, "dibao.appraisal", actor, data={"appraisal": appraisal.pk, "for": votes_for,
                                                     "against": votes_against})  # fmt: skip
    _resolve_objections(process, conclusion, actor)
    return appraisal
