"""Documents of the case: storing and issuing PDFs, the decision letters, and the sampling pool entry."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

# Test seams are looked up through the package, so that patching
# ``workflows.dibao.services.<name>`` reaches every caller.
from workflows.core.types import Actor
from workflows.dibao import services

from ..models import (
    Decision,
    DibaoProcess,
)
from .common import _audit

if TYPE_CHECKING:
    from ..documents import DecisionLetterData


def _applicant_name(process: DibaoProcess) -> str:
    assert process.household is not None  # a case is filed with its household (dibao_application_file)
    head = process.household.head
    return head.name if head else ""


def _store_document(*, process: DibaoProcess, kind: str, filename: str, content: bytes, actor: Actor) -> int:
    """Store a PDF without QR code on the case (documents module); returns its pk."""
    from workflows.documents.services import document_store

    doc = document_store(
        process_id=process.pk, kind=kind, filename=filename, content=content, actor=actor,
        applicant_name=_applicant_name(process),
    )  # fmt: skip
    return doc.pk


def _issue_document(
    *, process: DibaoProcess, kind: str, filename: str, render: Callable[[str], bytes], actor: Actor
) -> int:
    """Issue a PDF carrying a verification QR code (``render(url) -> bytes``); returns its pk."""
    from workflows.documents.services import document_issue

    doc = document_issue(
        process_id=process.pk, kind=kind, filename=filename, render=render, actor=actor,
        applicant_name=_applicant_name(process), case=process,
    )  # fmt: skip
    return doc.pk


def decision_letter_data(process: DibaoProcess) -> DecisionLetterData:
    from ..documents import DecisionLetterData

    assert process.household is not None  # a case is filed with its household (dibao_application_file)
    assert process.decided_on is not None  # a letter is issued for a decided case
    head = process.household.head
    approved = process.decision == Decision.APPROVED
    pays_monthly = approved and process.spec.benefit.pays_monthly
    return DecisionLetterData(
        case_number=process.case_number or "",
        applicant_name=head.name if head else "",
        programme=process.programme,
        township_name=process.township.name,
        decided_on=process.decided_on,
        approved=approved,
        monthly_amount=process.monthly_amount if pays_monthly else None,
        payment_starts=process.payment_starts if pays_monthly else None,
        reasons=tuple(process.refusal_reasons) if not approved else (),
        legal_basis=process.spec.legal_basis,
        category_label=(process.amount_computation or {}).get("category_label", "") if approved else "",
    )


def _request_document(
    *, process: DibaoProcess, kind: str, filename: str, renderer: str, params: dict[str, Any], actor: Actor
) -> int:
    """Ask for a PDF rendered after this transaction commits (documents module); returns the
    pending document's pk. The case's transaction renders nothing (issue 19)."""
    from workflows.documents.services import document_request

    row = document_request(
        process_id=process.pk, kind=kind, filename=filename, renderer=renderer, params=params, actor=actor
    )
    return row.pk


def _issue_letter(process: DibaoProcess, kind: str) -> int:
    """Ask for the decision letter (rendered after commit, with its QR code); returns the pending pk."""
    from ..rendering import DECISION_LETTER

    return _request_document(
        process=process,
        kind=kind,
        filename=f"{process.case_number}-{kind}.pdf",
        renderer=DECISION_LETTER,
        params={"process_id": process.pk, "kind": kind},
        actor=process.township_head_signed_by,
    )


@transaction.atomic
def dibao_issue_approval(*, process: DibaoProcess) -> DibaoProcess:
    """Issue the confirmation notice (certificate) and put the case in the sampling pool.
    The letter is rendered after commit (``_issue_letter``); its date is the decision's."""
    actor = process.township_head_signed_by
    pending_id = _issue_letter(process, "approval_letter")
    process.letter_issued_on = services._today()
    process.save(update_fields=["letter_issued_on"])
    _audit(process, "dibao.approval_issued", actor, data={"pending_document": pending_id,
                                                          "payment_starts": process.payment_starts})  # fmt: skip
    dibao_mark_for_sampling(process=process)
    return process


@transaction.atomic
def dibao_issue_refusal(*, process: DibaoProcess) -> DibaoProcess:
    """Issue the refusal letter with reasons and appeal rights (MSL 21, 38; SAI 65)."""
    actor = process.township_head_signed_by
    pending_id = _issue_letter(process, "refusal_letter")
    process.letter_issued_on = services._today()
    process.save(update_fields=["letter_issued_on"])
    _audit(process, "dibao.refusal_issued", actor, data={"pending_document": pending_id,
                                                         "letter_due_on": process.letter_due_on})  # fmt: skip
    return process


@transaction.atomic
def dibao_mark_for_sampling(*, process: DibaoProcess) -> DibaoProcess:
    """A final township approval joins the county's sampling pool (TK 16, MSL 20);
    staff-relative cases are flagged so the county reviews all of them."""
    from workflows.sampling.services import approval_register

    actor = process.township_head_signed_by
    actor_ids = process.investigator_ids() | {
        pk for pk in (process.proposed_by_id, process.handler_signed_by_id, process.section_chief_signed_by_id) if pk
    }
    # an approved case was proposed (its standard recorded, dibao_propose) and decided
    assert process.standard_id is not None and process.decided_on is not None
    rule_versions = {"dibao_standard": process.standard_id}
    if process.asset_limit_id:
        rule_versions["asset_limit"] = process.asset_limit_id
    approval_register(
        process_id=process.pk, programme=process.programme, county=process.county, township=process.township,
        village=process.village, case_number=process.case_number or "", approved_on=process.decided_on,
        approved_by_id=actor.pk, actor_ids=actor_ids, monthly_amount=process.monthly_amount,
        payment_starts=process.payment_starts, one_off_amount=None, staff_relative=process.staff_relative,
        rule_versions=rule_versions, finance_check_id=process.finance_check_id, actor=actor,
    )  # fmt: skip
    process.sampling_pool_since = timezone.now()
    process.save(update_fields=["sampling_pool_since"])
    _audit(process, "dibao.sampling_pool", actor,
           changes={"sampling_pool_since": [None, process.sampling_pool_since]},
           data={"staff_relative": process.staff_relative})  # fmt: skip
    return process
