"""Referrals to other departments (SAI 60) and case conferences (个案会商), domain.md §8.

Every function is keyword-only, takes the acting user, runs in one transaction, checks the
actor's right on the case's region through ``workflows.core.access`` and appends an audit
event to the case's own chain (``case:<process pk>``), so the referral and the conference
appear in the case's history replay next to the programme's own steps.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process
from viewflow.workflow.status import PROCESS

from workflows.core import working_days
from workflows.core.access import access_case, holds
from workflows.core.audit import audit_record
from workflows.core.flows import coerce
from workflows.core.types import Staff

from .models import Conference, ConferenceAction, Department, Need, Participant, Referral

#: Working days a department has to answer a referral, unless the case worker sets another.
REFERRAL_ANSWER_WORKING_DAYS = 10
MAX_ANSWER_WORKING_DAYS = 60

ERR_NOT_CASE_WORKER = _("只有本乡镇经办人可以转介本乡镇的案件。")
ERR_NOT_TOWNSHIP_STAFF = _("只有本乡镇经办人或审批人可以记录个案会商。")
ERR_MAY_NOT_ANSWER = _("只有本乡镇经办人可以登记部门答复。")
ERR_MAY_NOT_CLOSE = _("只有本乡镇经办人或审批人可以办结会商后续事项。")
ERR_CASE_CANCELLED = _("案件已取消，不能转介或会商。")
ERR_NOT_A_CASE = _("这不是一件救助案件。")
ERR_DEPARTMENT = _("请选择转介的专项救助。")
ERR_NEED = _("请写明需要的帮助。")
ERR_WORKING_DAYS = _("答复期限须为 1 至 %(max)s 个工作日。")
ERR_ALREADY_ANSWERED = _("该转介已登记过部门答复。")
ERR_ANSWER_DATE = _("答复日期不能早于转介日期，也不能晚于今天。")
ERR_ANSWER_FIELDS = _("请填写答复人、答复结果和答复内容。")
ERR_NOT_TA = _("个案会商只用于临时救助案件。")
ERR_NOT_EMERGENCY = _("个案会商只用于急难型临时救助案件。")
ERR_NO_GROUNDS = _("申请金额未超过乡镇审批限额，且困难需求少于两项：无需个案会商。")
ERR_HELD_ON = _("会商日期不能晚于今天。")
ERR_DEPARTMENTS = _("请至少选择一个参会部门。")
ERR_PARTICIPANTS = _("请填写参会人员。")
ERR_DECISION = _("请填写会商决定。")
ERR_ACTION = _("每项后续事项须写明事项、责任单位/责任人和不早于会商日期的完成期限。")
ERR_ALREADY_CLOSED = _("该后续事项已办结。")
ERR_CLOSING_NOTE = _("请填写办结情况。")


def _case(process: Process) -> Process:
    process = coerce(process)
    if getattr(process, "township_id", None) is None:
        raise ValidationError(ERR_NOT_A_CASE, code="not_a_case")
    if process.status == PROCESS.CANCELED:
        raise ValidationError(ERR_CASE_CANCELLED, code="cancelled")
    return process


def _case_fields(process: Process) -> dict:
    return {
        "process_id": process.pk,
        "case_ref": process.case_number or f"#{process.pk}",
        "county_id": process.county_id,
        "township_id": process.township_id,
        "village_id": process.village_id,
    }


def _household_id(process: Process) -> int | None:
    """The case's household: its declared ``household_field`` (dibao), else a ``household`` key."""
    name = getattr(process, "household_field", None) or "household"
    return getattr(process, f"{name}_id", None)


@transaction.atomic
def referral_create(
    *,
    process: Process,
    department: str,
    need: str,
    answer_working_days: int = REFERRAL_ANSWER_WORKING_DAYS,
    actor: Staff,
) -> Referral:
    """Refer the case's household to another department's special assistance (SAI 60).

    The township case worker of the case's township refers, at intake or later; the
    department's answer is due ``answer_working_days`` working days after today."""
    process = _case(process)
    access_case(actor, process, "act_case_worker", error=ERR_NOT_CASE_WORKER)
    if department not in Department.values:
        raise ValidationError(ERR_DEPARTMENT, code="department")
    need = (need or "").strip()
    if not need:
        raise ValidationError(ERR_NEED, code="need")
    if not 1 <= int(answer_working_days) <= MAX_ANSWER_WORKING_DAYS:
        raise ValidationError(ERR_WORKING_DAYS % {"max": MAX_ANSWER_WORKING_DAYS}, code="working_days")
    today = timezone.localdate()
    referral = Referral.objects.create(
        **_case_fields(process),
        household_id=_household_id(process),
        department=department,
        need=need,
        referred_on=today,
        due_on=working_days.add_working_days(today, int(answer_working_days)),
        created_by=actor,
    )
    audit_record(
        action="cooperation.referral_create",
        target=referral,
        actor=actor,
        process_id=process.pk,
        changes={
            "department": [None, department],
            "need": [None, need],
            "referred_on": [None, today],
            "due_on": [None, referral.due_on],
            "status": [None, referral.status],
        },
    )
    return referral


@transaction.atomic
def referral_answer(
    *, referral: Referral, answered_by: str, answered_on: datetime.date, outcome: str, answer: str, actor: Staff
) -> Referral:
    """Enter the department's answer to a referral (who answered, when, the outcome)."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if not holds(actor, "act_case_worker", township=referral.township_id):
        raise PermissionDenied(ERR_MAY_NOT_ANSWER)
    if referral.status != Referral.Status.OPEN:
        raise ValidationError(ERR_ALREADY_ANSWERED, code="answered")
    answered_by, answer = (answered_by or "").strip(), (answer or "").strip()
    if not answered_by or not answer or outcome not in Referral.Outcome.values:
        raise ValidationError(ERR_ANSWER_FIELDS, code="answer")
    if answered_on is None or not referral.referred_on <= answered_on <= timezone.localdate():
        raise ValidationError(ERR_ANSWER_DATE, code="answered_on")
    referral.status = Referral.Status.ANSWERED
    referral.answered_by, referral.answered_on = answered_by, answered_on
    referral.outcome, referral.answer, referral.answer_recorded_by = outcome, answer, actor
    referral.save()
    audit_record(
        action="cooperation.referral_answer",
        target=referral,
        actor=actor,
        process_id=referral.process_id,
        changes={
            "status": [Referral.Status.OPEN, referral.status],
            "answered_by": [None, answered_by],
            "answered_on": [None, answered_on],
            "outcome": [None, outcome],
            "answer": [None, answer],
        },
    )
    return referral


@dataclass(frozen=True)
class ActionInput:
    description: str
    owner: str
    due_on: datetime.date


def conference_grounds(process: Process, needs: Iterable[str]) -> tuple[bool, bool]:
    """(above the township limit, several needs): either makes a conference due (domain.md §8)."""
    above = bool(getattr(process, "major_hardship", False)) or process.requested_amount > process.township_limit
    return above, len(set(needs)) >= 2


@transaction.atomic
def conference_record(
    *,
    process: Process,
    held_on: datetime.date,
    departments: list[str],
    participants: str,
    needs: list[str],
    decision: str,
    actions: list[ActionInput],
    actor: Staff,
) -> Conference:
    """Record a case conference on a 急难型 temporary-assistance case above the township limit
    or with two or more needs, with its follow-up actions (each with an owner and a due date)."""
    from workflows.temporary_assistance.models import Kind, TemporaryAssistanceProcess

    process = _case(process)
    if not isinstance(process, TemporaryAssistanceProcess):
        raise ValidationError(ERR_NOT_TA, code="not_ta")
    if not (holds(actor, "act_case_worker", township=process.township_id)
            or holds(actor, "act_approver", township=process.township_id)):  # fmt: skip
        raise PermissionDenied(ERR_NOT_TOWNSHIP_STAFF)
    if process.kind != Kind.EMERGENCY:
        raise ValidationError(ERR_NOT_EMERGENCY, code="not_emergency")
    needs = [n for n in dict.fromkeys(needs) if n in Need.values]
    departments = [d for d in dict.fromkeys(departments) if d in Participant.values]
    above, several = conference_grounds(process, needs)
    if not (above or several):
        raise ValidationError(ERR_NO_GROUNDS, code="no_grounds")
    if held_on is None or held_on > timezone.localdate():
        raise ValidationError(ERR_HELD_ON, code="held_on")
    participants, decision = (participants or "").strip(), (decision or "").strip()
    if not departments:
        raise ValidationError(ERR_DEPARTMENTS, code="departments")
    if not participants:
        raise ValidationError(ERR_PARTICIPANTS, code="participants")
    if not decision:
        raise ValidationError(ERR_DECISION, code="decision")
    for a in actions:
        if not a.description.strip() or not a.owner.strip() or a.due_on is None or a.due_on < held_on:
            raise ValidationError(ERR_ACTION, code="action")
    conference = Conference.objects.create(
        **_case_fields(process),
        held_on=held_on,
        departments=departments,
        participants=participants,
        needs=needs,
        above_limit=above,
        decision=decision,
        recorded_by=actor,
    )
    audit_record(
        action="cooperation.conference_record",
        target=conference,
        actor=actor,
        process_id=process.pk,
        changes={
            "held_on": [None, held_on],
            "departments": [None, departments],
            "participants": [None, participants],
            "needs": [None, needs],
            "above_limit": [None, above],
            "decision": [None, decision],
        },
    )
    for a in actions:
        action = ConferenceAction.objects.create(
            conference=conference, description=a.description.strip(), owner=a.owner.strip(), due_on=a.due_on
        )
        audit_record(
            action="cooperation.conference_action_create",
            target=action,
            actor=actor,
            process_id=process.pk,
            changes={
                "description": [None, action.description],
                "owner": [None, action.owner],
                "due_on": [None, action.due_on],
            },
        )
    return conference


@transaction.atomic
def conference_action_close(*, action: ConferenceAction, closing_note: str, actor: Staff) -> ConferenceAction:
    """Close one follow-up action of a conference, saying what was done."""
    action = ConferenceAction.objects.select_for_update().select_related("conference").get(pk=action.pk)
    township_id = action.conference.township_id
    if not (
        holds(actor, "act_case_worker", township=township_id) or holds(actor, "act_approver", township=township_id)
    ):
        raise PermissionDenied(ERR_MAY_NOT_CLOSE)
    if action.is_closed:
        raise ValidationError(ERR_ALREADY_CLOSED, code="closed")
    closing_note = (closing_note or "").strip()
    if not closing_note:
        raise ValidationError(ERR_CLOSING_NOTE, code="closing_note")
    action.closed_on, action.closing_note, action.closed_by = timezone.localdate(), closing_note, actor
    action.save(update_fields=["closed_on", "closing_note", "closed_by"])
    audit_record(
        action="cooperation.conference_action_close",
        target=action,
        actor=actor,
        process_id=action.conference.process_id,
        changes={"closed_on": [None, action.closed_on], "closing_note": [None, closing_note]},
    )
    return action
