"""The dibao public notice and decision letters (MSL 19, 21, 24, 38; SAI 61, 65)."""

import datetime
import logging
from decimal import Decimal

import pytest

from tests.documents.glyphs import embedded_fonts, pdf_text, pdf_text_compact, tofu_problems
from tests.factories import HouseholdFactory, MemberFactory, make_id_number
from workflows.dibao.documents import (
    ERR_APPROVAL_AMOUNT,
    ERR_NOTICE_PERIOD,
    ERR_PAYMENT_START,
    ERR_REFUSAL_AMOUNT,
    ERR_REFUSAL_REASONS,
    DecisionLetterData,
    PublicNoticeData,
    contains_personal_number,
    notice_data_for_household,
    render_decision_letter_pdf,
    render_notice_pdf,
)
from workflows.households.models import HouseholdMember

CASE = "DB-990101001-2026-000042"
POSTED = datetime.date(2026, 3, 2)
VERIFY_URL = "https://jiuzhu.example.gov.cn/verify/Ab-_Cd0123456789efGHijKLmnOPqrSTuv/"


@pytest.fixture
def household(region):
    """A three-person household whose members carry IDs, and which has a phone, a bank account and a sick member."""
    household = HouseholdFactory(
        village=region.village_a,
        address="青山村幸福路18号",
        phone="13912345678",
        bank_account="6222021234567890123",
    )
    MemberFactory(household=household, name="张三丰", id_number=make_id_number(datetime.date(1970, 5, 6), seq=111))
    MemberFactory(
        household=household,
        name="李梅",
        relation=HouseholdMember.Relation.SPOUSE,
        id_number=make_id_number(datetime.date(1972, 8, 9), seq=222),
        has_serious_illness=True,
    )
    MemberFactory(
        household=household,
        name="张小明",
        relation=HouseholdMember.Relation.MINOR_CHILD,
        id_number=make_id_number(datetime.date(2014, 2, 3), seq=333),
    )
    return household


def notice_for(household, **overrides):
    kwargs = {
        "case_number": CASE,
        "proposed_monthly_amount": Decimal("640.00"),
        "notice_round": 1,
        "posted_on": POSTED,
        "ends_on": POSTED + datetime.timedelta(days=6),
        "objection_contact": "青山镇民政办 0571-8888 6666",
        **overrides,
    }
    return notice_data_for_household(household, **kwargs)


def notice_kwargs(**overrides):
    return {
        "case_number": CASE,
        "applicant_name": "张三丰",
        "household_size": 3,
        "village_name": "青山村",
        "township_name": "青山镇",
        "proposed_monthly_amount": Decimal("640.00"),
        "notice_round": 1,
        "posted_on": POSTED,
        "ends_on": POSTED + datetime.timedelta(days=6),
        "objection_contact": "青山镇民政办",
        **overrides,
    }


@pytest.fixture
def notice_pdf(household):
    return render_notice_pdf(notice_for(household))


def test_notice_shows_name_size_village_and_amount(notice_pdf):
    """MSL 24, SAI 61: the notice shows the applicant's name, household size, village and amount."""
    text = pdf_text(notice_pdf)
    compact = pdf_text_compact(notice_pdf)
    assert "张三丰" in compact
    assert "青山村" in compact
    assert "640.00" in text
    assert "家庭人口" in compact and "\n张三丰 3 青山村 640.00" in text
    assert "2026年3月2日" in compact and "2026年3月8日" in compact  # the 7-day window, MSL 19


def test_notice_of_a_household_leaks_no_id_phone_bank_address_or_health(household, notice_pdf):
    """MSL 24, SAI 61: built from a household whose members have ID numbers, a phone, a bank
    account, an address and a serious illness, the notice's text contains none of them."""
    compact = pdf_text_compact(notice_pdf)
    secrets = [m.id_number for m in household.members.all()]
    secrets += [household.phone, household.bank_account, household.address, "幸福路", "重病", "李梅", "张小明"]
    for secret in secrets:
        assert secret not in compact, secret
    # nor any fragment long enough to identify (e.g. a wrapped ID number)
    for id_number in secrets[:3]:
        assert id_number[:10] not in compact and id_number[-8:] not in compact


def test_notice_data_type_has_no_field_for_personal_data():
    """The privacy rule lives in the type: there is no field for ID, phone, bank, address or health."""
    names = set(PublicNoticeData.__dataclass_fields__)
    assert names == {
        "case_number", "applicant_name", "household_size", "village_name", "township_name",
        "proposed_monthly_amount", "notice_round", "posted_on", "ends_on", "objection_contact",
        "programme",  # which notice: a recognition without cash (LB24) posts no amount
    }  # fmt: skip
    with pytest.raises(TypeError):
        PublicNoticeData(**notice_kwargs(), id_number="x")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("applicant_name", "张三丰 " + make_id_number(datetime.date(1970, 5, 6), seq=111)),
        ("applicant_name", "张三丰110101197005061117"),
        ("applicant_name", "张三丰（13912345678）"),
        ("objection_contact", "张三 139-1234-5678"),
        ("objection_contact", "１３９１２３４５６７８"),  # full-width digits
        ("village_name", "青山村 6222 0212 3456 7890 123"),
        ("township_name", "6222021234567890"),
        ("case_number", "DB-110101197005061117"),
    ],
)
def test_notice_refuses_strings_that_look_like_personal_numbers(field, value):
    """MSL 24, SAI 61: an ID number, mobile number or bank card in any text field raises
    ValueError, also when written with spaces, hyphens or full-width digits."""
    with pytest.raises(ValueError, match=field):
        PublicNoticeData(**notice_kwargs(**{field: value}))


def test_ordinary_numbers_are_allowed():
    """Case numbers, dates, landlines and amounts are not mistaken for personal numbers."""
    for text in (CASE, "0571-8888 6666", "2026-03-02", "人均收入 520.00 元", "青山镇民政办 88886666"):
        assert not contains_personal_number(text, allow_hyphens=text == CASE), text
    PublicNoticeData(**notice_kwargs(objection_contact="青山镇民政办 0571-8888 6666"))


@pytest.mark.parametrize(
    "overrides",
    [
        {"proposed_monthly_amount": 640.0},
        {"proposed_monthly_amount": Decimal("-1.00")},
        {"proposed_monthly_amount": Decimal("640.005")},
        {"proposed_monthly_amount": Decimal("NaN")},
        {"household_size": 0},
        {"household_size": True},
        {"notice_round": 0},
        {"applicant_name": " "},
    ],
)
def test_notice_refuses_bad_values(overrides):
    """Money is a non-negative Decimal with at most 2 places (never float); sizes are positive ints."""
    with pytest.raises(ValueError):
        PublicNoticeData(**notice_kwargs(**overrides))


def test_notice_amount_is_normalised_to_two_places():
    """Decimal('640') is stored as Decimal('640.00')."""
    notice = PublicNoticeData(**notice_kwargs(proposed_monthly_amount=Decimal("640")))
    assert str(notice.proposed_monthly_amount) == "640.00"


def test_notice_period_is_at_least_seven_days():
    """MSL 19: the notice is posted for 7 days; a shorter window is refused."""
    with pytest.raises(ValueError, match=str(ERR_NOTICE_PERIOD)):
        PublicNoticeData(**notice_kwargs(ends_on=POSTED + datetime.timedelta(days=5)))


def test_notice_renders_real_chinese_glyphs(household, caplog):
    """Acceptance: the notice shows Chinese glyphs, not missing-glyph boxes. Three
    independent checks (see tests/documents/glyphs.py): WeasyPrint reports no .notdef
    glyph; pdffonts lists PDF Common Sans (cut-down Noto Sans CJK SC) as the one embedded face and the name is set in it; and on
    the page rasterised with ``pdftoppm -r 100``, every character of the name and village
    has ink and different characters have clearly different shapes (a missing glyph is
    the same box for every character). The detector itself is shown to catch real
    missing-glyph boxes in tests/documents/test_pdf.py."""
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = render_notice_pdf(notice_for(household))
    assert not [r for r in caplog.records if ".notdef" in r.getMessage()]
    fonts = {name.split("+")[-1]: embedded for name, embedded in embedded_fonts(pdf)}
    assert fonts == {"PDF-Common-Sans": True}  # one face: the cut-down Noto Sans CJK SC
    assert tofu_problems(pdf, "张三丰") == []
    assert tofu_problems(pdf, "最低生活保障审核确认公示") == []


def letter_kwargs(**overrides):
    return {
        "case_number": CASE,
        "applicant_name": "张三丰",
        "programme": "dibao",
        "township_name": "青山镇",
        "decided_on": datetime.date(2026, 3, 20),
        "approved": True,
        "monthly_amount": Decimal("640.00"),
        "payment_starts": datetime.date(2026, 4, 1),
        "reasons": (),
        "legal_basis": ("《最低生活保障审核确认办法》第二十一条",),
        **overrides,
    }


REFUSAL = {
    "approved": False,
    "monthly_amount": None,
    "payment_starts": None,
    "reasons": ("家庭人均月收入 520.00 元，高于当地最低生活保障标准 400.00 元。", "家庭名下有机动车辆。"),
}


def test_approval_letter_states_amount_and_payment_start():
    """MSL 21: the approval letter states the monthly amount and that payment starts the month
    after the decision; it carries the QR image and the verification URL printed under it."""
    pdf = render_decision_letter_pdf(DecisionLetterData(**letter_kwargs()), verification_url=VERIFY_URL)
    compact = pdf_text_compact(pdf)
    assert "审核确认通知书" in compact
    assert "每月640.00元" in compact
    assert "自2026年4月起按月发放" in compact
    assert VERIFY_URL in compact
    assert "行政复议" not in compact
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        images = doc.pages[0].images
    assert len(images) == 1 and abs(images[0]["width"] - images[0]["height"]) < 1  # the square QR code


def test_refusal_letter_states_reasons_and_appeal_rights():
    """MSL 21, 38; SAI 65: the refusal gives its reasons and the right to 行政复议 within 60 days
    and 行政诉讼 within 6 months, worded by the template; no amount; QR and URL present."""
    pdf = render_decision_letter_pdf(DecisionLetterData(**letter_kwargs(**REFUSAL)), verification_url=VERIFY_URL)
    compact = pdf_text_compact(pdf)
    assert "不予确认最低生活保障决定书" in compact
    for reason in REFUSAL["reasons"]:
        assert "".join(reason.split()) in compact
    assert "60日内依法申请行政复议" in compact
    assert "6个月内依法向人民法院提起行政诉讼" in compact
    assert "每月" not in compact
    assert VERIFY_URL in compact


def test_tekun_letter_names_the_programme():
    """The same letter serves 特困 decisions, naming the programme."""
    pdf = render_decision_letter_pdf(
        DecisionLetterData(**letter_kwargs(programme="tekun")), verification_url=VERIFY_URL
    )
    assert "特困人员救助供养审核确认通知书" in pdf_text_compact(pdf)


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"monthly_amount": None}, ERR_APPROVAL_AMOUNT),
        ({"payment_starts": None}, ERR_APPROVAL_AMOUNT),
        ({"payment_starts": datetime.date(2026, 3, 31)}, ERR_PAYMENT_START),
        ({**REFUSAL, "reasons": ()}, ERR_REFUSAL_REASONS),
        ({**REFUSAL, "reasons": ("  ",)}, ERR_REFUSAL_REASONS),
        ({**REFUSAL, "monthly_amount": Decimal("1.00")}, ERR_REFUSAL_AMOUNT),
    ],
)
def test_letter_data_enforces_the_rules(overrides, error):
    """MSL 21: approvals need amount and a payment start after the decision month; refusals need reasons."""
    with pytest.raises(ValueError, match=str(error)):
        DecisionLetterData(**letter_kwargs(**overrides))


def test_letter_refuses_personal_numbers_and_unknown_programmes():
    """Letters carry no ID/phone/bank numbers either, and only dibao or tekun."""
    with pytest.raises(ValueError, match="reasons"):
        DecisionLetterData(**letter_kwargs(**{**REFUSAL, "reasons": ("账户 6222021234567890123 余额超标",)}))
    with pytest.raises(ValueError):
        DecisionLetterData(**letter_kwargs(programme="linshi"))


def test_letters_are_in_chinese_whatever_the_staff_language():
    """A decision letter is an official document of the township government and stored as
    evidence: rendered while an English-speaking user acts, it is still in Chinese."""
    from django.utils import translation

    with translation.override("en"):
        pdf = render_decision_letter_pdf(DecisionLetterData(**letter_kwargs(**REFUSAL)), verification_url=VERIFY_URL)
        assert translation.get_language() == "en"  # the user's language is left as it was
    compact = pdf_text_compact(pdf)
    assert "不予确认" in compact and "行政复议" in compact
    assert "reconsideration" not in compact.lower() and "decision" not in compact.lower()


def test_notice_contact_line_is_chinese_whatever_the_staff_language():
    """The objection contact printed on the posted notice is built before rendering; it too
    stays Chinese when the case worker posting the notice reads English."""
    from types import SimpleNamespace

    from django.utils import translation

    from workflows.dibao.services import objection_contact_for

    with translation.override("en"):
        contact = objection_contact_for(SimpleNamespace(township=SimpleNamespace(name="青山镇")))
    assert contact == "青山镇社会事务办公室（民政窗口）"
