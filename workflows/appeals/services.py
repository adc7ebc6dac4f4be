"""Recording appeals and their outcomes (SAI 65; 行政复议法 art. 20: 60 days; 行政诉讼法
art. 46: 6 months, both from receipt of the letter).

An appeal filed after the deadline is still recorded (the appeal body decides whether
to hear it) and marked late. An outcome that sets the decision aside either restores the
benefit the contested change reduced, suspended or stopped (back from the month the
change took effect, so the payment roll pays the arrears), or obliges the township to
decide again by a due date in working days.
"""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from workflows.caseload.models import BenefitChange, ChangeKind
from workflows.caseload.services import benefit_restore_on_appeal
from workflows.core.access import holds
from workflows.core.audit import audit_record, diff
from workflows.core.flows import coerce
from workflows.core.types import AnyUser, Staff
from workflows.core.working_days import Calendar
from workflows.documents.models import CaseDocument
from workflows.households.models import Household

from .models import SETS_ASIDE, Appeal, AppealKind, AppealStatus, Outcome

RECONSIDERATION_DAYS = 60  # 行政复议法 art. 20
LITIGATION_MONTHS = 6  # 行政诉讼法 art. 46
REDECIDE_WORKING_DAYS = 15  # county rule of thumb for a re-decision ordered without a time limit

#: Letters that decide something a household can contest.
APPEALABLE = frozenset(
    {
        CaseDocument.Kind.APPROVAL_LETTER,
        CaseDocument.Kind.REFUSAL_LETTER,
        CaseDocument.Kind.TA_DECISION,
        CaseDocument.Kind.BENEFIT_CHANGE,
    }
)
#: Changes whose overturning puts the benefit back as it was.
RESTORABLE = frozenset({ChangeKind.REDUCE, ChangeKind.SUSPEND, ChangeKind.STOP, ChangeKind.PHASE_OUT})

ERR_NOT_STAFF = _("只有本乡镇经办人、审批人或县民政局经办人可以登记行政复议和诉讼。")
ERR_NOT_APPEALABLE = _("这份文书不是可以申请复议或起诉的决定书。")
ERR_DATES = _("申请日期不能早于送达日期，也不能晚于今天。")
ERR_DELIVERED_BEFORE_LETTER = _("送达日期不能早于决定书出具日期。")
ERR_REQUIRED = _("请填写复议机关或法院，以及请求事项和理由。")
ERR_DECIDED = _("这件复议或诉讼已经登记了结果。")
ERR_OUTCOME_DATE = _("结果日期不能早于申请日期，也不能晚于今天。")
ERR_AMOUNT = _("变更原决定时请填写改定后的每月金额。")
ERR_NOTHING_TO_RESTORE = _("被撤销的决定没有减少或停止保障，无需恢复；请选择“撤销原决定并责令重新作出决定”。")


def _today() -> datetime.date:
    return timezone.localdate()


def add_calendar_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (the last day of a shorter month)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return datetime.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def appeal_deadline(kind: str, delivered_on: datetime.date) -> datetime.date:
    """The last day to apply for reconsideration (60 days) or to sue (6 months) after the
    letter was received."""
    if kind == AppealKind.RECONSIDERATION:
        return delivered_on + datetime.timedelta(days=RECONSIDERATION_DAYS)
    return add_calendar_months(delivered_on, LITIGATION_MONTHS)


def contested(letter: CaseDocument) -> Process | Household:
    """What ``letter`` decided on: its case, or for a letter without a case (a migrated
    benefit's change letter) its household. Either carries ``township_id`` and
    ``county_id``, all ``may_record`` and the appeal's regions need."""
    if letter.process_id is None:
        if letter.household_id is None:
            raise ValidationError(ERR_NOT_APPEALABLE)
        return letter.household
    process = Process.objects.filter(pk=letter.process_id).first()
    if process is None:
        raise ValidationError(ERR_NOT_APPEALABLE)
    return coerce(process)


def letters_like(letter: CaseDocument) -> QuerySet[CaseDocument]:
    """The letters issued under the same case (or, without a case, under the same household
    and reference) as ``letter``: the ones an appeal found by that number may contest."""
    same = (
        {"process_id": letter.process_id}
        if letter.process_id is not None
        else {"household_id": letter.household_id, "case_number": letter.case_number}
    )
    return CaseDocument.objects.filter(**same, kind__in=APPEALABLE, superseded_by__isnull=True).order_by("created_at")


def may_record(user: AnyUser, case: Process | Household) -> bool:
    return (
        holds(user, "act_case_worker", township=case.township_id)
        or holds(user, "act_approver", township=case.township_id)
        or holds(user, "act_county_officer", county=case.county_id)
    )


def _audit(
    appeal: Appeal, action: str, actor: Staff, *, changes: dict[str, list] | None = None, data: dict | None = None
) -> None:
    audit_record(action=action, target=appeal, actor=actor, process_id=appeal.process_id, changes=changes, data=data)


@transaction.atomic
def appeal_record(
    *,
    letter: CaseDocument,
    kind: str,
    body: str,
    delivered_on: datetime.date,
    filed_on: datetime.date,
    claims: str,
    actor: Staff,
) -> Appeal:
    """Record that the household applied for reconsideration or sued against ``letter``."""
    if letter.kind not in APPEALABLE or kind not in AppealKind.values:
        raise ValidationError(ERR_NOT_APPEALABLE)
    case = contested(letter)
    if not may_record(actor, case):
        raise PermissionDenied(ERR_NOT_STAFF)
    body, claims = " ".join((body or "").split()), (claims or "").strip()
    if not body or not claims:
        raise ValidationError(ERR_REQUIRED)
    if delivered_on < timezone.localtime(letter.created_at).date():
        raise ValidationError(ERR_DELIVERED_BEFORE_LETTER)
    if not (delivered_on <= filed_on <= _today()):
        raise ValidationError(ERR_DATES)
    deadline = appeal_deadline(kind, delivered_on)
    change = None
    if letter.kind == CaseDocument.Kind.BENEFIT_CHANGE:
        change = BenefitChange.objects.filter(letter=letter).first()
    appeal = Appeal.objects.create(
        process_id=letter.process_id,
        case_number=getattr(case, "case_number", "") or letter.case_number,
        county_id=case.county_id,
        township_id=case.township_id,
        letter=letter,
        benefit_change=change,
        kind=kind,
        body=body[:100],
        delivered_on=delivered_on,
        filed_on=filed_on,
        deadline=deadline,
        filed_late=filed_on > deadline,
        claims=claims,
        recorded_by=actor,
    )
    _audit(
        appeal,
        "appeals.recorded",
        actor,
        data={
            "appeal": appeal.pk,
            "kind": kind,
            "letter": letter.pk,
            "delivered_on": delivered_on,
            "filed_on": filed_on,
            "deadline": deadline,
            "filed_late": appeal.filed_late,
        },
    )
    return appeal


@transaction.atomic
def appeal_decide(
    *,
    appeal: Appeal,
    outcome: str,
    outcome_on: datetime.date,
    text: str,
    actor: Staff,
    amount: Decimal | None = None,
) -> Appeal:
    """Record the appeal body's outcome. Setting aside a change that reduced, suspended or
    stopped the benefit restores it with arrears (``benefit_restore_on_appeal``); an order
    to decide again gives the township a due date; any other outcome leaves things as
    they are."""
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if not may_record(actor, appeal):  # the appeal carries the case's (household's) regions
        raise PermissionDenied(ERR_NOT_STAFF)
    if appeal.status == AppealStatus.DECIDED:
        raise ValidationError(ERR_DECIDED)
    if outcome not in Outcome.values:
        raise ValidationError(ERR_NOT_APPEALABLE)
    if not (appeal.filed_on <= outcome_on <= _today()):
        raise ValidationError(ERR_OUTCOME_DATE)
    text = (text or "").strip()
    if not text:
        raise ValidationError(ERR_REQUIRED)
    old = {"status": appeal.status, "outcome": appeal.outcome}
    reopen = False
    change = appeal.benefit_change
    if outcome == Outcome.CHANGED and amount is None:
        raise ValidationError(ERR_AMOUNT)
    if outcome in (Outcome.OVERTURNED, Outcome.CHANGED):
        if change is None or change.kind not in RESTORABLE:
            raise ValidationError(ERR_NOTHING_TO_RESTORE)
        appeal.restored_change = benefit_restore_on_appeal(
            change=change,
            amount=amount,
            reasons=str(_("%(body)s %(date)s：%(text)s")) % {"body": appeal.body, "date": outcome_on, "text": text},
            actor=actor,
            on=outcome_on,
        )
    elif outcome == Outcome.REDECIDE:
        appeal.redecide_by = Calendar().add_working_days(outcome_on, REDECIDE_WORKING_DAYS)
        reopen = True
    appeal.status, appeal.outcome, appeal.outcome_on, appeal.outcome_text = (
        AppealStatus.DECIDED,
        outcome,
        outcome_on,
        text,
    )
    appeal.save()
    _audit(
        appeal,
        "appeals.decided",
        actor,
        changes=diff(old, {"status": appeal.status, "outcome": appeal.outcome}),
        data={
            "appeal": appeal.pk,
            "sets_aside": outcome in SETS_ASIDE,
            "restored_change": appeal.restored_change_id,
            "redecide_by": appeal.redecide_by,
        },
    )
    if reopen:
        from .redecision import redecision_start, reopens

        if reopens(appeal):  # a refused case: a township approver decides again
            redecision_start(appeal=appeal, actor=actor)
    return appeal
