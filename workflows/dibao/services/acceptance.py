"""Acceptance, missing materials (MSL 10), deadlines and extensions (MSL 22, TK 13), overdue alerts (MSL 15, 17, 21, 22)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.core import programmes
from workflows.core.audit import diff
from workflows.core.types import Actor, Staff
from workflows.core.working_days import Calendar

# Test seams are looked up through the package, so that patching
# ``workflows.dibao.services.<name>`` reaches every caller.
from workflows.dibao import services

from ..models import (
    Decision,
    DibaoProcess,
    ExtensionReason,
    NoticeRound,
    OverdueAlert,
)
from .common import _audit
from .errors import (
    ERR_EXTENSION_REASON,
    ERR_EXTENSION_TEKUN,
    ERR_MATERIALS_NOT_ALL_RECEIVED,
    ERR_MISSING_ALREADY_NOTIFIED,
)

# The decision deadlines (dibao: MSL 22 from acceptance; 特困: per stage, TK 13, 15, 16) are
# each programme's deadline policy in workflows/core/programmes.py.
REFUSAL_LETTER_DAYS = 3  # MSL 21
INVESTIGATION_START_DAYS = 3  # MSL 15: township starts investigating after acceptance
CHECK_START_DAYS = 3  # MSL 17: county starts the data check after the township's request


# Materials a case worker checks at acceptance (MSL 10: one notice listing them all).
MATERIALS = {
    "application": _("书面申请书"),
    "id_cards": _("家庭成员身份证、户口簿"),
    "income_proof": _("收入情况证明"),
    "asset_declaration": _("家庭财产申报"),
    "check_authorisation": _("家庭经济状况核对授权书"),
    "truthfulness": _("真实性承诺书"),
    "disability_proof": _("残疾或重病证明"),
}


# ==============================================================================
# Acceptance, missing materials (MSL 10) and deadlines (MSL 22, TK 13)
# ==============================================================================
def due_date(
    *, accepted_on: datetime.date, programme: str, delegated: bool, extended: bool, calendar: Calendar | None = None
) -> datetime.date:
    """The first deadline in working days from acceptance on the official calendar, from the
    programme's deadline policy: the dibao decision (MSL 22), or for a staged programme the
    preliminary opinion (特困, TK 13; later stages are set by ``_tekun_stage_due``)."""
    calendar = calendar or Calendar()
    policy = programmes.spec(programme).deadlines
    if extended:
        days = policy.extended_days
    elif policy.staged:
        days = policy.opinion_days
    else:
        days = policy.decision_days_delegated if delegated else policy.decision_days_not_delegated
    assert days is not None  # the programme's policy sets the deadline asked for (extended: dibao only)
    return calendar.add_working_days(accepted_on, days)


def _tekun_stage_due(process: DibaoProcess, notice: NoticeRound, days: int | None) -> dict:
    """A staged programme (特困): move ``due_on`` to ``days`` working days after ``notice`` ends (TK 15, 16);
    returns the audit diff. The dibao deadline is counted from acceptance and never moves."""
    assert days is not None  # a staged programme's policy sets its stage deadlines
    old = process.due_on
    ends_on = timezone.localtime(notice.ends_at).date()
    process.due_on = Calendar().add_working_days(ends_on, days)
    process.save(update_fields=["due_on"])
    return diff({"due_on": old}, {"due_on": process.due_on})


def _set_extension(process: DibaoProcess, reason: str, calendar: Calendar | None = None) -> dict:
    # 特困 deadlines run per stage (TK 13, 15, 16) and an objection already has its own
    # (TK 15); the dibao 45-day extension (MSL 22) would override them.
    if not process.spec.deadlines.extendable:
        raise ValidationError(ERR_EXTENSION_TEKUN)
    if reason not in ExtensionReason.values:
        raise ValidationError(ERR_EXTENSION_REASON)
    assert process.accepted_on is not None  # extended after acceptance (dibao_accept, dibao_extend)
    old = {"extension_reason": process.extension_reason, "extended_due_on": process.extended_due_on}
    process.extension_reason = reason
    process.extended_due_on = due_date(
        accepted_on=process.accepted_on,
        programme=process.programme,
        delegated=process.delegated,
        extended=True,
        calendar=calendar,
    )
    return diff(old, {"extension_reason": reason, "extended_due_on": process.extended_due_on})


@transaction.atomic
def dibao_accept(
    *,
    process: DibaoProcess,
    missing: list[str],
    delegated: bool,
    extension_reason: str = "",
    actor: Staff,
    on: datetime.date | None = None,
) -> DibaoProcess:
    """Check the materials. Missing items -> the one-time notice (MSL 10), not
    accepted yet. Otherwise accept on ``on`` and fix the deadline (MSL 22)."""
    on = on or services._today()
    missing = [m for m in missing if m]
    if missing and process.missing_notified_on:
        raise ValidationError(ERR_MISSING_ALREADY_NOTIFIED % {"items": "、".join(missing)})
    old = {"missing_materials": process.missing_materials, "accepted_on": process.accepted_on,
           "delegated": process.delegated, "due_on": process.due_on}  # fmt: skip
    process.delegated = delegated
    changes = {}
    if missing:
        process.missing_materials = missing
    else:
        process.accepted_on = on
        process.accepted_by = actor
        process.due_on = due_date(accepted_on=on, programme=process.programme, delegated=delegated, extended=False)
        process.investigation_due_on = Calendar().add_working_days(on, INVESTIGATION_START_DAYS)
        if extension_reason:
            changes = _set_extension(process, extension_reason)
    process.save()
    new = {"missing_materials": process.missing_materials, "accepted_on": process.accepted_on,
           "delegated": process.delegated, "due_on": process.due_on}  # fmt: skip
    if not missing:
        old["investigation_due_on"], new["investigation_due_on"] = None, process.investigation_due_on
    _audit(process, "dibao.accept" if not missing else "dibao.materials_missing", actor,
           changes={**diff(old, new), **changes})  # fmt: skip
    return process


@transaction.atomic
def dibao_notify_missing(*, process: DibaoProcess) -> DibaoProcess:
    """Issue the one-time notice listing every missing item (MSL 10)."""
    process.missing_notified_on = services._today()
    process.save(update_fields=["missing_notified_on"])
    items = [str(MATERIALS.get(k, k)) for k in process.missing_materials]
    _audit(
        process,
        "dibao.missing_notice",
        process.accepted_by or process.filed_by,
        changes={"missing_notified_on": [None, process.missing_notified_on]},
        data={"items": items},
    )
    return process


@transaction.atomic
def dibao_complete_materials(*, process: DibaoProcess, received: list[str], actor: Staff) -> DibaoProcess:
    """Record the arrival of the notified materials; all must have arrived."""
    outstanding = [k for k in process.missing_materials if k not in set(received)]
    if outstanding:
        items = "、".join(str(MATERIALS.get(k, k)) for k in outstanding)
        raise ValidationError(ERR_MATERIALS_NOT_ALL_RECEIVED % {"items": items})
    _audit(process, "dibao.materials_completed", actor, data={"received": list(received)})
    return process


def dibao_recompute_deadlines(*, calendar: Calendar, since: datetime.date, actor: Actor = None, reason: str) -> int:
    """The official calendar changed (a State Council schedule entered or loaded): move
    the stored deadlines of open cases to what the new calendar gives (MSL 22, 21), with
    one ``dibao.deadline_recomputed`` event per case that moved; returns that count.

    Recomputed: the decision deadline from acceptance (dibao; 特困 until its first notice,
    after which its stage deadlines run from the notice, TK 15, 16), the 45-day extension,
    and the refusal letter's deadline while the letter is not issued. Only cases with a
    deadline on or after ``since`` (the first changed day) can move: an earlier deadline
    counts no changed day. Run inside the transaction that changed the calendar."""
    moved = 0
    cases = (
        DibaoProcess.objects.exclude(status__in=["DONE", "CANCELED"])
        .filter(Q(due_on__gte=since) | Q(extended_due_on__gte=since) | Q(letter_due_on__gte=since))
        .select_for_update()
        .order_by("pk")
    )
    for process in cases:
        fields = ("due_on", "extended_due_on", "letter_due_on")
        old = {f: getattr(process, f) for f in fields}
        if process.accepted_on and process.decided_on is None:
            staged = process.spec.deadlines.staged and process.notices.exists()
            if not staged:
                process.due_on = due_date(
                    accepted_on=process.accepted_on,
                    programme=process.programme,
                    delegated=process.delegated,
                    extended=False,
                    calendar=calendar,
                )
            if process.extension_reason:
                process.extended_due_on = due_date(
                    accepted_on=process.accepted_on,
                    programme=process.programme,
                    delegated=process.delegated,
                    extended=True,
                    calendar=calendar,
                )
        if process.letter_due_on and process.decided_on and process.letter_issued_on is None:
            process.letter_due_on = calendar.add_working_days(process.decided_on, REFUSAL_LETTER_DAYS)
        changes = diff(old, {f: getattr(process, f) for f in fields})
        if not changes:
            continue
        process.save(update_fields=list(changes))
        _audit(process, "dibao.deadline_recomputed", actor, changes=changes, data={"reason": reason})
        moved += 1
    return moved


@transaction.atomic
def dibao_extend(*, process: DibaoProcess, reason: str, actor: Staff) -> DibaoProcess:
    """Extend to 45 working days for an enumerated reason (MSL 22, N22 4(1)). dibao only:
    refused for 特困, whose stage deadlines (TK 13, 15, 16) it would override."""
    changes = _set_extension(process, reason)
    process.save(update_fields=["extension_reason", "extended_due_on"])
    _audit(process, "dibao.extend", actor, changes=changes)
    return process


# ==============================================================================
# Overdue alerts (MSL 15, 17, 21, 22)
# ==============================================================================
@transaction.atomic
def overdue_alerts_raise(*, today: datetime.date | None = None) -> int:
    """One alert per case, deadline kind and due date once a deadline has passed unmet
    (or was met only after it): the decision (MSL 22), the start of the investigation
    (MSL 15), the start of the county's data check (MSL 17) and the refusal letter
    (MSL 21). Idempotent: a second run the same or a later day raises nothing new."""
    today = today or services._today()
    calendar = Calendar()
    count = 0
    qs = (
        DibaoProcess.objects.filter(accepted_on__isnull=False)
        .exclude(status="CANCELED")
        # an ended case can still owe its refusal letter (MSL 21)
        .filter(~Q(status="DONE") | Q(decision=Decision.REFUSED, letter_issued_on__isnull=True))
        .select_related("township")
    )
    for process in qs:
        if process.check_due_on and process.check_started_on is None and process.check_due_on < today:
            started = services._finance_check_started_on(process)
            if started is not None:
                process.check_started_on = started
                process.save(update_fields=["check_started_on"])
        for deadline in process.stage_deadlines():
            if not deadline.overdue_on(today):
                continue
            alert, created = OverdueAlert.objects.get_or_create(
                process=process,
                kind=deadline.kind,
                due_on=deadline.due_on,
                defaults={
                    "township": process.township,
                    "raised_on": today,
                    "working_days_overdue": calendar.working_days_between(deadline.due_on, deadline.met_on or today),
                },
            )
            if created:
                count += 1
                _audit(process, "dibao.overdue", data={"due_on": deadline.due_on, "kind": deadline.kind,
                                                       "alert": alert.pk})  # fmt: skip
    return count
