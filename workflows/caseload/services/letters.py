"""Issuing the change letter of a change decision (MSL 32; SAI 65), with its QR code.

Every change gets its letter, whether or not a workflow case stands behind the benefit: a
benefit brought in from the county's former system (``Ground.MIGRATED``, issue 17 item 9)
has no case, so its letter is anchored on the household and printed with the benefit's own
reference (``benefit_reference``), which is also what an appeal is recorded against."""

from __future__ import annotations

from django.utils import timezone

from workflows.core import programmes
from workflows.core.audit import audit_record
from workflows.core.types import Actor
from workflows.documents.models import CaseDocument
from workflows.documents.services import document_issue

from ..documents import ChangeLetterData, render_change_letter_pdf
from ..models import Benefit, BenefitChange, Ground

#: Marks the serial of a benefit reference, so it never equals a case number (whose serial
#: is the process pk, not the benefit pk).
REFERENCE_MARK = "M"


def benefit_reference(benefit: Benefit) -> str:
    """The stable reference of a benefit without a case: shaped like a case number
    (<programme prefix>-<township code>-<year registered>-M<benefit pk>)."""
    year = timezone.localtime(benefit.opened_at).year if benefit.opened_at else timezone.localdate().year
    prefix = programmes.spec(benefit.programme).case_prefix
    return f"{prefix}-{benefit.township.code}-{year}-{REFERENCE_MARK}{benefit.pk:06d}"


def benefit_reference_assign(*, benefit: Benefit, actor: Actor) -> str:
    """Give a benefit without a case number its reference, once (audited); returns it."""
    if benefit.case_number:
        return benefit.case_number
    benefit.case_number = benefit_reference(benefit)
    benefit.save(update_fields=["case_number"])
    audit_record(
        action="caseload.benefit_numbered",
        target=benefit,
        actor=actor,
        changes={"case_number": ["", benefit.case_number]},
    )
    return benefit.case_number


def change_letter_data(benefit: Benefit, change: BenefitChange) -> ChangeLetterData:
    head = benefit.household.head
    return ChangeLetterData(
        case_number=benefit.case_number,
        applicant_name=head.name if head else "",
        programme_label=str(benefit.get_programme_display()),
        township_name=benefit.township.name,
        kind=change.kind,
        ground_label=str(Ground(change.ground).label),
        reasons=tuple(line for line in change.reasons.splitlines()),
        decided_on=change.decided_on,
        effective_month=change.effective_month,
        old_amount=change.old_amount,
        new_amount=change.new_amount,
        phase_out_until=benefit.phase_out_until,
        legal_basis=programmes.spec(benefit.programme).change_basis,
    )


def change_letter_issue(*, benefit: Benefit, change: BenefitChange, actor: Actor) -> CaseDocument:
    """Issue the letter of ``change`` and link it to the change: on the benefit's case, or,
    for a benefit without one, on its household under the benefit's reference."""
    anchor: dict = {"process_id": benefit.source_case_id}
    if benefit.source_case_id is None:
        anchor.update(household=benefit.household, case_number=benefit_reference_assign(benefit=benefit, actor=actor))
    data = change_letter_data(benefit, change)
    document = document_issue(
        kind=CaseDocument.Kind.BENEFIT_CHANGE,
        filename=f"{benefit.case_number or benefit.pk}-change-{change.pk}.pdf",
        render=lambda url: render_change_letter_pdf(data, verification_url=url),
        actor=actor,
        applicant_name=data.applicant_name,
        **anchor,
    )
    change.letter = document
    change.save(update_fields=["letter"])
    return document
