"""Temporary-assistance decision and refusal letters (临时救助决定书 / 不予救助决定书) as PDFs.

The letter says what was decided, by whom, for which cause, how much and how it is paid, or
why it was refused; both state the right to administrative reconsideration (行政复议, 60 days)
and litigation (行政诉讼, 6 months) from the template itself (MSL 21, 38; SAI 65: a temporary-
assistance decision is an administrative decision like any other). Both carry the verification
QR code of the dibao letters. As for those, the data type is the privacy boundary: it has no
field for ID numbers, phones, bank accounts or health details, and refuses strings that look
like them (workflows/dibao/documents.py).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from workflows.core import programmes
from workflows.core.programmes import Programme
from workflows.dibao.documents import _check_strings, _money, _required
from workflows.documents.pdf import qr_data_uri, render_pdf

ERR_TA_APPROVAL = _("临时救助决定书必须写明救助金额和发放方式。")
ERR_TA_REFUSAL_REASONS = _("不予救助决定书必须写明理由。")
ERR_TA_REFUSAL_AMOUNT = _("不予救助决定书不得写有救助金额。")


@dataclass(frozen=True)
class TemporaryAssistanceLetterData:
    """Everything a temporary-assistance decision or refusal letter may show — and nothing else."""

    case_number: str
    applicant_name: str
    kind_label: str
    cause_label: str
    event_date: datetime.date
    issuer: str
    decided_on: datetime.date
    approved: bool
    amount: Decimal | None
    payment_way: str = ""
    reasons: tuple[str, ...] = ()
    legal_basis: tuple[str, ...] = programmes.spec(Programme.TEMPORARY_ASSISTANCE).legal_basis

    def __post_init__(self):
        object.__setattr__(self, "reasons", tuple(r for r in self.reasons if str(r).strip()))
        object.__setattr__(self, "legal_basis", tuple(self.legal_basis))
        _required(self, "case_number", "applicant_name", "kind_label", "cause_label", "issuer")
        _check_strings(self, hyphenated=frozenset({"case_number"}))
        if self.approved:
            if self.amount is None or not self.payment_way.strip():
                raise ValueError(str(ERR_TA_APPROVAL))
            _money(self, "amount")
        else:
            if not self.reasons:
                raise ValueError(str(ERR_TA_REFUSAL_REASONS))
            if self.amount is not None:
                raise ValueError(str(ERR_TA_REFUSAL_AMOUNT))

    @property
    def amount_display(self) -> str:
        return f"{self.amount:,.2f}" if self.amount is not None else ""


def render_letter_pdf(data: TemporaryAssistanceLetterData, *, verification_url: str) -> bytes:
    """The decision or refusal letter, with a QR code of ``verification_url`` and the URL printed under it."""
    if not isinstance(data, TemporaryAssistanceLetterData):
        raise TypeError("render_letter_pdf takes a TemporaryAssistanceLetterData")
    return render_pdf(
        programmes.spec(Programme.TEMPORARY_ASSISTANCE).letters["decision_letter"],
        {"letter": data, "verification_url": verification_url, "qr_uri": qr_data_uri(verification_url)},
    )
