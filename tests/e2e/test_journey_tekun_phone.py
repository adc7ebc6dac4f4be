"""Staff intake in a browser on a 390×844 phone (issue 14 item 3): a village assistant
files a 1-person 特困 household with entrustment; member rows are added and removed by
the page's script; after an error the summary takes focus and the uploads stay."""

from __future__ import annotations

import datetime

import pytest

from tests.e2e.conftest import (
    PHONE,
    SHOTS,
    new_page,  # noqa: F401 - the fixture
)
from tests.e2e.test_accessibility import axe_violations
from tests.e2e.test_workspace import login
from tests.factories import make_id_number
from workflows.dibao.models import Attachment, DibaoProcess

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n% phone intake\n"


def serious(violations):
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations if v["impact"] in ("serious", "critical")]


def test_village_assistant_files_one_person_tekun_on_a_phone(new_page, region, village_assistant_a, tmp_path):  # noqa: F811
    """MSL 6 (entrustment), MSL 7: one member, add-then-remove a row, the error summary
    is focused, the uploads are kept ("已上传"), and the corrected form files the case."""
    application = tmp_path / "申请书.pdf"
    application.write_bytes(PDF)
    entrustment = tmp_path / "委托书.pdf"
    entrustment.write_bytes(PDF)
    page = new_page(PHONE)
    login(page, village_assistant_a)
    page.goto(f"{page.base_url}/staff/cases/tekun/start/")
    assert page.locator("vf-form, [class^=vf-]").count() == 0
    assert serious(axe_violations(page)) == []

    page.select_option("#id_village", str(region.village_a.pk))
    page.select_option("#id_area", "rural")
    page.fill("#id_address", "青山村二组 3 号")
    page.fill("#id_phone", "13912345678")
    page.set_input_files("#id_upload_application", str(application))
    page.set_input_files("#id_upload_entrustment", str(entrustment))
    for box in ("#id_no_work_ability", "#id_no_income", "#id_no_supporter"):
        page.check(box)
    page.fill("#id_members-0-name", "王五")
    page.fill("#id_members-0-id_number", make_id_number(datetime.date(1950, 1, 1), seq=303)[:17] + "Y")
    page.check("#id_members-0-signed_check_authorisation")
    page.check("#id_members-0-signed_truthfulness")

    # a second row by script, then removed again: it is not filed
    page.get_by_role("button", name="添加一名成员").click()
    assert page.locator("[data-member-row]:not([hidden])").count() == 2
    assert page.locator("#id_members-1-name").evaluate("el => el === document.activeElement")
    page.locator("[data-member-row]").nth(1).get_by_role("button", name="删除此成员").click()
    assert page.locator("[data-member-row]:not([hidden])").count() == 1

    page.get_by_role("button", name="提交申请").click()
    summary = page.locator("#error-summary")
    summary.wait_for()
    assert summary.evaluate("el => el === document.activeElement")
    assert "身份证号码" in summary.inner_text()
    body = page.locator("body").inner_text()
    assert "已上传：申请书.pdf，可替换" in body and "已上传：委托书.pdf，可替换" in body
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(SHOTS / "intake-phone-error.png"), full_page=True)
    assert serious(axe_violations(page)) == []

    page.fill("#id_members-0-id_number", make_id_number(datetime.date(1950, 1, 1), seq=303))
    for box in ("#id_no_work_ability", "#id_no_income", "#id_no_supporter"):
        page.check(box)  # checkboxes come back as posted; make sure
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(lambda url: "/start/" not in url)
    process = DibaoProcess.objects.get()
    assert process.programme == "tekun" and process.household.size == 1
    assert set(Attachment.objects.filter(process=process).values_list("kind", flat=True)) == {
        "application",
        "entrustment",
    }
