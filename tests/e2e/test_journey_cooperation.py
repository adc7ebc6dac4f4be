"""Issue 16 items 7 and 8 acceptance journey: a case worker refers the household of a
temporary-assistance case to two departments (一门受理、协同办理, SAI 60), enters the medical
department's answer when it comes back, and records a case conference (个案会商, domain.md §8)
on the case, which is above the township limit; the referral and the conference show on the
case page, in the history replay, in the township's referral list and on the county dashboard.
Every page is checked (no viewflow element, no serious axe violation) and photographed at
1366×768 and 390×844 into test-artifacts/ui/."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from tests.e2e.helpers import Visit, log_in, log_out, sign_in
from tests.temporary_assistance.conftest import household_a  # noqa: F401 - fixtures
from tests.temporary_assistance.helpers import file_case
from workflows.cooperation.models import Conference, Referral
from workflows.workspace.indexing import refresh_case_index

pytestmark = pytest.mark.browser


def _refer(page, department: str, need: str) -> None:
    page.get_by_role("link", name="转介其他部门").click()
    page.wait_for_url("**/referral/**")
    page.get_by_label("转介事项").select_option(label=department)
    page.get_by_label("需要的帮助").fill(need)
    page.get_by_role("button", name="转介", exact=True).click()
    page.wait_for_url("**/workspace/case/**")


def test_case_worker_refers_answers_and_records_a_conference(
    new_page, region, case_worker_a, county_officer, household_a,  # noqa: F811 - fixtures
):  # fmt: skip
    """SAI 60 and domain.md §8: referral, answer and conference by clicking and typing; each
    shows where the township and the county look for it."""
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("2500.00"))
    refresh_case_index(process)
    page = new_page()
    visit = Visit(page)
    log_in(page, case_worker_a, visit, "k00-login")
    page.goto(f"{page.base_url}/workspace/case/{process.pk}/")
    visit("k01-case")

    # 一门受理: refer to medical and housing assistance
    _refer(page, "医疗救助", "住院费用自付部分约 8,000 元，无力承担")
    visit("k02-case-referred")
    _refer(page, "住房救助", "房屋失火烧毁，需要过渡住房")
    panel = page.locator("#coop-case")
    assert "医疗救助" in panel.inner_text() and "住房救助" in panel.inner_text()
    assert Referral.objects.filter(process_id=process.pk, status=Referral.Status.OPEN).count() == 2

    # the medical department answers
    medical = Referral.objects.get(process_id=process.pk, department="medical")
    page.locator(f'tr[data-referral="{medical.pk}"]').get_by_role("link", name="登记答复").click()
    page.wait_for_url(f"**/cooperation/referral/{medical.pk}/answer/**")
    visit("k03-answer")
    page.get_by_label("部门答复人").fill("县医保局 张科长")
    page.get_by_label("部门答复日期").fill(f"{timezone.localdate():%Y-%m-%d}")
    page.get_by_label("答复结果").select_option(label="已给予救助")
    page.get_by_label("答复内容").fill("已纳入医疗救助，自付部分报销 70%。")
    page.get_by_role("button", name="登记答复").click()
    page.wait_for_url(f"**/workspace/case/{process.pk}/")
    row = page.locator(f'tr[data-referral="{medical.pk}"]').inner_text()
    assert "部门已答复" in row and "县医保局 张科长" in row and "已给予救助" in row

    # 个案会商 on the above-limit emergency
    page.get_by_role("link", name="记录个案会商").click()
    page.wait_for_url("**/conference/**")
    visit("k04-conference-form")
    page.get_by_label("医保部门").check()
    page.get_by_label("住建部门").check()
    page.get_by_label("参会人员").fill("民政办 王主任；医保站 李站长；住建办 赵主任")
    page.get_by_label("基本生活").check()
    page.get_by_label("住房").check()
    page.get_by_label("会商决定").fill("乡镇先行给予临时救助；医疗费用由医保部门办理；住建办安排过渡住房。")
    page.locator("#id_actions-0-description").fill("安排过渡住房")
    page.locator("#id_actions-0-owner").fill("住建办 赵主任")
    page.locator("#id_actions-0-due_on").fill(f"{timezone.localdate():%Y-%m-%d}")
    page.get_by_role("button", name="保存会商记录").click()
    page.wait_for_url(f"**/workspace/case/{process.pk}/")
    visit("k05-case-with-conference")
    conference = page.locator(".coop-conference").inner_text()
    assert "民政部门、医保部门、住建部门" in conference and "安排过渡住房" in conference
    assert Conference.objects.get(process_id=process.pk).actions.count() == 1

    # the history replay
    page.get_by_role("link", name="完整案件历史").click()
    page.wait_for_url(f"**/history/case/{process.pk}/**")
    visit("k06-history")
    history = page.locator("main").inner_text()
    for words in ("转介其他部门专项救助", "登记部门转介答复", "记录个案会商", "医疗救助", "住建部门"):
        assert words in history, words

    # the township's list: the open housing referral
    page.goto(f"{page.base_url}/cooperation/referrals/")
    visit("k07-referral-list")
    listed = page.locator("#coop-referral-list").inner_text()
    assert "住房救助" in listed and process.case_number in listed and "医疗救助" not in listed
    log_out(page)

    # the county dashboard counts them
    sign_in(page, county_officer)
    page.goto(f"{page.base_url}/workspace/county/{region.county.pk}/")
    visit("k08-county-dashboard")
    assert page.locator("#kpi-referrals").inner_text() == "1"
    assert page.locator("#kpi-conferences").inner_text() == "1"
    visit.assert_clean()
