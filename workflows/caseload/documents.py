"""The change letter (保障变更决定书) a household receives for every change decision
(MSL 32; SAI 65): what changes, from which month, the lawful ground, the written reasons,
and the right to administrative reconsideration (60 days) and litigation (6 months),
which the template prints itself so that no caller can word it away."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from workflows.documents.pdf import qr_data_uri, render_pdf

from .models import ChangeKind

ERR_LETTER_REASONS = _("保障变更决定书必须写明依据和理由（MSL 32）。")
ERR_LETTER_REQUIRED = _("不能为空（字段：{field}）。")

#: The legal basis printed on every change letter.


@dataclass(frozen=True)
class ChangeLetterData:
    """What a change letter shows; no ID, phone or account number has a field here."""

    case_number: str
    applicant_name: str
    programme_label: str
    township_name: str
    kind: str
    ground_label: str
    reasons: tuple[str, ...]
    decided_on: datetime.date
    effective_month: datetime.date
    old_amount: Decimal | None
    new_amount: Decimal
    phase_out_until: datetime.date | None = None
    legal_basis: tuple[str, ...] = ()  # the programme spec's ``change_basis``

    def __post_init__(self):
        object.__setattr__(self, "reasons", tuple(r for r in self.reasons if str(r).strip()))
        for name in ("case_number", "applicant_name", "township_name", "kind"):
            if not str(getattr(self, name) or "").strip():
                raise ValueError(str(ERR_LETTER_REQUIRED).format(field=name))
        if not self.reasons or not str(self.ground_label).strip():
            raise ValueError(str(ERR_LETTER_REASONS))
        if self.kind not in ChangeKind.values or self.kind == ChangeKind.OPEN:
            raise ValueError(str(ERR_LETTER_REQUIRED).format(field="kind"))

    @property
    def old_amount_text(self) -> str:
        return f"{self.old_amount or 0:,.2f}"

    @property
    def new_amount_text(self) -> str:
        return f"{self.new_amount:,.2f}"

    @property
    def kind_label(self) -> str:
        return str(ChangeKind(self.kind).label)


def render_change_letter_pdf(data: ChangeLetterData, *, verification_url: str) -> bytes:
    """The change letter with a QR code of ``verification_url`` and the URL printed under it."""
    if not isinstance(data, ChangeLetterData):
        raise TypeError("render_change_letter_pdf takes a ChangeLetterData")
    return render_pdf(
        "pdf/caseload/change_letter.html",
        {"letter": data, "verification_url": verification_url, "qr_uri": qr_data_uri(verification_url)},
    )
