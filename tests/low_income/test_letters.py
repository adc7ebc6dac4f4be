"""The letters of 低收入家庭认定 (LB24, LI23; domain.md §8): the recognition letter states no
amount, names the category and the referral to special assistance; the refusal gives its
reasons; both state the rights to reconsideration (60 days) and litigation (6 months)
(SAI 65) and carry the verification QR code; the public notice shows no amount (MSL 24)."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pdfplumber
import pytest

from tests.documents.glyphs import pdf_text_compact
from workflows.core.programmes import spec
from workflows.dibao.documents import (
    ERR_RECOGNITION_AMOUNT,
    DecisionLetterData,
    PublicNoticeData,
    render_decision_letter_pdf,
    render_notice_pdf,
)

CASE = "DS-990101001-2026-000042"
VERIFY_URL = "https://jiuzhu.example.gov.cn/verify/Ab-_Cd0123456789efGHijKLmnOPqrSTuv/"
RIGHTS = ("60日内依法申请行政复议", "6个月内依法向人民法院提起行政诉讼")


def letter(**overrides) -> DecisionLetterData:
    kwargs = {
        "case_number": CASE, "applicant_name": "赵大爷", "programme": "low_income", "township_name": "青山镇",
        "decided_on": datetime.date(2026, 3, 20), "approved": True, "monthly_amount": None, "payment_starts": None,
        "legal_basis": spec("low_income").legal_basis, "category_label": "低保边缘家庭", **overrides,
    }  # fmt: skip
    return DecisionLetterData(**kwargs)


def qr_images(pdf: bytes) -> list:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return doc.pages[0].images


def test_recognition_letter_states_no_amount_and_the_rights():
    """LI23: the recognition pays nothing: no amount, no payment month; it names the category
    (LB24) and the referral to special assistance, states the appeal rights (SAI 65) and the
    legal basis, and carries the QR code with the verification URL."""
    pdf = render_decision_letter_pdf(letter(), verification_url=VERIFY_URL)
    compact = pdf_text_compact(pdf)
    assert "低收入家庭认定通知书" in compact
    assert "认定类别：低保边缘家庭" in compact
    assert "不发放保障金" in compact and "专项救助" in compact
    assert "每月" not in compact and "元" not in compact.replace("单元", "")
    for right in RIGHTS:
        assert right in compact
    assert "《最低生活保障边缘家庭和刚性支出困难家庭认定办法》" in compact
    assert VERIFY_URL in compact
    images = qr_images(pdf)
    assert len(images) == 1 and abs(images[0]["width"] - images[0]["height"]) < 1  # the square QR code


def test_refusal_letter_gives_reasons_and_the_rights():
    """MSL 21, SAI 65: the refusal gives its reasons, the rights, no amount, the QR code."""
    reason = "家庭月人均收入 300.00 元低于当地低保标准 400.00 元，符合最低生活保障条件。"
    pdf = render_decision_letter_pdf(
        letter(approved=False, reasons=(reason,), category_label=""), verification_url=VERIFY_URL
    )
    compact = pdf_text_compact(pdf)
    assert "不予认定低收入家庭决定书" in compact
    assert "".join(reason.split()) in compact
    for right in RIGHTS:
        assert right in compact
    assert "每月" not in compact
    assert VERIFY_URL in compact and len(qr_images(pdf)) == 1


def test_the_dibao_approval_letter_keeps_its_amount_and_no_rights_paragraph():
    """The recognition letter is the low-income spec's own: the dibao approval still states its
    amount (MSL 21) from its own template."""
    pdf = render_decision_letter_pdf(
        letter(programme="dibao", monthly_amount=Decimal("640.00"), payment_starts=datetime.date(2026, 4, 1),
               category_label=""),
        verification_url=VERIFY_URL,
    )  # fmt: skip
    compact = pdf_text_compact(pdf)
    assert "每月640.00元" in compact and "低收入家庭" not in compact


def test_a_recognition_letter_cannot_carry_an_amount():
    """LI23: a recognition-only decision states no amount (the data type refuses one)."""
    with pytest.raises(ValueError, match=str(ERR_RECOGNITION_AMOUNT)):
        letter(monthly_amount=Decimal("100.00"), payment_starts=datetime.date(2026, 4, 1))


def notice(**overrides) -> PublicNoticeData:
    kwargs = {
        "case_number": CASE, "applicant_name": "赵大爷", "household_size": 2, "village_name": "青山村",
        "township_name": "青山镇", "proposed_monthly_amount": None, "notice_round": 1,
        "posted_on": datetime.date(2026, 3, 2), "ends_on": datetime.date(2026, 3, 8),
        "objection_contact": "青山镇民政办", "programme": "low_income", **overrides,
    }  # fmt: skip
    return PublicNoticeData(**kwargs)


def test_the_public_notice_shows_no_amount():
    """MSL 19, 24; LI23: the 7-day notice of a recognition shows name, household size and
    village, and no amount column."""
    compact = pdf_text_compact(render_notice_pdf(notice()))
    assert "低收入家庭认定公示" in compact
    assert "赵大爷" in compact and "青山村" in compact
    assert "拟保障金额" not in compact and "元/月" not in compact
    assert "《最低生活保障边缘家庭和刚性支出困难家庭认定办法》" in compact


def test_a_recognition_notice_cannot_carry_an_amount_and_a_dibao_notice_must():
    """The notice's type follows the spec: a recognition refuses an amount; dibao needs one."""
    with pytest.raises(ValueError, match=str(ERR_RECOGNITION_AMOUNT)):
        notice(proposed_monthly_amount=Decimal("100.00"))
    with pytest.raises(ValueError):
        notice(programme="dibao")
    assert "拟保障金额" in pdf_text_compact(
        render_notice_pdf(notice(programme="dibao", proposed_monthly_amount=Decimal("640.00")))
    )
