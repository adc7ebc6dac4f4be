"""The decision letter (MSL 21, 38; SAI 65)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Decision, Kind, Payment, TemporaryAssistanceProcess, Tier

if TYPE_CHECKING:
    from workflows.documents.models import CaseDocument

    from ..documents import TemporaryAssistanceLetterData

# --- letters (MSL 21, 38; SAI 65) --------------------------------------------------------


def _payment_way(process: TemporaryAssistanceProcess) -> str:
    payments = list(process.payments.order_by("seq"))
    source = (
        Payment.Source(payments[0].source).label
        if payments
        else (Payment.Source.TOWNSHIP_FUND.label if process.tier == Tier.TOWNSHIP else Payment.Source.COUNTY.label)
    )
    if process.assist_first:
        return str(_("先行救助，由%(source)s当即发放") % {"source": source})
    if payments and payments[0].amount == process.approved_amount:
        return str(_("由%(source)s一次性发放") % {"source": source})
    first = payments[0].amount if payments else Decimal("0.00")
    return str(_("由%(source)s分次发放，首次发放 %(first)s 元") % {"source": source, "first": f"{first:,.2f}"})


def _issuer(process: TemporaryAssistanceProcess) -> str:
    if process.tier == Tier.TOWNSHIP:
        return str(_("%(township)s人民政府（街道办事处）") % {"township": process.township.name})
    return str(_("%(county)s民政局") % {"county": process.county.name})


def letter_data(process: TemporaryAssistanceProcess) -> TemporaryAssistanceLetterData:
    """The letter of a decided case, in Chinese whatever language the acting user reads (official document)."""
    from django.conf import settings
    from django.utils import translation

    from ..documents import TemporaryAssistanceLetterData
    from ..models import Cause

    head = process.household.head
    approved = process.decision == Decision.APPROVED
    with translation.override(settings.LANGUAGE_CODE):
        return TemporaryAssistanceLetterData(
            case_number=process.case_number or "",
            applicant_name=head.name if head else "",
            kind_label=str(Kind(process.kind).label),
            cause_label=str(Cause(process.cause).label),
            event_date=process.event_date,
            issuer=_issuer(process),
            decided_on=timezone.localdate(process.decided_at),
            approved=approved,
            amount=process.approved_amount if approved else None,
            payment_way=_payment_way(process) if approved else "",
            reasons=() if approved else tuple(process.decision_reason.splitlines()),
        )


def case_issue_letter(*, process_id: int) -> CaseDocument | None:
    """Issue the decision or refusal letter of a decided case, once (the letter job; idempotent).

    Runs after the decision committed. The case row lock makes a redelivered job find the first
    letter instead of issuing a second one; it is this job's own short transaction, not the
    decision's. Returns the letter, or None while the case is undecided.
    """
    from workflows.documents.models import CaseDocument
    from workflows.documents.services import document_issue

    from ..documents import render_letter_pdf

    kind = CaseDocument.Kind.TA_DECISION
    with transaction.atomic():
        process = (
            # of=self: the joined rows (nullable ones included) are read, only the case row is locked
            TemporaryAssistanceProcess.objects.select_for_update(of=("self",))
            .select_related("household", "township", "county", "decided_by")
            .filter(pk=process_id)
            .first()
        )
        if process is None or not process.decision:
            return None
        existing = CaseDocument.objects.filter(process_id=process_id, kind=kind, superseded_by__isnull=True).first()
        if existing is not None:
            return existing
        data = letter_data(process)
        suffix = "decision" if data.approved else "refusal"
        return document_issue(
            process_id=process_id,
            kind=kind,
            filename=f"{process.case_number}-{suffix}.pdf",
            render=lambda url: render_letter_pdf(data, verification_url=url),
            actor=process.decided_by,
            applicant_name=data.applicant_name,
        )
