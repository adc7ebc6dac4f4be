"""Termination: the applicant refuses to cooperate without reason (MSL 29)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from workflows.core.access import access_case, holds
from workflows.core.audit import diff
from workflows.core.types import AnyUser, Staff

# Test seams are looked up through the package, so that patching
# ``workflows.dibao.services.<name>`` reaches every caller.
from workflows.dibao import services

from ..models import (
    Decision,
    DibaoProcess,
)
from .common import _audit
from .errors import (
    ERR_SEPARATION,
    ERR_TERMINATE_CLOSED,
    ERR_TERMINATE_NOT_ACCEPTED,
    ERR_TERMINATE_NOT_APPROVER,
    ERR_TERMINATE_REASON,
)
from .letters import _applicant_name, _issue_document

if TYPE_CHECKING:
    from ..documents import DecisionLetterData


# ==============================================================================
# Termination: the applicant refuses to cooperate without reason (MSL 29)
# ==============================================================================
def can_terminate(user: AnyUser, process: DibaoProcess) -> bool:
    """May ``user`` end this case under MSL 29 now: a township approver of its township, not
    excluded from deciding it, and the case accepted, open and undecided."""
    return (
        process.accepted_on is not None
        and not process.decision
        and process.status not in ("DONE", "CANCELED")
        and holds(user, "act_approver", township=process.township_id)
        and user.pk not in process.excluded_actor_ids("choose_objection_route")
    )


def termination_letter_data(process: DibaoProcess) -> DecisionLetterData:
    from ..documents import DecisionLetterData

    assert process.terminated_on is not None  # the letter of a terminated case (case_terminate)
    return DecisionLetterData(
        case_number=process.case_number or "", applicant_name=_applicant_name(process), programme=process.programme,
        township_name=process.township.name, decided_on=process.terminated_on, approved=False, monthly_amount=None,
        payment_starts=None, reasons=(process.termination_reason,),
        legal_basis=process.spec.termination_basis, terminated=True,
    )  # fmt: skip


@transaction.atomic
def case_terminate(*, process: DibaoProcess, reason: str, actor: Staff) -> DibaoProcess:
    """End the review of an accepted, undecided case whose applicant refuses to cooperate
    without reason (MSL 29): a township approver's decision with the stated reason.

    Cancels the case's open tasks (the flow ends CANCELED), issues the termination letter
    with the appeal rights (60-day reconsideration, 6-month litigation; MSL 38, SAI 65),
    and registers the decision in the county's sampling pool so the county can check
    that the township did not end a case to avoid deciding it (TK 16, MSL 20).
    """
    from workflows.sampling.services import approval_register

    from ..documents import render_decision_letter_pdf

    process = DibaoProcess.objects.select_for_update().get(pk=process.pk)
    access_case(actor, process, "act_approver", error=ERR_TERMINATE_NOT_APPROVER, node="choose_objection_route",
                separation_error=ERR_SEPARATION)  # fmt: skip
    if process.decision or process.status in ("DONE", "CANCELED"):
        raise ValidationError(ERR_TERMINATE_CLOSED)
    if process.accepted_on is None:
        raise ValidationError(ERR_TERMINATE_NOT_ACCEPTED)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError(ERR_TERMINATE_REASON)
    today = services._today()
    old = {"decision": process.decision, "status": process.status, "terminated_on": None, "termination_reason": ""}
    process.decision = Decision.TERMINATED
    process.decided_on = today
    process.terminated_on = today
    process.termination_reason = reason
    process.terminated_by = actor
    # Cancels every open task (viewflow's own cancel, under the flow lock) and saves the case.
    process.flow_class.instance.cancel(process)
    new = {"decision": process.decision, "status": process.status, "terminated_on": today, "termination_reason": reason}
    _audit(process, "dibao.terminated", actor, changes=diff(old, new))
    data = termination_letter_data(process)
    document_id = _issue_document(
        process=process, kind="other", filename=f"{process.case_number}-termination.pdf",
        render=lambda url: render_decision_letter_pdf(data, verification_url=url), actor=actor,
    )  # fmt: skip
    process.letter_issued_on = today
    process.save(update_fields=["letter_issued_on"])
    _audit(process, "dibao.termination_issued", actor, data={"document": document_id})
    actor_ids = process.investigator_ids() | {pk for pk in (process.proposed_by_id, process.accepted_by_id) if pk}
    approval_register(
        process_id=process.pk, programme=process.programme, county=process.county, township=process.township,
        village=process.village, case_number=process.case_number or "", approved_on=today, approved_by_id=actor.pk,
        actor_ids=actor_ids, monthly_amount=None, payment_starts=None, one_off_amount=None,
        staff_relative=process.staff_relative, rule_versions={}, finance_check_id=process.finance_check_id,
        actor=actor,
    )  # fmt: skip
    process.sampling_pool_since = timezone.now()
    process.save(update_fields=["sampling_pool_since"])
    _audit(process, "dibao.sampling_pool", actor, changes={"sampling_pool_since": [None, process.sampling_pool_since]},
           data={"staff_relative": process.staff_relative, "decision": Decision.TERMINATED})  # fmt: skip
    return process
