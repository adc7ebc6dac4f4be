"""Issue 14 acceptance journey (a): a village assistant on a 390×844 phone files a 1-person
特困 household with the applicant's written entrustment, driven only by tapping and typing:
log in on the login page, open 新申请 from the collapsed navigation, fill the intake; member
rows are added and removed by the page's script; after an error the summary takes focus and
the uploads stay. Every page visited has no viewflow custom element and no serious/critical
axe-core violation and is no wider than the phone; the main pages are saved at 390×844 and
1366×768 into test-artifacts/ui/."""

from __future__ import annotations

import datetime

import pytest

from tests.e2e.helpers import Visit, log_in
from tests.factories import make_id_number
from workflows.dibao.models import Attachment, DibaoProcess

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n% phone intake\n"
PHONE_WIDTH = 390


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_village_assistant_files_one_person_tekun_on_a_phone(new_page, region, village_assistant_a, tmp_path):
    """MSL 6: the village assistant files on the applicant's behalf with a written entrustment
    (委托书), kept with the case; TK 4-8 (no work ability, no income, no supporter) are declared
    at intake; MSL 7, MSL 9: one member with the signed check authorisation (核对授权书) and
    truthfulness commitment. A second row added by script and removed again is not filed; a
    wrong ID check digit (GB 11643) gives a focused error summary and keeps the uploads
    ("已上传"); the corrected form files the case for township acceptance (TK 28)."""
    application = tmp_path / "申请书.pdf"
    application.write_bytes(PDF)
    entrustment = tmp_path / "委托书.pdf"
    entrustment.write_bytes(PDF)
    page = new_page({"width": PHONE_WIDTH, "height": 844})
    visit = Visit(page, sizes=("phone", "desktop"))
    log_in(page, village_assistant_a, visit, "a00-login")
    visit("a01-inbox")
    assert fits_the_phone(page)

    # the navigation is collapsed on a phone: open it, then 新申请 → 特困人员认定
    page.get_by_role("button", name="展开导航").click()
    page.get_by_role("button", name="新申请").click()
    page.get_by_role("link", name="特困人员认定").click()
    page.wait_for_url("**/tekun/start/**")
    visit("a02-intake")
    assert fits_the_phone(page)

    page.get_by_label("村（社区）").select_option(str(region.village_a.pk))
    page.get_by_label("户籍类别").select_option("rural")
    page.get_by_label("家庭住址").fill("青山村二组 3 号")
    page.get_by_label("联系电话").fill("13912345678")
    page.locator("#id_upload_application").set_input_files(str(application))
    page.locator("#id_upload_entrustment").set_input_files(str(entrustment))
    for box in ("#id_no_work_ability", "#id_no_income", "#id_no_supporter"):
        page.locator(box).check()
    page.fill("#id_members-0-name", "王五")
    wrong_check_digit = make_id_number(datetime.date(1950, 1, 1), seq=303)[:17] + "Y"
    page.fill("#id_members-0-id_number", wrong_check_digit)
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
    visit("a03-intake-error")
    assert summary.evaluate("el => el === document.activeElement")
    assert "身份证号码" in summary.inner_text()
    body = page.locator("body").inner_text()
    assert "已上传：申请书.pdf，可替换" in body and "已上传：委托书.pdf，可替换" in body
    assert fits_the_phone(page)

    page.fill("#id_members-0-id_number", make_id_number(datetime.date(1950, 1, 1), seq=303))
    for box in ("#id_no_work_ability", "#id_no_income", "#id_no_supporter"):
        page.locator(box).check()  # checkboxes come back as posted; make sure
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(lambda url: "/start/" not in url)
    visit("a04-after-intake")
    assert fits_the_phone(page)
    process = DibaoProcess.objects.get()
    assert process.programme == "tekun" and process.household.size == 1
    assert process.case_number in page.locator("main").inner_text(), "the filed case is not shown"
    kinds = set(Attachment.objects.filter(process=process).values_list("kind", flat=True))
    assert kinds == {"application", "entrustment"}
    visit.assert_clean()
