"""Deciding again after an appeal set a refusal aside (SAI 65; 行政复议法 art. 64).

The refused case ended with its refusal letter and stays as decided. An order to decide
again opens a ``RedecisionFlow`` case linked to the appeal and the refused case: one task,
in the township approvers' inbox, due in 15 working days. Approving opens the benefit
through the caseload (``benefit_open``) from the month the refusal would have started
paying, so the next payment roll pays the months in between as arrears; refusing again
issues a new refusal letter with reasons and appeal rights. Every step is audited in the
refused case's chain, so its history shows refusal, appeal and new decision.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from workflows.caseload.services import benefit_open
from workflows.core import programmes
from workflows.core.audit import audit_record
from workflows.core.flows import coerce
from workflows.core.money import round_to_fen
from workflows.core.types import Staff
from workflows.documents.models import CaseDocument

from .models import Appeal, RedecisionProcess

ERR_SEPARATION = _("原不予确认决定的作出人不能重新作出决定，请由本乡镇其他审批人办理。")
ERR_REASONS = _("请填写决定理由。")
ERR_AMOUNT = _("确认享受时请填写每月金额（大于零）。")
ERR_DONE = _("这件重新决定已经办结。")

#: Refusals a re-decision can reopen: the case-based programmes' refusal letter.
REOPENABLE = frozenset({CaseDocument.Kind.REFUSAL_LETTER})
#: A temporary-assistance decision letter, when the decision it states was a refusal.
REOPENABLE_IF_REFUSED = frozenset({CaseDocument.Kind.TA_DECISION})


def reopens(appeal: Appeal) -> bool:
    """Does an order to decide again on ``appeal`` reopen a case here?"""
    if appeal.process_id is None:
        return False
    if appeal.letter.kind in REOPENABLE:
        return True
    from .redecision_ta import is_refusal

    return appeal.letter.kind in REOPENABLE_IF_REFUSED and is_refusal(coerce(Process.objects.get(pk=appeal.process_id)))


def _first_of_next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def _audit(process: RedecisionProcess, action: str, actor: Staff | None, *, changes=None, data=None) -> None:
    # Into the refused case's chain: its history replay shows the new decision next to the
    # refusal and the appeal.
    audit_record(action=action, target=process, actor=actor, process_id=process.original_id, changes=changes, data=data)


def redecision_start(*, appeal: Appeal, actor: Staff) -> RedecisionProcess:
    """Open the re-decision case of ``appeal`` (inside ``appeal_decide``'s transaction)."""
    from .flows import RedecisionFlow

    return RedecisionFlow.start.run(appeal=appeal, actor=actor)


@transaction.atomic(savepoint=False)
def redecision_open(*, process: RedecisionProcess, appeal: Appeal, actor: Staff) -> RedecisionProcess:
    """Fill the new case inside the StartHandle activation, in the refused case's regions."""
    original = coerce(Process.objects.get(pk=appeal.process_id))
    process.appeal = appeal
    process.original_id = original.pk
    process.household_id = original.household_id
    process.programme = programmes.for_process(original).code
    process.due_on = appeal.redecide_by
    process.refused_by_id = appeal.letter.created_by_id
    process.open_case(
        county_id=original.county_id, township_id=original.township_id, village_id=original.village_id,
        action="appeals.redecision_opened", actor=actor,
        data={"appeal": appeal.pk, "original": original.case_number, "due_on": process.due_on},
    )  # fmt: skip
    # ``open_case`` audits on the new case; the refused case's chain gets its own row.
    _audit(process, "appeals.redecision_opened", actor,
           data={"appeal": appeal.pk, "redecision": process.case_number, "due_on": process.due_on})  # fmt: skip
    return process


@dataclass(frozen=True)
class _Approval:
    """The refused case as the new decision approves it: what ``benefit_open`` reads. The
    refused case's own row keeps its refusal (the record of what was decided then)."""

    pk: int
    programme: str
    household_id: int
    case_number: str
    county_id: int
    township_id: int
    decided_on: datetime.date
    monthly_amount: Decimal
    payment_starts: datetime.date
    is_approved: bool = True


def _refused_on(process: RedecisionProcess) -> datetime.date:
    original = coerce(Process.objects.get(pk=process.original_id))
    decided = getattr(original, "decided_on", None)
    if decided is not None:
        return decided
    return timezone.localtime(process.appeal.letter.created_at).date()


@transaction.atomic
def redecision_decide(
    *,
    process: RedecisionProcess,
    approve: bool,
    reasons: str,
    monthly_amount: Decimal | None,
    actor: Staff,
    amount: Decimal | None = None,
    on: datetime.date | None = None,
) -> RedecisionProcess:
    """The township approver's new decision (inside the task's activation). ``amount`` is
    the one-off amount of a programme paying once (temporary assistance)."""
    on = on or timezone.localdate()
    if actor.pk in process.excluded_actor_ids("redecide"):
        raise PermissionDenied(ERR_SEPARATION)
    if process.decided_on is not None:
        raise ValidationError(ERR_DONE)
    reasons = (reasons or "").strip()
    if not reasons:
        raise ValidationError(ERR_REASONS)
    spec = programmes.spec(process.programme)
    if spec.benefit.kind == programmes.BenefitKind.ONE_OFF:
        return _decide_one_off(process, approve=approve, reasons=reasons, amount=amount, on=on, actor=actor)
    if approve and spec.benefit.pays_monthly:
        if monthly_amount is None or monthly_amount <= 0:
            raise ValidationError(ERR_AMOUNT)
        monthly_amount = round_to_fen(monthly_amount)
    else:
        monthly_amount = None
    process.approved, process.reasons, process.monthly_amount = approve, reasons, monthly_amount
    process.decided_on, process.decided_by = on, actor
    refused_on = _refused_on(process)
    data: dict = {"appeal": process.appeal_id, "reasons": reasons}
    if approve:
        # Paid as the refusal should have been: from the month after the refused decision
        # (MSL 21), or its month for a programme paying at once; the payment roll pays the
        # months already past as arrears.
        starts = _first_of_next_month(refused_on) if spec.benefit.starts_next_month else refused_on.replace(day=1)
        original = coerce(Process.objects.get(pk=process.original_id))
        benefit = benefit_open(
            process=_Approval(
                pk=original.pk, programme=process.programme, household_id=process.household_id,
                case_number=original.case_number or "", county_id=process.county_id,
                township_id=process.township_id, decided_on=on,
                monthly_amount=monthly_amount or Decimal("0.00"), payment_starts=starts,
            ),
            actor=actor,
        )  # fmt: skip
        data.update(benefit=benefit.pk, starts=starts, monthly_amount=monthly_amount)
        _join_sampling_pool(process, original=original, starts=starts, actor=actor)
    else:
        process.letter = _refusal_letter(process, reasons=reasons, on=on, actor=actor)
        data["letter"] = process.letter.pk
    process.save()
    _audit(process, "appeals.redecided", actor, changes={"approved": [None, approve]}, data=data)
    return process


def _decide_one_off(
    process: RedecisionProcess, *, approve: bool, reasons: str, amount: Decimal | None, on: datetime.date, actor: Staff
) -> RedecisionProcess:
    """A one-off benefit (temporary assistance): approve records and pays the amount through
    the programme's services; refuse issues its refusal letter again (``redecision_ta``)."""
    from . import redecision_ta

    original = coerce(Process.objects.get(pk=process.original_id))
    data: dict = {"appeal": process.appeal_id, "reasons": reasons}
    changes: dict = {"approved": [None, approve]}
    if approve:
        data.update(redecision_ta.approve_one_off(
            process=process, original=original, amount=amount, reasons=reasons, on=on, actor=actor
        ))  # fmt: skip
        changes.update(data.pop("changes"))
        process.one_off_amount = data["amount"]
    else:
        process.letter = redecision_ta.refusal_letter(
            process=process, original=original, reasons=reasons, on=on, actor=actor
        )
        data["letter"] = process.letter.pk
    process.approved, process.reasons, process.monthly_amount = approve, reasons, None
    process.decided_on, process.decided_by = on, actor
    process.save()
    _audit(process, "appeals.redecided", actor, changes=changes, data=data)
    return process


def _refusal_letter(process: RedecisionProcess, *, reasons: str, on: datetime.date, actor: Staff) -> CaseDocument:
    """A new refusal letter on the refused case, with its reasons and the appeal rights the
    programme's decision letter prints (MSL 21, 38; SAI 65)."""
    from workflows.dibao.documents import DecisionLetterData, render_decision_letter_pdf
    from workflows.documents.services import document_issue
    from workflows.households.models import Household

    household = Household.objects.get(pk=process.household_id)
    head = household.head
    original = coerce(Process.objects.get(pk=process.original_id))
    letter = DecisionLetterData(
        case_number=original.case_number, applicant_name=head.name if head else "", programme=process.programme,
        township_name=process.township.name, decided_on=on, approved=False, monthly_amount=None,
        payment_starts=None, reasons=tuple(line for line in reasons.splitlines() if line.strip()),
        legal_basis=programmes.spec(process.programme).legal_basis,
    )  # fmt: skip
    return document_issue(
        process_id=original.pk,
        kind=CaseDocument.Kind.REFUSAL_LETTER,
        filename=f"{original.case_number}-refusal-{process.pk}.pdf",
        render=lambda url: render_decision_letter_pdf(letter, verification_url=url),
        actor=actor,
        applicant_name=letter.applicant_name,
        supersedes=process.appeal.letter,
    )


def _join_sampling_pool(process: RedecisionProcess, *, original, starts: datetime.date, actor: Staff) -> None:
    """A township approval, even one made again after an appeal, joins the county's sampling
    pool (TK 16, MSL 20), under the refused case. Everyone the engine recorded on that case
    (and the new decider) is excluded from reviewing it (``approval_register``). The rule
    versions are not repeated here: the refused case's chain holds those it applied."""
    from workflows.sampling.services import approval_register

    pays_monthly = programmes.spec(process.programme).benefit.pays_monthly
    approval_register(
        process_id=original.pk, programme=process.programme, county=process.county_id,
        township=process.township_id, village=process.village, case_number=original.case_number or "",
        approved_on=process.decided_on, approved_by_id=actor.pk, actor_ids=[actor.pk],
        monthly_amount=process.monthly_amount if pays_monthly else None,
        payment_starts=starts if pays_monthly else None, one_off_amount=None,
        staff_relative=bool(getattr(original, "staff_relative", False)), rule_versions={},
        finance_check_id=getattr(original, "finance_check_id", None), actor=actor,
    )  # fmt: skip
