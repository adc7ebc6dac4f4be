"""The dibao public notice (公示) and decision letters (审核确认 / 不予确认) as PDFs.

Privacy is enforced by the data types, not by the templates' good manners
(MSL 24, SAI 61): ``PublicNoticeData`` has fields for name, household size,
village, township and amount only; there is no field that could carry an ID
number, phone, bank account, address or health detail, and ``__post_init__``
refuses any string that *looks* like one (an 18-digit ID, an 11-digit mobile
number, a 16-19 digit bank card, also when written with spaces, hyphens or
full-width digits). The notice template receives only this object.

Refusal letters state the right to administrative reconsideration (行政复议,
60 days) and litigation (行政诉讼, 6 months) from the template itself (MSL 38,
SAI 65); callers cannot word it away.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from workflows.core import programmes
from workflows.core.money import CENT, is_exact_amount
from workflows.documents.pdf import qr_data_uri, render_pdf

if TYPE_CHECKING:
    from workflows.households.models import Household

ERR_PERSONAL_DATA = _("公示和文书中不得出现身份证号码、手机号码或银行账号（字段：{field}）。")
ERR_AMOUNT = _("金额必须是不小于零、最多两位小数的 Decimal（字段：{field}）。")
ERR_POSITIVE = _("必须是正整数（字段：{field}）。")
ERR_NOTICE_PERIOD = _("公示期不得少于 7 天（MSL 19）。")
ERR_REQUIRED = _("不能为空（字段：{field}）。")
ERR_PROGRAMME = _("这份文书不适用于该救助类别：救助类别的登记中没有这份文书。")
ERR_APPROVAL_AMOUNT = _("确认通知必须写明保障金额和发放起始月份。")
ERR_PAYMENT_START = _("保障金自审核确认的次月起发放（MSL 21）。")
ERR_REFUSAL_REASONS = _("不予确认决定必须写明理由（MSL 21）。")
ERR_REFUSAL_AMOUNT = _("不予确认决定不得写有保障金额。")
ERR_RECOGNITION_AMOUNT = _("仅认定身份、不发放现金的决定不得写有保障金额。")
ERR_TERMINATION_APPROVED = _("终止审核确认的决定不能同时是确认享受。")

NOTICE_MIN_DAYS = 7  # MSL 19, TK 15: posted for 7 days, first and last day included

# Digit runs that identify a person or an account. Checked on the raw text, and
# again after removing the separators people write inside numbers.
_PATTERNS = (
    re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9Xx])"),  # resident ID (GB 11643)
    re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])"),  # mainland mobile number
    re.compile(r"(?<![0-9])[0-9]{16,19}(?![0-9])"),  # bank card (16-19 digits)
)
_SPACES_IN_NUMBER = re.compile(r"(?<=[0-9])\s+(?=[0-9Xx])")
_SEPARATORS_IN_NUMBER = re.compile(r"(?<=[0-9])[\s\-‐‑–—_.·/]+(?=[0-9Xx])")

DECISION_LETTER_TEMPLATE = "pdf/dibao/decision_letter.html"
#: the letter of a recognition without cash (低收入家庭认定, LB24): no amount, rights either way
RECOGNITION_LETTER_TEMPLATE = "pdf/dibao/low_income_decision_letter.html"
DECISION_LETTER_TEMPLATES = (DECISION_LETTER_TEMPLATE, RECOGNITION_LETTER_TEMPLATE)
NOTICE_TEMPLATE = "pdf/dibao/notice.html"
CHECK_RESULT_NOTICE_TEMPLATE = "pdf/dibao/check_result_notice.html"


def _programme_label(programme: str, template: str) -> str:
    """The label of a programme whose spec (workflows/core/programmes.py) lists ``template``
    among its letters; ``ValueError`` for any other programme."""
    if not programmes.is_programme(programme) or template not in programmes.spec(programme).letters.values():
        raise ValueError(str(ERR_PROGRAMME))
    return str(programmes.spec(programme).label)


def contains_personal_number(value: str, *, allow_hyphens: bool = False) -> bool:
    """True if ``value`` holds something shaped like an ID, a mobile or a bank card number.

    ``allow_hyphens`` keeps hyphens as separators (case numbers such as
    ``DB-990101001-2026-000012`` join digit groups with hyphens).
    """
    text = unicodedata.normalize("NFKC", value)
    candidates = {text, _SPACES_IN_NUMBER.sub("", text)}
    if not allow_hyphens:
        candidates.add(_SEPARATORS_IN_NUMBER.sub("", text))
    return any(p.search(c) for p in _PATTERNS for c in candidates)


def _check_strings(obj, *, hyphenated: frozenset[str] = frozenset()) -> None:
    for f in fields(obj):
        value = getattr(obj, f.name)
        values = value if isinstance(value, tuple) else (value,)
        for item in values:
            if isinstance(item, str) and contains_personal_number(item, allow_hyphens=f.name in hyphenated):
                raise ValueError(str(ERR_PERSONAL_DATA).format(field=f.name))


def _money(obj, name: str, *, optional: bool = False) -> None:
    value = getattr(obj, name)
    if value is None and optional:
        return
    if not isinstance(value, Decimal) or not is_exact_amount(value):
        raise ValueError(str(ERR_AMOUNT).format(field=name))
    object.__setattr__(obj, name, value.quantize(CENT))


def _positive_int(obj, name: str) -> None:
    value = getattr(obj, name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(str(ERR_POSITIVE).format(field=name))


def _required(obj, *names: str) -> None:
    for name in names:
        if not str(getattr(obj, name) or "").strip():
            raise ValueError(str(ERR_REQUIRED).format(field=name))


@dataclass(frozen=True)
class PublicNoticeData:
    """Everything a public notice may show (MSL 24, SAI 61) — and nothing else."""

    case_number: str
    applicant_name: str
    household_size: int
    village_name: str
    township_name: str
    proposed_monthly_amount: Decimal | None
    notice_round: int
    posted_on: datetime.date
    ends_on: datetime.date
    objection_contact: str
    programme: str = programmes.Programme.DIBAO

    def __post_init__(self):
        _required(self, "case_number", "applicant_name", "village_name", "township_name", "objection_contact")
        _check_strings(self, hyphenated=frozenset({"case_number"}))
        _positive_int(self, "household_size")
        _positive_int(self, "notice_round")
        _programme_label(self.programme, NOTICE_TEMPLATE)
        if self.shows_amount:
            _money(self, "proposed_monthly_amount")
        elif self.proposed_monthly_amount is not None:
            raise ValueError(str(ERR_RECOGNITION_AMOUNT))
        if (self.ends_on - self.posted_on).days < NOTICE_MIN_DAYS - 1:
            raise ValueError(str(ERR_NOTICE_PERIOD))

    @property
    def programme_label(self) -> str:
        return _programme_label(self.programme, NOTICE_TEMPLATE)

    @property
    def shows_amount(self) -> bool:
        """A recognition without cash (低收入家庭认定, LB24) posts no amount."""
        return programmes.spec(self.programme).benefit.pays_cash

    @property
    def legal_basis(self) -> tuple[str, ...]:
        return programmes.spec(self.programme).legal_basis


def notice_data_for_household(
    household: Household,
    *,
    case_number: str,
    proposed_monthly_amount: Decimal,
    notice_round: int,
    posted_on: datetime.date,
    ends_on: datetime.date,
    objection_contact: str,
) -> PublicNoticeData:
    """Map a household to its notice: the applicant's name and the member count only.

    The household's ID numbers, phone, bank account, address and health flags
    are not read here, and ``PublicNoticeData`` has nowhere to put them.
    """
    head = household.head
    return PublicNoticeData(
        case_number=case_number,
        applicant_name=head.name if head else "",
        household_size=household.size,
        village_name=household.village.name,
        township_name=household.township.name,
        proposed_monthly_amount=proposed_monthly_amount,
        notice_round=notice_round,
        posted_on=posted_on,
        ends_on=ends_on,
        objection_contact=objection_contact,
    )


@dataclass(frozen=True)
class DecisionLetterData:
    """An approval, refusal or termination letter (MSL 21, 29, 38; SAI 65).

    Approval: ``monthly_amount`` and ``payment_starts`` (a month after the
    decision's month, MSL 21). Refusal: at least one reason, no amount; the
    appeal rights are printed by the template. Termination (``terminated``, MSL 29:
    the applicant refused to cooperate without reason): like a refusal — reasons,
    no amount, the same appeal rights.
    """

    case_number: str
    applicant_name: str
    programme: str
    township_name: str
    decided_on: datetime.date
    approved: bool
    monthly_amount: Decimal | None
    payment_starts: datetime.date | None
    reasons: tuple[str, ...] = ()
    legal_basis: tuple[str, ...] = ()
    terminated: bool = False
    #: the category a recognition found (低保边缘家庭 / 刚性支出困难家庭, LB24); "" otherwise
    category_label: str = ""

    def __post_init__(self):
        object.__setattr__(self, "reasons", tuple(r for r in self.reasons if str(r).strip()))
        object.__setattr__(self, "legal_basis", tuple(self.legal_basis))
        _required(self, "case_number", "applicant_name", "township_name")
        _programme_label(self.programme, self.template)
        _check_strings(self, hyphenated=frozenset({"case_number"}))
        if self.terminated and self.approved:
            raise ValueError(str(ERR_TERMINATION_APPROVED))
        if self.approved and not programmes.spec(self.programme).benefit.pays_monthly:
            # a recognition-only approval (no cash) states no amount
            if self.monthly_amount is not None or self.payment_starts is not None:
                raise ValueError(str(ERR_RECOGNITION_AMOUNT))
        elif self.approved:
            if self.monthly_amount is None or self.payment_starts is None:
                raise ValueError(str(ERR_APPROVAL_AMOUNT))
            _money(self, "monthly_amount")
            starts, decided = self.payment_starts, self.decided_on
            if (starts.year, starts.month) <= (decided.year, decided.month):
                raise ValueError(str(ERR_PAYMENT_START))
        else:
            if not self.reasons:
                raise ValueError(str(ERR_REFUSAL_REASONS))
            if self.monthly_amount is not None or self.payment_starts is not None:
                raise ValueError(str(ERR_REFUSAL_AMOUNT))

    @property
    def template(self) -> str:
        """The programme's decision letter (its spec's ``letters``), one of this module's;
        ``ValueError`` for a programme whose letter is not a dibao-case letter."""
        letters = programmes.spec(self.programme).letters if programmes.is_programme(self.programme) else {}
        letter = letters.get("decision_letter")
        if letter not in DECISION_LETTER_TEMPLATES:
            raise ValueError(str(ERR_PROGRAMME))
        return letter

    @property
    def programme_label(self) -> str:
        return _programme_label(self.programme, self.template)


def render_notice_pdf(data: PublicNoticeData) -> bytes:
    """The 7-day public notice (MSL 19, 24) for posting in the village."""
    if not isinstance(data, PublicNoticeData):
        raise TypeError("render_notice_pdf takes a PublicNoticeData")
    return render_pdf(NOTICE_TEMPLATE, {"notice": data})


ERR_BATCH_VILLAGES = _("合并打印的公示须属于同一个村（社区）。")


def render_notices_pdf(notices) -> bytes:
    """The notices of one village's households in one PDF, a page each, as each would print
    alone (``render_notice_pdf``); the face is embedded once for the document, so a notice
    round of many households prints about twice as fast per page (docs/performance.md)."""
    notices = list(notices)
    if not notices or not all(isinstance(n, PublicNoticeData) for n in notices):
        raise TypeError("render_notices_pdf takes PublicNoticeData, at least one")
    if len({(n.township_name, n.village_name) for n in notices}) != 1:
        raise ValueError(str(ERR_BATCH_VILLAGES))
    return render_pdf("pdf/dibao/notice_batch.html", {"notices": notices})


def render_decision_letter_pdf(data: DecisionLetterData, *, verification_url: str) -> bytes:
    """The approval or refusal letter, with a QR code of ``verification_url`` and the URL printed under it."""
    if not isinstance(data, DecisionLetterData):
        raise TypeError("render_decision_letter_pdf takes a DecisionLetterData")
    return render_pdf(
        data.template,
        {"letter": data, "verification_url": verification_url, "qr_uri": qr_data_uri(verification_url)},
    )


@dataclass(frozen=True)
class CheckResultNoticeData:
    """The notice telling the applicant that the data check found the household not eligible,
    with the reasons and the right to object with evidence (MSL 18). No personal numbers."""

    case_number: str
    applicant_name: str
    programme: str
    township_name: str
    notified_on: datetime.date
    reasons: tuple[str, ...]

    def __post_init__(self):
        object.__setattr__(self, "reasons", tuple(r for r in self.reasons if str(r).strip()))
        _required(self, "case_number", "applicant_name", "township_name")
        _programme_label(self.programme, CHECK_RESULT_NOTICE_TEMPLATE)
        if not self.reasons:
            raise ValueError(str(ERR_REFUSAL_REASONS))
        _check_strings(self, hyphenated=frozenset({"case_number"}))

    @property
    def programme_label(self) -> str:
        return _programme_label(self.programme, CHECK_RESULT_NOTICE_TEMPLATE)


def render_check_result_notice_pdf(data: CheckResultNoticeData, *, verification_url: str) -> bytes:
    """The check-result notice (MSL 18) with a verification QR code."""
    if not isinstance(data, CheckResultNoticeData):
        raise TypeError("render_check_result_notice_pdf takes a CheckResultNoticeData")
    return render_pdf(
        CHECK_RESULT_NOTICE_TEMPLATE,
        {"letter": data, "verification_url": verification_url, "qr_uri": qr_data_uri(verification_url)},
    )
