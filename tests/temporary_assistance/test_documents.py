"""Temporary-assistance decision and refusal letters (MSL 21, 38; SAI 47-50, 65; issue 16 item 4).

Same text checks as the dibao letters (tests/dibao/test_documents.py): amount, cause, payment way or
reasons, the 60-day reconsideration / 6-month litigation rights, the QR code and its printed URL.
Letters are issued by a job after the decision commits, never rendered inside it.
"""

import datetime
import io
from decimal import Decimal

import pdfplumber
import pytest

from tests.documents.glyphs import pdf_text_compact
from tests.temporary_assistance.helpers import do, file_case
from workflows.documents.models import CaseDocument
from workflows.temporary_assistance import services
from workflows.temporary_assistance.documents import (
    ERR_TA_APPROVAL,
    ERR_TA_REFUSAL_AMOUNT,
    ERR_TA_REFUSAL_REASONS,
    TemporaryAssistanceLetterData,
    render_letter_pdf,
)
from workflows.temporary_assistance.flows import TemporaryAssistanceFlow as F

CASE = "LS-990101001-2026-000007"
VERIFY_URL = "https://jiuzhu.example.gov.cn/verify/Ab-_Cd0123456789efGHijKLmnOPqrSTuv/"
RIGHTS = ("60日内依法申请行政复议", "6个月内依法向人民法院提起行政诉讼")


def letter_kwargs(**overrides):
    return {
        "case_number": CASE, "applicant_name": "张三丰", "kind_label": "急难型", "cause_label": "火灾",
        "event_date": datetime.date(2026, 3, 1), "issuer": "青山镇人民政府（街道办事处）",
        "decided_on": datetime.date(2026, 3, 3), "approved": True, "amount": Decimal("1500.00"),
        "payment_way": "由乡镇备用金一次性发放", **overrides,
    }  # fmt: skip


REFUSAL = {"approved": False, "amount": None, "payment_way": "", "reasons": ("家庭存款足以应对本次困难。",)}


def qr_images(pdf):
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [i for i in doc.pages[0].images if abs(i["width"] - i["height"]) < 1]


def test_decision_letter_states_amount_cause_payment_way_and_rights():
    """SAI 47-50, MSL 21, SAI 65: the decision letter states cause and event date, the amount with
    thousands separators, how it is paid, the reconsideration/litigation rights, the QR and its URL."""
    pdf = render_letter_pdf(TemporaryAssistanceLetterData(**letter_kwargs()), verification_url=VERIFY_URL)
    compact = pdf_text_compact(pdf)
    assert "临时救助决定书" in compact and CASE in compact
    assert "2026年3月1日发生的“火灾”" in compact and "急难型" in compact
    assert "救助金额为1,500.00元" in compact
    assert "发放方式：由乡镇备用金一次性发放" in compact
    for right in RIGHTS:
        assert right in compact
    assert VERIFY_URL in compact and len(qr_images(pdf)) == 1


def test_refusal_letter_states_reasons_and_rights_without_amount():
    """MSL 38, SAI 65: the refusal letter gives its reasons and the rights; it has no amount."""
    pdf = render_letter_pdf(TemporaryAssistanceLetterData(**letter_kwargs(**REFUSAL)), verification_url=VERIFY_URL)
    compact = pdf_text_compact(pdf)
    assert "不予临时救助决定书" in compact
    assert "家庭存款足以应对本次困难。" in compact
    for right in RIGHTS:
        assert right in compact
    assert "救助金额为" not in compact
    assert VERIFY_URL in compact and len(qr_images(pdf)) == 1


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"amount": None}, ERR_TA_APPROVAL),
        ({"payment_way": " "}, ERR_TA_APPROVAL),
        ({**REFUSAL, "reasons": ()}, ERR_TA_REFUSAL_REASONS),
        ({**REFUSAL, "reasons": (" ",)}, ERR_TA_REFUSAL_REASONS),
        ({**REFUSAL, "amount": Decimal("1.00")}, ERR_TA_REFUSAL_AMOUNT),
    ],
)
def test_letter_data_enforces_the_rules(overrides, error):
    """MSL 21: a decision states amount and payment way; a refusal states reasons and no amount."""
    with pytest.raises(ValueError, match=str(error)):
        TemporaryAssistanceLetterData(**letter_kwargs(**overrides))


def test_letter_refuses_personal_numbers():
    """No ID, phone or bank numbers in letters either (the data type refuses them)."""
    with pytest.raises(ValueError, match="reasons"):
        TemporaryAssistanceLetterData(**letter_kwargs(**{**REFUSAL, "reasons": ("账户 6222021234567890123 有存款",)}))


def test_letter_is_chinese_whatever_the_staff_language(region, case_worker_a, approver_a, household_a, fund_a,
                                                       django_capture_on_commit_callbacks):  # fmt: skip
    """An official document: decided by an English-reading approver, the letter is still in Chinese."""
    from django.utils import translation

    process = file_case(case_worker_a, household_a, requested_amount=Decimal("1500.00"))
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        do(process, F.township_approve, approver_a, services.case_township_approve, approve=True, amount="1500")
    compact = pdf_text_compact(CaseDocument.objects.get(process_id=process.pk).file.read())
    assert "由乡镇备用金一次性发放" in compact and "行政复议" in compact
    assert "township" not in compact.lower()


def test_township_approval_issues_letter_after_commit(
    region, case_worker_a, approver_a, household_a, fund_a, django_capture_on_commit_callbacks, client
):
    """MSL 21: the township approval issues the decision letter by a job queued on commit: nothing is
    rendered in the decision's transaction; afterwards the case has one verifiable letter whose QR page
    answers without login."""
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("1500.00"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        do(process, F.township_approve, approver_a, services.case_township_approve,
           approve=True, amount="1500", first_payment="600")  # fmt: skip
    assert not CaseDocument.objects.filter(process_id=process.pk).exists()
    for callback in callbacks:
        callback()
    letter = CaseDocument.objects.get(process_id=process.pk)
    assert letter.kind == CaseDocument.Kind.TA_DECISION and letter.verifiable
    compact = pdf_text_compact(letter.file.read())
    assert "救助金额为1,500.00元" in compact
    assert "由乡镇备用金分次发放，首次发放600.00元" in compact
    assert "青山镇人民政府（街道办事处）" in compact
    assert process.case_number in compact
    page = client.get(f"/verify/{letter.token}/")
    assert page.status_code == 200 and process.case_number in page.content.decode()


def test_refusal_issues_refusal_letter_with_the_written_reason(
    region, case_worker_a, approver_a, household_a, fund_a, django_capture_on_commit_callbacks
):
    """MSL 38, SAI 65: a township refusal issues the refusal letter with the approver's reasons and the rights."""
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("1500.00"))
    with django_capture_on_commit_callbacks(execute=True):
        do(process, F.township_approve, approver_a, services.case_township_approve,
           approve=False, reason="家庭存款足以应对本次困难。\n已获保险理赔。")  # fmt: skip
    letter = CaseDocument.objects.get(process_id=process.pk)
    compact = pdf_text_compact(letter.file.read())
    assert "不予临时救助决定书" in compact
    assert "家庭存款足以应对本次困难。" in compact and "已获保险理赔。" in compact
    assert all(right in compact for right in RIGHTS)
    assert letter.filename.endswith("-refusal.pdf")


def test_county_decision_letter_is_issued_by_the_county(
    region, case_worker_a, county_officer, household_a, django_capture_on_commit_callbacks
):
    """SAI 48: above the township limit the county decides; its letter names the county civil-affairs bureau."""
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("2500.00"))
    with django_capture_on_commit_callbacks(execute=True):
        do(process, F.county_approve, county_officer, services.case_county_approve, approve=True, amount="2500")
    compact = pdf_text_compact(CaseDocument.objects.get(process_id=process.pk).file.read())
    assert f"{region.county.name}民政局" in compact and "由县级支付一次性发放" in compact


def test_assist_first_letter_says_paid_at_once(
    region, case_worker_a, approver_a, household_a, fund_a, django_capture_on_commit_callbacks
):
    """TA18 2(2): the assist-first decision letter states the payment was made at once from the fund."""
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("1000.00"), assist_first=True)
    with django_capture_on_commit_callbacks(execute=True):
        do(process, F.assist_first_pay, approver_a, services.case_assist_first_pay, amount="1000")
    compact = pdf_text_compact(CaseDocument.objects.get(process_id=process.pk).file.read())
    assert "先行救助，由乡镇备用金当即发放" in compact


def test_letter_job_is_idempotent_and_waits_for_a_decision(region, case_worker_a, approver_a, household_a, fund_a):
    """A redelivered letter job finds the letter already issued; on an undecided case it issues nothing."""
    from workflows.temporary_assistance.tasks import issue_decision_letter

    process = file_case(case_worker_a, household_a, requested_amount=Decimal("1500.00"))
    assert issue_decision_letter(process.pk) == "skipped"
    do(process, F.township_approve, approver_a, services.case_township_approve, approve=True, amount="1500")
    first = services.case_issue_letter(process_id=process.pk)
    assert services.case_issue_letter(process_id=process.pk) == first
    assert issue_decision_letter(process.pk) == "done"
    assert CaseDocument.objects.filter(process_id=process.pk).count() == 1


def test_case_page_lists_the_letter_and_download_is_scoped(
    region, case_worker_a, approver_a, approver_b, household_a, fund_a, django_capture_on_commit_callbacks,
    client_for,
):  # fmt: skip
    """The case page links the letter; staff of another township cannot download it (404)."""
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("1500.00"))
    with django_capture_on_commit_callbacks(execute=True):
        do(process, F.township_approve, approver_a, services.case_township_approve, approve=True, amount="1500")
    letter = CaseDocument.objects.get(process_id=process.pk)
    page = client_for(approver_a).get(f"/staff/cases/temporaryassistance/{process.pk}/")
    assert page.status_code == 200
    assert 'id="ta-case-letters"' in page.text and f"/verify/download/{letter.pk}/" in page.text
    assert client_for(approver_a).get(f"/verify/download/{letter.pk}/").status_code == 200
    assert client_for(approver_b).get(f"/verify/download/{letter.pk}/").status_code == 404


def test_sweep_issues_letters_whose_job_was_lost(region, case_worker_a, approver_a, household_a, fund_a):
    """A decision whose letter message was lost (no on-commit job ran here) gets its letter from the
    periodic sweep once the grace period passed; a second sweep finds nothing to do."""
    import datetime as dt

    from workflows.temporary_assistance.models import TemporaryAssistanceProcess
    from workflows.temporary_assistance.tasks import issue_missing_letters

    process = file_case(case_worker_a, household_a, requested_amount=Decimal("1500.00"))
    do(process, F.township_approve, approver_a, services.case_township_approve, approve=True, amount="1500")
    assert issue_missing_letters() == 0  # within the grace period the queued job is left to run
    decided = TemporaryAssistanceProcess.objects.get(pk=process.pk).decided_at
    TemporaryAssistanceProcess.objects.filter(pk=process.pk).update(decided_at=decided - dt.timedelta(hours=1))
    assert issue_missing_letters() == 1
    assert CaseDocument.objects.filter(process_id=process.pk, kind=CaseDocument.Kind.TA_DECISION).count() == 1
    assert issue_missing_letters() == 0
