"""Assist first (先行救助, TA18 2(2), ZB20 15): pay now, complete the paperwork afterwards, escalate when late."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from workflows.core.access import access_case
from workflows.core.audit import audit_record
from workflows.core.money import exact_positive_amount
from workflows.core.working_days import Calendar

from ..models import Payment, TemporaryAssistanceProcess
from .common import (
    _check_yearly_count,
    _decide,
    _lock_case,
    _pay,
    _register_for_sampling,
    _require_open_step,
    _require_undecided,
    township_limit_on,
)
from .errors import (
    ERR_ABOVE_REQUESTED,
    ERR_ABOVE_TOWNSHIP_LIMIT,
    ERR_AMOUNT,
    ERR_NOT_APPROVER,
    ERR_NOT_CASE_WORKER,
    ERR_NOT_COUNTY_OFFICER,
    ERR_OWN_CASE,
    ERR_PAPERWORK_INCOMPLETE,
    ERR_REASON_REQUIRED,
)

# --- assist first (先行救助, TA18 2(2), ZB20 15) -------------------------------------


@transaction.atomic
def case_assist_first_pay(*, process: TemporaryAssistanceProcess, amount, actor) -> Payment:
    """The township pays an emergency at once from its fund; paperwork is due in N working days."""
    _lock_case(process)
    access_case(
        actor, process, "act_approver", error=ERR_NOT_APPROVER, node="assist_first_pay", separation_error=ERR_OWN_CASE
    )
    _require_open_step(process, "assist_first_pay")
    _require_undecided(process)
    amount = exact_positive_amount(amount, error=ERR_AMOUNT)
    today = timezone.localdate()
    rule, _standard, limit = township_limit_on(process.county, today)
    if amount > limit:
        raise ValidationError(
            ERR_ABOVE_TOWNSHIP_LIMIT % {"amount": f"{amount:,.2f}", "limit": f"{limit:,.2f}"}, code="above_limit"
        )
    if amount > process.requested_amount:
        raise ValidationError(ERR_ABOVE_REQUESTED % {"requested": f"{process.requested_amount:,.2f}"})
    _check_yearly_count(household=process.household, event_date=process.event_date, exclude_pk=process.pk)
    due = Calendar().add_working_days(today, rule.assist_first_completion_days)
    changes = _decide(
        process=process, approve=True, amount=amount, reason="先行救助", actor=actor, extra={"paperwork_due": due}
    )
    audit_record(action="case.assist_first", target=process, actor=actor, process_id=process.pk, changes=changes)
    payment = _pay(process=process, amount=amount, source=Payment.Source.TOWNSHIP_FUND, actor=actor, assist_first=True)
    _register_for_sampling(process=process, actor=actor)
    return payment


def paperwork_deadline(activation) -> datetime.datetime:
    """Due moment of the completion timer: the start of the day after ``paperwork_due`` (Asia/Shanghai)."""
    process = activation.process
    if type(process) is not TemporaryAssistanceProcess:
        process = TemporaryAssistanceProcess.objects.get(pk=process.pk)
    day_after = process.paperwork_due + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day_after, datetime.time.min))


@transaction.atomic
def case_complete_paperwork(
    *, process: TemporaryAssistanceProcess, registration: bool, signatures: bool, check_done: bool, note: str, actor
) -> TemporaryAssistanceProcess:
    """Registration, signatures and the after-the-fact check are done: the assist-first payment is regular."""
    access_case(actor, process, "act_case_worker", error=ERR_NOT_CASE_WORKER)
    if not (registration and signatures and check_done):
        raise ValidationError(ERR_PAPERWORK_INCOMPLETE, code="incomplete")
    process.paperwork_completed_at = timezone.now()
    process.paperwork_completed_by = actor
    process.save(update_fields=["paperwork_completed_at", "paperwork_completed_by"])
    from workflows.sampling.services import approval_actor_add

    approval_actor_add(process_id=process.pk, user_id=actor.pk)  # who completed it may not review it either
    audit_record(
        action="case.paperwork_completed",
        target=process,
        actor=actor,
        process_id=process.pk,
        changes={"paperwork_completed_at": [None, process.paperwork_completed_at]},
        data={"note": note, "overdue": timezone.localdate() > process.paperwork_due},
    )
    return process


@transaction.atomic
def case_mark_escalated(*, process: TemporaryAssistanceProcess) -> TemporaryAssistanceProcess:
    """The completion deadline passed (timer): the case goes to the county officer's queue."""
    process.escalated_at = timezone.now()
    process.save(update_fields=["escalated_at"])
    audit_record(
        action="case.paperwork_overdue",
        target=process,
        process_id=process.pk,
        changes={"escalated_at": [None, process.escalated_at]},
        data={"paperwork_due": process.paperwork_due},
    )
    return process


@transaction.atomic
def case_record_escalation(*, process: TemporaryAssistanceProcess, note: str, actor) -> TemporaryAssistanceProcess:
    """The county officer records the supervision of overdue paperwork (督办意见)."""
    access_case(
        actor,
        process,
        "act_county_officer",
        error=ERR_NOT_COUNTY_OFFICER,
        node="escalate_to_county",
        separation_error=ERR_OWN_CASE,
    )
    if not note.strip():
        raise ValidationError(ERR_REASON_REQUIRED, code="reason")
    old = process.escalation_note
    process.escalation_note = note
    process.save(update_fields=["escalation_note"])
    audit_record(
        action="case.escalation_handled",
        target=process,
        actor=actor,
        process_id=process.pk,
        changes={"escalation_note": [old or None, note]},
    )
    return process
