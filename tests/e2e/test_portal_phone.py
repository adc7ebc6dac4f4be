"""Browser test (issue 9 §7): on a 390×844 phone viewport an applicant applies,
finds the case on the status page, and after staff decide it sees the
decision and downloads the letter. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path

import pytest

from tests.dibao.conftest import accept, do, home_visit, sign_all
from tests.e2e.conftest import PHONE, new_page  # noqa: F401 - fixture
from tests.factories import make_id_number
from workflows.dibao import services as dibao_services
from workflows.dibao.models import DibaoProcess

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PDF = b"%PDF-1.4\n% e2e upload\n"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium (/usr/bin/chromium) is not installed"),
]


@pytest.fixture
def page(new_page):  # noqa: F811 - fixture
    """A page of the browser shared by consecutive browser tests (``tests/e2e/conftest.py``)."""
    return new_page(PHONE)


def shot(page, name):
    page.screenshot(path=str(SHOTS / f"portal-{name}.png"), full_page=True)


def test_apply_on_a_phone_then_follow_the_case_to_its_decision(
    page, region, tmp_path, case_worker_a, case_worker_a2, approver_a, approver_a2, fake_finance_check,
):  # fmt: skip
    """Apply (six steps, no JavaScript needed), find the case with case number +
    last 6 of the ID, then see the decision and download the letter (MSL 21)."""
    applicant_id = make_id_number(datetime.date(1958, 2, 3), seq=611)
    base = page.base_url
    page.goto(f"{base}/portal/")
    shot(page, "01-home")
    page.get_by_role("link", name="我要申请").click()
    page.get_by_label("乡镇（街道）").select_option(label="青山镇")
    page.get_by_role("button", name=re.compile("下一步")).click()
    page.get_by_label("村（社区）").select_option(label="青山村")
    shot(page, "02-place")
    page.get_by_role("button", name=re.compile("确定")).click()

    page.get_by_label("最低生活保障").check()
    page.get_by_label("农村").check()
    page.get_by_label("家庭住址").fill("青山村五组 3 号")
    page.get_by_label("手机号码").fill("13800001111")
    page.get_by_label("共同生活的家庭人口（含申请人）").select_option("1")
    shot(page, "03-household")
    page.get_by_role("button", name="下一步").click()

    page.get_by_label("姓名").fill("孙老伯")
    page.get_by_label("身份证号码").fill(applicant_id)
    page.get_by_label("月均收入（元）").fill("150")
    shot(page, "04-members")
    # keyboard only: the submit button is reachable and works with Enter
    with page.expect_navigation():
        page.get_by_role("button", name="下一步").press("Enter")

    pdf = tmp_path / "申请书.pdf"
    pdf.write_bytes(PDF)
    page.get_by_label("书面申请书（照片或 PDF）").set_input_files(str(pdf))
    page.get_by_role("button", name="下一步").click()

    page.get_by_label(re.compile("孙老伯 同意")).check()
    page.get_by_label(re.compile("我承诺")).check()
    shot(page, "05-consents")
    page.get_by_role("button", name="下一步").click()
    shot(page, "06-review")
    page.get_by_role("button", name="提交申请").click()

    case_number = page.locator("#case-number").inner_text().strip()
    shot(page, "07-done")
    assert re.fullmatch(r"DB-990101001-\d{4}-\d{6}", case_number)

    # a fresh browser session (no grant): look the case up
    page.context.clear_cookies()
    page.goto(f"{base}/portal/status/")
    page.get_by_label("案件编号").first.fill(case_number)
    page.get_by_label("申请人身份证号码后 6 位").fill(applicant_id[-6:])
    page.get_by_role("button", name="查询", exact=True).click()
    assert "等待乡镇受理" in page.locator("#stage-label").inner_text()
    shot(page, "08-status-submitted")

    # staff drive the case to a decision through the services
    process = DibaoProcess.objects.get(case_number=case_number)
    process = accept(process, case_worker_a)
    process = fake_finance_check.finish(process, outcome="not_eligible", per_capita_income="900.00")
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = do(process, "propose", case_worker_a, dibao_services.dibao_propose, approve=False, note="收入超标")
    process = sign_all(process, case_worker_a, approver_a, approver_a2, approve=False, reasons=["人均收入高于标准"])
    assert process.status == "DONE"

    page.reload()
    assert "不予确认" in page.locator("#stage-label").inner_text()
    shot(page, "09-status-decided")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("下载不予确认决定书")).click()
    path = download.value.path()
    assert Path(path).read_bytes().startswith(b"%PDF")
