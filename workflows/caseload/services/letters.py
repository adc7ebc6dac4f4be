"""Issuing the change letter of a change decision (MSL 32; SAI 65), with its QR code."""

from __future__ import annotations

from workflows.core import programmes
from workflows.documents.models import CaseDocument
from workflows.documents.services import document_issue

from ..documents import ChangeLetterData, render_change_letter_pdf
from ..models import Benefit, BenefitChange, Ground


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


def change_letter_issue(*, benefit: Benefit, change: BenefitChange, actor) -> CaseDocument | None:
    """Issue the letter on the benefit's case and link it to the change. A benefit with no
    case behind it (none yet: every benefit is opened by an approval) gets no letter here."""
    if benefit.source_case_id is None:
        return None
    data = change_letter_data(benefit, change)
    document = document_issue(
        process_id=benefit.source_case_id,
        kind=CaseDocument.Kind.BENEFIT_CHANGE,
        filename=f"{benefit.case_number or benefit.pk}-change-{change.pk}.pdf",
        render=lambda url: render_change_letter_pdf(data, verification_url=url),
        actor=actor,
        applicant_name=data.applicant_name,
    )
    change.letter = document
    change.save(update_fields=["letter"])
    return document
