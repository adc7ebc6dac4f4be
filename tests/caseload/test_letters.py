"""Every change letter states its ground, its reasons, the month it takes effect and the
appeal rights (MSL 32; SAI 65: 行政复议 within 60 days, 行政诉讼 within 6 months), and
carries the verification QR code as the dibao letters do."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tests.documents.glyphs import pdf_text_compact
from workflows.caseload import services
from workflows.caseload.documents import ChangeLetterData
from workflows.caseload.models import ChangeKind, Ground
from workflows.documents.models import CaseDocument

from .conftest import open_benefit

ON = datetime.date(2027, 3, 10)

CHANGES = [
    (
        ChangeKind.REDUCE,
        Ground.INCOME_INCREASED,
        Decimal("350.00"),
        ["每月600.00元调整为每月350.00元", "自2027年4月起"],
    ),
    (ChangeKind.INCREASE, Ground.INCOME_DECREASED, Decimal("1250.00"), ["每月600.00元调整为每月1,250.00元"]),
    (ChangeKind.SUSPEND, Ground.REFUSED_RECHECK, None, ["自2027年4月起暂停发放"]),
    (ChangeKind.STOP, Ground.MOVED_AWAY, None, ["自2027年4月起停止你（你家庭）的最低生活保障"]),
]


def assert_change_letter_text(letter, ground, phrases) -> str:
    """The checks every change letter passes, with or without a case behind the benefit
    (a dibao of 青山镇, reasons "第一条理由。\n第二条理由。"); returns the letter's text."""
    text = pdf_text_compact(letter.file.read())
    assert "最低生活保障保障变更决定书" in text
    assert "".join(str(ground.label).split()) in text
    assert "第一条理由。" in text and "第二条理由。" in text
    assert "60日内依法申请行政复议" in text and "6个月内依法向人民法院提起行政诉讼" in text
    assert "青山镇人民政府" in text
    for phrase in phrases:
        assert phrase in text
    return text


@pytest.mark.parametrize(("kind", "ground", "amount", "phrases"), CHANGES)
def test_every_change_letter_states_ground_reasons_and_rights(
    region, case_worker_a, approver_a, kind, ground, amount, phrases
):
    """MSL 32; SAI 65: the letter names the change, the month, the lawful ground, the written
    reasons and the 60-day / 6-month appeal rights; it is a verifiable document of the case."""
    benefit = open_benefit(case_worker_a, region.village_a)
    change = services.benefit_change(
        benefit=benefit, kind=kind, ground=ground, reasons="第一条理由。\n第二条理由。", new_amount=amount,
        actor=approver_a, on=ON,
    )  # fmt: skip
    letter = change.letter
    assert letter is not None and letter.kind == CaseDocument.Kind.BENEFIT_CHANGE and letter.verifiable
    assert letter.process_id == benefit.source_case_id and letter.holder_masked == "赵*勇"
    assert_change_letter_text(letter, ground, phrases)


def test_a_letter_without_a_ground_or_reasons_cannot_be_made():
    """Negative (MSL 32): the letter's data refuses an empty ground or no reasons."""
    base = {
        "case_number": "DB-1",
        "applicant_name": "赵大勇",
        "programme_label": "最低生活保障",
        "township_name": "青山镇",
        "kind": ChangeKind.STOP,
        "decided_on": ON,
        "effective_month": datetime.date(2027, 4, 1),
        "old_amount": Decimal("600.00"),
        "new_amount": Decimal("0.00"),
    }
    with pytest.raises(ValueError):
        ChangeLetterData(**base, ground_label="", reasons=("理由",))
    with pytest.raises(ValueError):
        ChangeLetterData(**base, ground_label=str(Ground.MOVED_AWAY.label), reasons=(" ",))
    assert ChangeLetterData(**base, ground_label="x", reasons=("理由",)).kind_label == "停保"
