"""Receiving and handling monitoring signals (动态监测、主动发现, LI23; domain.md §8).

Every function is keyword-only, takes the acting user, runs in one transaction, checks the
actor's right through ``workflows.core.access`` and writes an audit row with the old and
new values. A handling that creates a case-side record (a referral, a re-check) is also
audited on the signal's own chain, so the monitoring list's history is complete.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from workflows.core import working_days
from workflows.core.access import holds
from workflows.core.audit import audit_record
from workflows.core.id_numbers import normalise_id_number, validate_id_number
from workflows.core.models import County, Township, Village
from workflows.core.scope import user_scope
from workflows.core.types import Staff
from workflows.households.models import HouseholdMember

from .models import MonitoringRule, Signal, SignalKind, SignalSource, UnmatchedSignal
from .selectors import household_cases

#: Township and village roles that report for their own regions.
TOWNSHIP_REPORTERS = frozenset({"act_case_worker", "act_approver", "act_village_assistant"})

ERR_NOT_ALLOWED_TO_REPORT = _("只有县级民政工作人员、乡镇经办人、审批人或村级协理员可以报告预警信息。")
ERR_KIND = _("未知的预警类别。")
ERR_SOURCE = _("未知的信息来源。")
ERR_OCCURRED = _("发生日期不能晚于今天。")
ERR_NOT_HANDLER = _("只有本乡镇经办人可以处置本乡镇的预警信息。")
ERR_CLOSED = _("该预警信息已处置。")
ERR_REASON = _("请写明无需处置的理由。")
ERR_OWN_REPORT = _("报告人不能将自己报告的预警信息作无需处置办结，请由本乡镇其他经办人核实。")
ERR_CASE_HOUSEHOLD = _("所选案件不是该预警家庭的案件。")
ERR_CASE_BEFORE_SIGNAL = _("所选案件早于预警信息，请先为该家庭受理新的申请。")
ERR_NO_CASE_TO_REFER = _("该家庭还没有救助案件，转介须依托案件办理：请先受理申请，或选择其他处置方式。")
ERR_NOT_DEATH = _("只有死亡信息可以启动在保家庭复核。")
ERR_NO_BENEFIT = _("该家庭没有正在享受的保障，无需复核：请选择其他处置方式。")


def _received_day(received_at: datetime.datetime) -> datetime.date:
    return timezone.localdate(received_at)


def _may_report(actor: Staff, county: County) -> bool:
    """County officers report for their county; township and village staff (case worker,
    approver, village assistant) for their own regions inside it."""
    if holds(actor, "act_county_officer", county=county.pk):
        return True
    scope = user_scope(actor)
    if not {codename for _ct, _app, codename, _pk in scope.object_permissions} & TOWNSHIP_REPORTERS:
        return False
    return (
        Township.objects.filter(county=county, pk__in=scope.township_ids).exists()
        or Village.objects.filter(township__county=county, pk__in=scope.village_ids).exists()
    )


def _match(*, id_number: str, county: County, actor: Staff) -> HouseholdMember | None:
    """The registered member with this ID number, among the households the reporter acts
    on: the whole county for a county officer, else the reporter's own township or village.
    A household outside a township reporter's own books counts as not found (the county
    routes it), so a report never tells a township who is registered elsewhere. Where a
    person is in several households, the one with a benefit not stopped, else the newest."""
    from workflows.caseload.models import Benefit, BenefitStatus

    members = HouseholdMember.objects.filter(id_number=id_number, household__county=county)
    if not holds(actor, "act_county_officer", county=county.pk):
        members = members.filter(user_scope(actor).case_filter("household__"))
    paying = Benefit.objects.filter(household_id=OuterRef("household_id")).exclude(status=BenefitStatus.STOPPED)
    return (
        members.annotate(recipient=Exists(paying))
        .select_related("household")
        .order_by("-recipient", "-household_id")
        .first()
    )


@transaction.atomic
def signal_receive(
    *,
    kind: str,
    source: str,
    id_number: str,
    occurred_on: datetime.date,
    county: County,
    actor: Staff,
    person_name: str = "",
    details: str = "",
    received_at: datetime.datetime | None = None,
) -> Signal | UnmatchedSignal:
    """Record one signal from a department or a person (LI23: 主动发现).

    The ID number is normalised and validated (GB 11643); it is matched against the
    registered population (``_match``). A match becomes a ``Signal`` on the household's
    township list, due in the county's working days for its kind (``MonitoringRule``, from
    the day received); no match becomes an ``UnmatchedSignal`` for the county only. A staff
    report (source ``staff``) records its reporter, who may then not dismiss it."""
    if not _may_report(actor, county):
        raise PermissionDenied(ERR_NOT_ALLOWED_TO_REPORT)
    if kind not in SignalKind.values:
        raise ValidationError(ERR_KIND, code="kind")
    if source not in SignalSource.values:
        raise ValidationError(ERR_SOURCE, code="source")
    id_number = normalise_id_number(id_number)
    validate_id_number(id_number)
    if occurred_on is None or occurred_on > timezone.localdate():
        raise ValidationError(ERR_OCCURRED, code="occurred_on")
    received_at = received_at or timezone.now()
    reported: dict[str, Any] = {
        "kind": kind, "source": source, "id_number": id_number, "person_name": (person_name or "").strip()[:50],
        "occurred_on": occurred_on, "received_at": received_at, "details": (details or "").strip(),
        "county": county, "reported_by": actor,
    }  # fmt: skip
    member = _match(id_number=id_number, county=county, actor=actor)
    if member is None:
        unmatched = UnmatchedSignal.objects.create(**reported)
        audit_record(
            action="monitoring.signal_unmatched", target=unmatched, actor=actor, chain=f"monitoring:county:{county.pk}",
            changes={"kind": [None, kind], "source": [None, source], "id_number": [None, id_number],
                     "occurred_on": [None, occurred_on]},
        )  # fmt: skip
        return unmatched
    household = member.household
    days = MonitoringRule.for_county(county.pk, _received_day(received_at)).days_for(kind)
    signal = Signal.objects.create(
        **reported, household=household, member=member, township_id=household.township_id,
        village_id=household.village_id,
        due_on=working_days.add_working_days(_received_day(received_at), days),
    )  # fmt: skip
    audit_record(
        action="monitoring.signal_receive", target=signal, actor=actor,
        changes={"kind": [None, kind], "source": [None, source], "occurred_on": [None, occurred_on],
                 "household": [None, household.pk], "township": [None, household.township_id],
                 "due_on": [None, signal.due_on], "status": [None, signal.status]},
        data={"working_days": days},
    )  # fmt: skip
    return signal


def _open_signal(signal: Signal, actor: Staff) -> Signal:
    """The signal, locked, still open, and ``actor`` the case worker of its township."""
    signal = Signal.objects.select_for_update().get(pk=signal.pk)
    if not holds(actor, "act_case_worker", township=signal.township_id):
        raise PermissionDenied(ERR_NOT_HANDLER)
    if not signal.is_open:
        raise ValidationError(ERR_CLOSED, code="closed")
    return signal


def _close(
    signal: Signal,
    *,
    status: str,
    handling: str,
    actor: Staff,
    extra: dict[str, Any],
    data: dict[str, Any] | None = None,
) -> Signal:
    old = {"status": signal.status, "handling": signal.handling}
    signal.status, signal.handling = status, handling
    signal.handled_at, signal.handled_by = timezone.now(), actor
    for name, value in extra.items():
        setattr(signal, name, value)
    signal.save()
    changes: dict[str, list[Any]] = {"status": [old["status"], status], "handling": [old["handling"] or None, handling]}
    changes.update({name: [None, getattr(value, "pk", value)] for name, value in extra.items()})
    audit_record(action=f"monitoring.signal_{handling}", target=signal, actor=actor, changes=changes, data=data)
    return signal


@transaction.atomic
def signal_record_case(*, signal: Signal, process: Process, actor: Staff) -> Signal:
    """Handle a signal by opening a case proactively (主动受理): the case worker filed the
    household's application at the programme's staff intake; the case is recorded here. It
    must be the household's own case, filed since the signal arrived."""
    signal = _open_signal(signal, actor)
    cases = {p.pk: p for p in household_cases(signal.household_id)}
    if process.pk not in cases:
        raise ValidationError(ERR_CASE_HOUSEHOLD, code="case_household")
    process = cases[process.pk]
    if process.created < signal.received_at:
        raise ValidationError(ERR_CASE_BEFORE_SIGNAL, code="case_before_signal")
    return _close(
        signal, status=Signal.Status.HANDLED, handling=Signal.Handling.CASE, actor=actor,
        extra={"case": process, "case_ref": process.case_number or f"#{process.pk}"},
    )  # fmt: skip


@transaction.atomic
def signal_recheck_on_death(*, signal: Signal, actor: Staff) -> Signal:
    """Handle a recipient's death: the caseload's ``recheck_on_death`` brings every benefit's
    re-check forward (due within the county's months of the death, MSL 31)."""
    from workflows.caseload.services import recheck_on_death

    signal = _open_signal(signal, actor)
    if signal.kind != SignalKind.DEATH:
        raise ValidationError(ERR_NOT_DEATH, code="not_death")
    rechecks = recheck_on_death(household=signal.household, died_on=signal.occurred_on, actor=actor)
    if not rechecks:
        raise ValidationError(ERR_NO_BENEFIT, code="no_benefit")
    return _close(
        signal, status=Signal.Status.HANDLED, handling=Signal.Handling.RECHECK, actor=actor, extra={},
        data={"rechecks": [r.pk for r in rechecks]},
    )  # fmt: skip


@transaction.atomic
def signal_refer(
    *, signal: Signal, department: str, need: str, actor: Staff, answer_working_days: int | None = None
) -> Signal:
    """Handle a signal by referring the family to another department's special assistance
    (SAI 60), through the cooperation app's referral on the household's latest case."""
    from workflows.cooperation.services import REFERRAL_ANSWER_WORKING_DAYS, referral_create

    signal = _open_signal(signal, actor)
    cases = household_cases(signal.household_id)
    if not cases:
        raise ValidationError(ERR_NO_CASE_TO_REFER, code="no_case")
    referral = referral_create(
        process=cases[0], department=department, need=need, actor=actor,
        answer_working_days=answer_working_days or REFERRAL_ANSWER_WORKING_DAYS,
    )  # fmt: skip
    return _close(
        signal, status=Signal.Status.HANDLED, handling=Signal.Handling.REFERRAL, actor=actor,
        extra={"referral": referral, "case": cases[0], "case_ref": referral.case_ref},
    )  # fmt: skip


@transaction.atomic
def signal_dismiss(*, signal: Signal, reason: str, actor: Staff) -> Signal:
    """Close a signal as needing no action, with the reason checked (LI23: 记录无需处置的理由)."""
    signal = _open_signal(signal, actor)
    # Four eyes: whoever raised a warning must not also be the one who closes it as "nothing
    # to do" — otherwise a report could be filed and buried by one person, and the record
    # would show a signal that was seen and checked when nobody else ever looked at it.
    if signal.reported_by_id is not None and signal.reported_by_id == actor.pk:
        raise PermissionDenied(ERR_OWN_REPORT)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(ERR_REASON, code="reason")
    return _close(
        signal, status=Signal.Status.DISMISSED, handling=Signal.Handling.DISMISSAL, actor=actor,
        extra={"reason": reason},
    )  # fmt: skip


@transaction.atomic
def signals_raise_overdue(*, today: datetime.date | None = None) -> int:
    """Flag each open signal past its due date, once, with an audit row (beat, daily); the
    township's case workers are told by e-mail after the commit. Idempotent."""
    from .notifications import tell_township_overdue

    today = today or timezone.localdate()
    late = list(
        Signal.objects.select_for_update(skip_locked=True)
        .filter(status=Signal.Status.OPEN, overdue_raised_on__isnull=True, due_on__lt=today)
        .order_by("pk")
    )
    by_township: dict[int, int] = {}
    for signal in late:
        signal.overdue_raised_on = today
        signal.save(update_fields=["overdue_raised_on"])
        audit_record(
            action="monitoring.signal_overdue", target=signal, actor=None,
            changes={"overdue_raised_on": [None, today]},
            data={"due_on": signal.due_on, "working_days_overdue": working_days.working_days_between(
                signal.due_on, today)},
        )  # fmt: skip
        by_township[signal.township_id] = by_township.get(signal.township_id, 0) + 1
    if by_township:
        transaction.on_commit(lambda: tell_township_overdue(by_township), robust=True)
    return len(late)
