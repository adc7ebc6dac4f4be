"""Browser test (issue 16 item 5, MSL 18): on a 390×844 phone an applicant looks up a
temporary-assistance case and a dibao case whose data check failed, by clicking and typing,
reads the stage in plain words and downloads the letters; every page is axe-clean (WCAG 2.1
A/AA and structure rules). Screenshots: test-artifacts/screenshots/portal-ta-*.png."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from tests.dibao.conftest import accept
from tests.e2e.conftest import PHONE, SHOTS
from tests.e2e.test_accessibility import Audit
from tests.portal import conftest as portal_fixtures
from tests.portal.conftest import APPLICANT_ID, TA_ID, application, ta_approve, ta_letter
from tests.temporary_assistance.helpers import file_case
from workflows.portal import services as portal_services

pytestmark = pytest.mark.browser
# the portal tests' fixtures, shared rather than copied
ta_household, ta_fund = portal_fixtures.ta_household, portal_fixtures.ta_fund


def _look_up(page, audit, name, case_number, id_tail):
    """From the portal's home page to the case's status page, as the applicant would."""
    page.goto(f"{page.base_url}/portal/")
    page.get_by_role("link", name="查询办理进度").click()
    page.get_by_label("案件编号").first.fill(case_number)
    page.get_by_label("申请人身份证号码后 6 位").fill(id_tail)
    page.get_by_role("button", name="查询", exact=True).click()
    page.wait_for_url(f"**/portal/status/{case_number}/")
    audit.check(page, name)


def _download(page, link_name) -> bytes:
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(link_name)).click()
    return Path(download.value.path()).read_bytes()


def test_phone_temporary_assistance_status_and_letter(
    new_page, region, case_worker_a, approver_a, ta_household, ta_fund
):
    """A 1,500-yuan request approved with 500 paid so far: the applicant types the case number and
    the ID tail, sees 已批准 and "已发放 500.00 元" of 1,500.00, and downloads the decision letter;
    a wrong tail gets the same neutral page as an unknown case."""
    process = ta_approve(
        file_case(case_worker_a, ta_household, requested_amount=Decimal("1500.00")), approver_a, first_payment="500.00"
    )
    ta_letter(process)
    page, audit = new_page(PHONE), Audit()

    page.goto(f"{page.base_url}/portal/status/")
    page.get_by_label("案件编号").first.fill(process.case_number)
    page.get_by_label("申请人身份证号码后 6 位").fill("000000")
    page.get_by_role("button", name="查询", exact=True).click()
    audit.check(page, "portal-ta-lookup-failed")
    assert "没有查到" in page.content()

    _look_up(page, audit, "portal-ta-status-approved", process.case_number, TA_ID[-6:])
    assert page.locator("#stage-label").inner_text() == "已批准"
    assert "批准救助 1,500.00 元，已发放 500.00 元" in page.locator("#ta-paid").inner_text()
    page.screenshot(path=str(SHOTS / "portal-ta-status-approved.png"), full_page=True)
    assert _download(page, "下载临时救助决定书").startswith(b"%PDF")
    page.get_by_role("button", name="退出查询").click()
    audit.check(page, "portal-ta-left")
    assert not audit.failures, "\n".join(audit.failures)


def test_phone_failed_check_is_told_with_reasons_and_notice(
    new_page, region, case_worker_a, fake_finance_check
):  # fmt: skip
    """MSL 18: after a failed data check the applicant's status page says so in words, lists
    the reasons, offers the check-result notice and says how to object with evidence."""
    process = portal_services.application_submit_online(
        programme="dibao", application=application(region.village_a), language="zh-hans"
    )
    process = fake_finance_check.finish(
        accept(process, case_worker_a), outcome="not_eligible", per_capita_income="900.00"
    )
    page, audit = new_page(PHONE), Audit()
    _look_up(page, audit, "portal-check-failed", process.case_number, APPLICANT_ID[-6:])
    assert page.locator("#stage-label").inner_text() == "家庭经济状况核对未通过"
    assert page.locator("#check-reasons").inner_text().strip() == "收入低于标准"
    assert "如何对核对结果提出异议" in page.content()
    assert _download(page, "下载家庭经济状况核对结果告知书").startswith(b"%PDF")
    assert not audit.failures, "\n".join(audit.failures)
