"""Deciding again on a set-aside temporary-assistance refusal (SAI 65; TA18 2(2), 3(3)).

A one-off benefit has no monthly benefit to open: approving records the amount on the
refused case through the temporary-assistance services themselves (the township limit in
force, the yearly count, the decision, the payment from the township reserve fund under its
row locks, the sampling pool), so the rules are checked once, in one place. The township
may approve only within its limit (SAI 48): an amount above it is refused with an error
telling the approver to refer the case to the county, since a county decision is a step of
the temporary-assistance flow, not of this task. Refusing again issues a new temporary-
assistance refusal letter with reasons and appeal rights, superseding the set-aside one.
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from workflows.core.money import exact_positive_amount
from workflows.core.types import Staff
from workflows.documents.models import CaseDocument

from .models import RedecisionProcess

ERR_REFER_COUNTY = _(
    "金额 %(amount)s 元超过乡镇审批限额 %(limit)s 元，乡镇无权批准。请改为不予救助并说明理由，"
    "或报县民政局按临时救助程序审批。"
)
ERR_ONE_OFF_AMOUNT = _("确认救助时请填写救助金额（大于零）。")


def is_refusal(original) -> bool:
    """Is the temporary-assistance case ``original`` a township refusal the township re-decides?"""
    from workflows.temporary_assistance.models import Decision

    # Only a township-tier refusal comes back to the township's approvers: above the limit
    # (and for 一事一议) the county decided, and a township may not re-decide for it
    # (TA18 3(3)); such an order keeps only its re-decision due date.
    return getattr(original, "decision", None) == Decision.REFUSED and original.is_township_tier()


def approve_one_off(
    *, process: RedecisionProcess, original, amount: Decimal | None, reasons: str, on: datetime.date, actor: Staff
) -> dict:
    """Approve ``amount`` on the refused case and pay it from the township fund, once."""
    from workflows.temporary_assistance import services as ta
    from workflows.temporary_assistance.models import Payment

    if amount is None:
        raise ValidationError(ERR_ONE_OFF_AMOUNT, code="amount")
    amount = exact_positive_amount(amount, error=ERR_ONE_OFF_AMOUNT)
    ta._lock_case(original)  # case row -> fund row: the lock order of every TA payment
    if amount > original.requested_amount:
        raise ValidationError(ta.ERR_ABOVE_REQUESTED % {"requested": f"{original.requested_amount:,.2f}"})
    _rule, _standard, limit = ta.township_limit_on(original.county, on)
    if amount > limit:
        raise ValidationError(
            ERR_REFER_COUNTY % {"amount": f"{amount:,.2f}", "limit": f"{limit:,.2f}"}, code="above_limit"
        )
    ta._check_yearly_count(household=original.household, event_date=original.event_date, exclude_pk=original.pk)
    changes = ta._decide(process=original, approve=True, amount=amount, reason=reasons, actor=actor)
    payment = ta._pay(process=original, amount=amount, source=Payment.Source.TOWNSHIP_FUND, actor=actor)
    ta._register_for_sampling(process=original, actor=actor)
    # The applicant gets a decision letter granting the amount in place of the set-aside
    # refusal; rendered after the commit, never under the case and fund locks.
    original_pk, set_aside_pk = original.pk, process.appeal.letter_id
    transaction.on_commit(lambda: approval_letter(original_pk=original_pk, set_aside_pk=set_aside_pk), robust=True)
    # The refused case's own decision fields changed: their old and new values go into the
    # re-decision's audit row on that case's chain (``changes``).
    return {"amount": amount, "payment": payment.pk, "changes": changes}


def approval_letter(*, original_pk: int, set_aside_pk: int) -> CaseDocument:
    """Issue the decision letter of the approved case, superseding the set-aside refusal,
    once: a second call finds the letter already superseded. The programme's own letter job
    (queued by the decision) then finds this letter as the case's current one."""
    from workflows.documents.services import document_issue
    from workflows.temporary_assistance.documents import render_letter_pdf
    from workflows.temporary_assistance.models import TemporaryAssistanceProcess
    from workflows.temporary_assistance.services.letters import letter_data

    with transaction.atomic():
        original = (
            TemporaryAssistanceProcess.objects.select_for_update(of=("self",))
            .select_related("household", "township", "county", "decided_by")
            .get(pk=original_pk)
        )
        set_aside = CaseDocument.objects.select_for_update().get(pk=set_aside_pk)
        if set_aside.superseded_by_id:
            return CaseDocument.objects.get(pk=set_aside.superseded_by_id)
        data = letter_data(original)
        return document_issue(
            process_id=original.pk,
            kind=CaseDocument.Kind.TA_DECISION,
            filename=f"{original.case_number}-decision-{set_aside.pk}.pdf",
            render=lambda url: render_letter_pdf(data, verification_url=url),
            actor=original.decided_by,
            applicant_name=data.applicant_name,
            supersedes=set_aside,
        )


def refusal_letter(*, process: RedecisionProcess, original, reasons: str, on: datetime.date, actor: Staff):
    """A new temporary-assistance refusal letter: the letter the programme prints (with the
    rights to reconsideration and litigation, MSL 21, 38; SAI 65) with the new reasons."""
    from workflows.documents.services import document_issue
    from workflows.temporary_assistance.documents import render_letter_pdf
    from workflows.temporary_assistance.services.letters import letter_data

    data = dataclasses.replace(
        letter_data(original),
        decided_on=on,
        approved=False,
        amount=None,
        payment_way="",
        reasons=tuple(line for line in reasons.splitlines() if line.strip()),
    )
    return document_issue(
        process_id=original.pk,
        kind=CaseDocument.Kind.TA_DECISION,
        filename=f"{original.case_number}-refusal-{process.pk}.pdf",
        render=lambda url: render_letter_pdf(data, verification_url=url),
        actor=actor,
        applicant_name=data.applicant_name,
        supersedes=process.appeal.letter,
    )
