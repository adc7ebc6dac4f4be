"""Issue 14 acceptance journey (e): temporary assistance paid first (先行救助), then its
paperwork within the deadline, driven only by clicking and typing. The case worker files
an emergency for a household already on record and asks for assist-first; the township
approver pays it from the inbox; the case worker completes registration, the township
head's signature, the reconciled amount and, source by source, why no after-the-fact check
is needed, before the due date. Every page visited has no viewflow custom
element and no serious/critical axe-core violation; the main pages are saved at 1366×768
and 390×844 into test-artifacts/ui/."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.e2e.helpers import Visit, log_in, log_out, sign_in, take_task
from tests.temporary_assistance.conftest import fund_a, household_a  # noqa: F401 - fixtures
from workflows.finance_check.sources import Source
from workflows.temporary_assistance import services
from workflows.temporary_assistance.models import Payment, TemporaryAssistanceProcess

pytestmark = pytest.mark.browser


def test_assist_first_payment_then_paperwork_within_the_deadline(
    new_page, region, case_worker_a, approver_a, household_a, fund_a,  # noqa: F811 - fixtures
):  # fmt: skip
    """TA18 2(2), ZB20 15, SAI 48: an emergency (急难型, TA18 2(1)) is paid at once from the
    township reserve fund (备用金), skipping check, appraisal and notice; the payment sets the
    paperwork due date (default 5 working days) and the pages show it to the case worker,
    who completes registration, signatures and the check on time, so nothing escalates to
    the county."""
    page = new_page()
    visit = Visit(page)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    # the case worker files the emergency at the window and asks for assist-first
    log_in(page, case_worker_a, visit, "e00-login")
    page.get_by_role("button", name="新申请").click()
    page.get_by_role("link", name="临时救助").click()
    page.wait_for_url("**/start/**")
    visit("e01-intake")
    assert page.get_by_role("heading", level=1).inner_text() == "受理临时救助申请"
    page.get_by_role("combobox", name="已有家庭").select_option(str(household_a.pk))
    page.get_by_label("救助类型").select_option(label="急难型")
    page.get_by_label("事由类别").select_option(label="火灾")
    page.get_by_label("事件发生日期").fill(yesterday.isoformat())
    page.get_by_label("情况说明").fill("昨夜房屋失火，衣物口粮全部烧毁。")
    page.get_by_label("申请金额（元）").fill("1500.00")
    page.get_by_label("先行救助（急难型，当日发放，事后补办）").check()
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(lambda url: "/start/" not in url)
    visit("e02-after-intake")
    process = TemporaryAssistanceProcess.objects.get()
    assert process.assist_first
    log_out(page)

    # the township approver pays at once from the reserve fund (TA18 2(2))
    sign_in(page, approver_a)
    take_task(page, process.case_number, visit, "e03-assist-first-pay")
    text = page.locator("main").inner_text()
    assert "1,500.00" in text and "火灾" in text, "the request and its cause are not shown to the approver"
    page.get_by_label("先行发放金额（元）").fill("1500.00")
    page.get_by_role("button", name="办理", exact=True).click()
    page.wait_for_url(f"**/workspace/case/{process.pk}/")
    visit("e04-case-after-payment")
    process = TemporaryAssistanceProcess.objects.get(pk=process.pk)
    payment = Payment.objects.get(process=process)
    assert payment.assist_first and payment.source == Payment.Source.TOWNSHIP_FUND
    assert payment.amount == Decimal("1500.00")
    due = process.paperwork_due
    assert due > timezone.localdate()
    assert "先行救助待补办" in page.locator("main").inner_text()
    log_out(page)

    # the case worker sees the due date and completes the paperwork on time (ZB20 15)
    sign_in(page, case_worker_a)
    take_task(page, process.case_number, visit, "e05-complete-paperwork")
    assert due.isoformat() in page.locator("main").inner_text(), "the paperwork due date is not shown"
    page.get_by_label("已补办申请登记").check()
    page.get_by_label("签字的乡镇负责人").fill("王镇长")
    page.get_by_label("乡镇负责人签字日期").fill(timezone.localdate().isoformat())
    assert page.get_by_label("申请人签收的金额（元）").input_value() == "1500.00"
    page.get_by_label("逐项说明无需核对的理由").check()
    for source in services.after_check_sources():
        page.get_by_label(f"无需核对“{Source(source).label}”的理由").fill("房屋及财物已焚毁，无需核对")
    page.get_by_label("备注").fill("申请书、承诺书和乡镇负责人签字已补齐。")
    page.get_by_role("button", name="办理", exact=True).click()
    page.wait_for_url(f"**/workspace/case/{process.pk}/")
    visit("e06-case-paperwork-done")
    process = TemporaryAssistanceProcess.objects.get(pk=process.pk)
    assert process.paperwork_completed_at is not None and process.escalated_at is None
    assert process.paperwork_head_signer == "王镇长" and process.paperwork_reconciled_amount == Decimal("1500.00")
    assert process.after_check == "waived" and process.status == "DONE"
    assert "先行救助待补办" not in page.locator("main").inner_text()
    visit.assert_clean()
