"""Assist first (先行救助, TA18 2(2), ZB20 15): pay now, complete the paperwork afterwards, escalate when late."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from viewflow.workflow.activation import Activation

from workflows.core.access import access_case
from workflows.core.audit import audit_record, diff
from workflows.core.money import exact_positive_amount, sum_to_fen
from workflows.core.types import Staff
from workflows.core.working_days import Calendar
from workflows.households.models import Consent, members_missing_consent

from ..models import AfterCheck, Payment, RecoveryDecision, TemporaryAssistanceProcess
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
    ERR_AFTER_CHECK_CONSENT,
    ERR_AMOUNT,
    ERR_LEDGER_MISMATCH,
    ERR_NOT_APPROVER,
    ERR_NOT_CASE_WORKER,
    ERR_NOT_COUNTY_OFFICER,
    ERR_OWN_CASE,
    ERR_PAPERWORK_INCOMPLETE,
    ERR_REASON_REQUIRED,
    ERR_RECONCILE,
    ERR_RECOVERY_AMOUNT,
    ERR_SIGNED_BEFORE_PAYMENT,
    ERR_SIGNED_IN_FUTURE,
    ERR_WAIVER_MISSING,
)

# --- assist first (先行救助, TA18 2(2), ZB20 15) -------------------------------------


@transaction.atomic
def case_assist_first_pay(*, process: TemporaryAssistanceProcess, amount: Decimal, actor: Staff) -> Payment:
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


def paperwork_deadline(activation: Activation) -> datetime.datetime:
    """Due moment of the completion timer: the start of the day after ``paperwork_due`` (Asia/Shanghai)."""
    process = activation.process
    if type(process) is not TemporaryAssistanceProcess:
        process = TemporaryAssistanceProcess.objects.get(pk=process.pk)
    assert process.paperwork_due is not None  # set with the assist-first payment that starts this timer
    day_after = process.paperwork_due + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day_after, datetime.time.min))


def after_check_sources() -> list[str]:
    """The data sources an after-the-fact check queries (the finance check's configuration, MSL 17)."""
    from workflows.finance_check.services.config import configured_sources

    return list(configured_sources())


def _reconcile(process: TemporaryAssistanceProcess, receipt_amount: Decimal) -> Decimal:
    """The amount on the signed receipt equals what the case paid, and the fund's ledger agrees (TA18 3(3))."""
    from django.db.models import Sum

    from workflows.funds.models import FundEntry

    paid = process.paid_amount()
    receipt = exact_positive_amount(receipt_amount, error=ERR_AMOUNT)
    if receipt != paid:
        raise ValidationError(ERR_RECONCILE % {"receipt": f"{receipt:,.2f}", "paid": f"{paid:,.2f}"}, code="reconcile")
    from_fund = process.payments.filter(source=Payment.Source.TOWNSHIP_FUND).aggregate(
        s=Sum("amount"), r=Sum("reversed_amount")
    )
    fund_paid = sum_to_fen(from_fund["s"]) - sum_to_fen(from_fund["r"])
    ledger = -sum_to_fen(FundEntry.objects.filter(process_id=process.pk).aggregate(s=Sum("amount"))["s"])
    if ledger != fund_paid:
        raise ValidationError(
            ERR_LEDGER_MISMATCH % {"ledger": f"{ledger:,.2f}", "paid": f"{fund_paid:,.2f}"}, code="ledger"
        )
    return paid


@transaction.atomic
def case_complete_paperwork(
    *,
    process: TemporaryAssistanceProcess,
    registration: bool,
    head_signer: str,
    head_signed_on: datetime.date | None,
    receipt_amount: Decimal,
    after_check: str,
    waivers: dict[str, str] | None = None,
    note: str = "",
    actor: Staff,
) -> TemporaryAssistanceProcess:
    """Complete an assist-first payment's paperwork (TA18 2(2), ZB20 15).

    - the application is registered and the township head's signature recorded (name, date);
    - the paid amount is reconciled: the signed receipt equals the case's payments, which equal
      the reserve fund's ledger entries for the case;
    - the after-the-fact check: ``after_check="run"`` asks the household-finance check (every
      adult member must have signed the check authorisation by now, MSL 9), whose result the case
      then waits for (a failure goes to the county's recovery decision, SAI 68); ``"waived"``
      records for every configured data source why it is not needed (MSL 17: no source is
      skipped silently).
    """
    _lock_case(process)
    access_case(actor, process, "act_case_worker", error=ERR_NOT_CASE_WORKER)
    _require_open_step(process, "complete_paperwork")
    head_signer = (head_signer or "").strip()
    if not registration or not head_signer or head_signed_on is None:
        raise ValidationError(ERR_PAPERWORK_INCOMPLETE, code="incomplete")
    today = timezone.localdate()
    if head_signed_on > today:
        raise ValidationError(ERR_SIGNED_IN_FUTURE, code="signed_future")
    first = process.payments.order_by("paid_at").values_list("paid_at", flat=True).first()
    if first is not None and head_signed_on < timezone.localdate(first):
        raise ValidationError(ERR_SIGNED_BEFORE_PAYMENT, code="signed_before_payment")
    reconciled = _reconcile(process, receipt_amount)
    waivers = {k: (v or "").strip() for k, v in (waivers or {}).items()}
    if after_check == AfterCheck.WAIVED:
        missing = [s for s in after_check_sources() if not waivers.get(s)]
        if missing:
            from workflows.finance_check.sources import Source

            labels = "、".join(str(Source(s).label) for s in missing)
            raise ValidationError(ERR_WAIVER_MISSING % {"sources": labels}, code="waiver_missing")
        waivers = {s: waivers[s] for s in after_check_sources()}
    elif after_check == AfterCheck.RUN:
        unconsented = members_missing_consent(process.household, Consent.Kind.CHECK_AUTHORISATION)
        if unconsented:  # refused here, before anything is recorded, not inside the check request
            names = "、".join(m.name for m in unconsented)
            raise ValidationError(ERR_AFTER_CHECK_CONSENT % {"members": names}, code="no_consent")
        waivers = {}
    else:
        raise ValidationError(ERR_PAPERWORK_INCOMPLETE, code="after_check")
    old = {
        "paperwork_completed_at": None, "paperwork_head_signer": process.paperwork_head_signer or None,
        "paperwork_reconciled_amount": process.paperwork_reconciled_amount, "after_check": process.after_check or None,
    }  # fmt: skip
    process.paperwork_completed_at = timezone.now()
    process.paperwork_completed_by = actor
    process.paperwork_head_signer, process.paperwork_head_signed_on = head_signer, head_signed_on
    process.paperwork_reconciled_amount = reconciled
    process.after_check, process.after_check_waivers = after_check, waivers
    process.save(
        update_fields=[
            "paperwork_completed_at", "paperwork_completed_by", "paperwork_head_signer", "paperwork_head_signed_on",
            "paperwork_reconciled_amount", "after_check", "after_check_waivers",
        ]
    )  # fmt: skip
    from workflows.sampling.services import approval_actor_add

    approval_actor_add(process_id=process.pk, user_id=actor.pk)  # who completed it may not review it either
    new = {
        "paperwork_completed_at": process.paperwork_completed_at, "paperwork_head_signer": head_signer,
        "paperwork_reconciled_amount": reconciled, "after_check": after_check,
    }  # fmt: skip
    audit_record(
        action="case.paperwork_completed",
        target=process,
        actor=actor,
        process_id=process.pk,
        changes=diff(old, new),
        data={
            "note": note,
            "overdue": today > process.paperwork_due if process.paperwork_due else False,
            "head_signed_on": head_signed_on,
            "waivers": waivers,
        },
    )
    return process


@transaction.atomic
def case_request_after_check(*, process: TemporaryAssistanceProcess) -> None:
    """Ask the household-finance check after an assist-first payment (flow step; TA18 2(2), MSL 17)."""
    from workflows.finance_check.services import finance_check_request

    from .check import finance_check_case_ref

    ref = finance_check_case_ref(process)
    check = finance_check_request(
        household=process.household,
        purpose="temporary_assistance",
        case_ref=ref,
        actor=process.paperwork_completed_by or process.opened_by,
        spending_shock=False,
    )
    audit_record(
        action="case.after_check_requested",
        target=process,
        actor=process.paperwork_completed_by,
        process_id=process.pk,
        data={"case_ref": ref, "check": check.pk},
    )


@transaction.atomic
def case_record_after_check(
    *, process: TemporaryAssistanceProcess, check_ref: str, outcome: str
) -> TemporaryAssistanceProcess:
    """Record the after-the-fact check's result (flow step); anything but "eligible" opens a recovery decision."""
    old = {
        "after_check_ref": process.after_check_ref or None,
        "after_check_outcome": process.after_check_outcome or None,
    }
    process.after_check_ref, process.after_check_outcome = check_ref, outcome
    process.save(update_fields=["after_check_ref", "after_check_outcome"])
    audit_record(
        action="case.after_check_recorded",
        target=process,
        process_id=process.pk,
        changes=diff(old, {"after_check_ref": check_ref, "after_check_outcome": outcome}),
    )
    return process


@transaction.atomic
def case_decide_recovery(
    *, process: TemporaryAssistanceProcess, recover: bool, amount: Decimal | None = None, reason: str, actor: Staff
) -> TemporaryAssistanceProcess:
    """The county officer decides on an assist-first payment whose after-the-fact check failed:
    recover money paid without entitlement (SAI 68), or not, with written reasons (MSL 32).

    The amount to recover is at most what was paid; the decision joins the sampling pool's
    record the way a revocation does: the approval is marked revoked, so nothing more is paid."""
    _lock_case(process)
    access_case(
        actor, process, "act_county_officer", error=ERR_NOT_COUNTY_OFFICER, node="recovery_decision",
        separation_error=ERR_OWN_CASE,
    )  # fmt: skip
    _require_open_step(process, "recovery_decision")
    if not (reason or "").strip():
        raise ValidationError(ERR_REASON_REQUIRED, code="reason")
    paid = process.paid_amount()
    recovered = None
    if recover:
        try:
            recovered = None if amount is None else exact_positive_amount(amount, error=ERR_AMOUNT)
        except ValidationError:
            recovered = None
        if recovered is None or recovered > paid:
            raise ValidationError(ERR_RECOVERY_AMOUNT % {"paid": f"{paid:,.2f}"}, code="recovery_amount")
    decision = RecoveryDecision.RECOVER if recover else RecoveryDecision.NO_RECOVERY
    process.recovery_decision, process.recovery_amount, process.recovery_reason = decision, recovered, reason
    process.recovery_decided_by, process.recovery_decided_at = actor, timezone.now()
    process.save(
        update_fields=[
            "recovery_decision", "recovery_amount", "recovery_reason", "recovery_decided_by", "recovery_decided_at",
        ]
    )  # fmt: skip
    if recover:
        from workflows.sampling.models import ApprovalRecord

        ApprovalRecord.objects.filter(process_id=process.pk).update(revoked=True)
    audit_record(
        action="case.recovery_decision",
        target=process,
        actor=actor,
        process_id=process.pk,
        changes={"recovery_decision": [None, decision], "recovery_amount": [None, recovered]},
        data={"reason": reason, "paid": paid, "after_check_outcome": process.after_check_outcome},
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
def case_record_escalation(
    *, process: TemporaryAssistanceProcess, note: str, actor: Staff
) -> TemporaryAssistanceProcess:
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
