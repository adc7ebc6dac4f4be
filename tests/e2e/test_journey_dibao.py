"""Issue 14 acceptance journeys (b)+(c) and (d), driven only by clicking and typing as each
role would: log in on the login page, start from the navigation, the inbox or the queue.
Every page visited has no viewflow custom element and no serious/critical axe-core
violation; the main pages are saved at 1366×768 and 390×844 into test-artifacts/ui/."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from viewflow.workflow.status import STATUS

from tests.dibao.conftest import accept, file_case, finance_check, home_visit, pass_notice, propose  # noqa: F401
from tests.documents.glyphs import pdf_text_compact
from tests.e2e.helpers import Visit, log_in, log_out, sign_in, take_task
from tests.factories import make_id_number
from tests.finance_check.conftest import registry_sandbox  # noqa: F401 - the fixture
from workflows.dibao.models import Decision, DibaoProcess

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n% journey upload\n"
MEMBERS = [  # name, relation, birth, seq, monthly income
    ("张建国", "applicant", datetime.date(1972, 5, 1), 411, "300.00"),
    ("李秀英", "spouse", datetime.date(1974, 8, 9), 412, "0.00"),
    ("张小明", "minor_child", datetime.date(2014, 3, 2), 413, "0.00"),
    ("王桂兰", "parent", datetime.date(1948, 11, 20), 414, "0.00"),
]


def file_four_person_household(page, region, tmp_path, visit) -> DibaoProcess:
    """新申请 → 低保: four members, the grandmother with a monthly medical expense (MSL 13)."""
    proof = tmp_path / "医疗费用票据.pdf"
    proof.write_bytes(PDF)
    letter = tmp_path / "申请书.pdf"
    letter.write_bytes(PDF)
    page.get_by_role("button", name="新申请").click()
    page.get_by_role("link", name="最低生活保障").click()
    page.wait_for_url("**/start/**")
    visit("b01-intake")
    page.get_by_label("村（社区）").select_option(str(region.village_a.pk))
    page.get_by_label("户籍类别").select_option("rural")
    page.get_by_label("家庭住址").fill("青山村三组 8 号")
    page.get_by_label("联系电话").fill("13912345670")
    page.locator("#id_upload_application").set_input_files(str(letter))
    for i, (name, relation, birth, seq, income) in enumerate(MEMBERS):
        if i:
            page.get_by_role("button", name="添加一名成员").click()
        page.fill(f"#id_members-{i}-name", name)
        page.fill(f"#id_members-{i}-id_number", make_id_number(birth, seq=seq))
        page.select_option(f"#id_members-{i}-relation", relation)
        page.fill(f"#id_members-{i}-monthly_income", income)
        page.check(f"#id_members-{i}-signed_check_authorisation")
        page.check(f"#id_members-{i}-signed_truthfulness")
    page.check("#id_members-3-has_serious_illness")
    page.select_option("#id_members-3-expense_kind", "illness")
    page.fill("#id_members-3-expense_monthly", "200.00")
    page.set_input_files("#id_members-3-expense_proof", str(proof))
    visit("b02-intake-filled")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(lambda url: "/start/" not in url)
    visit("b03-after-intake")
    process = DibaoProcess.objects.get()
    assert process.household.size == 4
    return process


def test_case_worker_files_four_person_dibao_and_approvers_sign(
    new_page, region, case_worker_a, case_worker_a2, approver_a, approver_a2, finance_check, tmp_path,  # noqa: F811 - fixture
    monkeypatch,
):  # fmt: skip
    """Journeys (b)+(c): intake of a 4-person household with a medical expense (MSL 7, 13),
    acceptance with one missing item (one-time notice, MSL 10), the completed materials,
    a two-investigator home visit (MSL 16), a proposal showing the computation (MSL 19,
    23), the 7-day notice, three signatures (MSL 21) and the approval letter PDF with the
    amount and the payment start (MSL 21)."""
    page = new_page()
    visit = page.visit = Visit(page)
    log_in(page, case_worker_a, visit, "b00-login")
    process = file_four_person_household(page, region, tmp_path, visit)

    # acceptance with one missing item: the one-time notice (MSL 10)
    take_task(page, process.case_number, visit, "b04-accept")
    page.get_by_role("checkbox", name="收入情况证明").check()
    page.get_by_role("button", name="办理", exact=True).click()
    page.wait_for_url(f"**/workspace/case/{process.pk}/")
    visit("b05-case-after-accept")
    process.refresh_from_db()
    assert process.missing_materials == ["income_proof"]
    notice = process.task_set.get(flow_task=process.flow_class.notify_missing)
    assert notice.status == STATUS.DONE, "the one-time notice (MSL 10) was not issued"

    # the household brings the income proof: recorded, then accepted in full
    take_task(page, process.case_number, visit, "b06-complete-materials")
    page.get_by_role("checkbox", name="收入情况证明").check()
    page.get_by_role("button", name="办理", exact=True).click()
    page.wait_for_load_state("load")
    visit("b07-after-materials")
    take_task(page, process.case_number, visit, "b08-accept-again")
    page.get_by_role("button", name="办理", exact=True).click()
    page.wait_for_url(f"**/workspace/case/{process.pk}/")

    # the county's household-finance check (sandbox registries) ran when acceptance committed
    process = finance_check.finish(process)

    # home visit by two investigators chosen by display name (MSL 16)
    take_task(page, process.case_number, visit, "b09-home-visit")
    main = page.locator("main")
    assert "核对结论：符合条件" in main.inner_text()
    page.get_by_label("调查人一").select_option(label=case_worker_a.get_full_name())
    page.get_by_label("调查人二").select_option(label=case_worker_a2.get_full_name())
    page.get_by_label("调查日期").fill(datetime.date.today().isoformat())
    page.get_by_label("调查情况").fill("户主务农收入微薄，母亲长期患病需自付医疗费。")
    page.get_by_label("在场家庭成员签字").fill("张建国、李秀英")
    page.get_by_role("button", name="办理", exact=True).click()
    page.wait_for_load_state("load")
    visit("b10-after-home-visit")

    # the proposal shows the computation: the medical deduction and the amount (MSL 13, 23)
    take_task(page, process.case_number, visit, "b11-propose")
    text = page.locator("main").inner_text()
    assert "200.00 因病医疗支出（王桂兰）" in text, "the medical deduction (MSL 13) is not shown"
    assert "月保障金额：1,500.00 元" in text, "the amount (MSL 23) is not shown"
    page.get_by_role("combobox", name="初审意见").select_option(label="拟确认享受")
    page.get_by_label("意见说明").fill("家庭人均收入低于当地低保标准，拟确认享受。")
    page.get_by_role("button", name="办理", exact=True).click()
    page.wait_for_load_state("load")
    visit("b12-after-propose")
    process.refresh_from_db()
    assert process.proposed_amount == Decimal("1500.00")

    # the 7-day public notice runs out: the clock, not a click (MSL 19)
    process = pass_notice(process, monkeypatch)
    sign(page, process, "b13-sign-handler", "同意。")
    log_out(page)

    # (c) the section chief and the township head sign through their inboxes (MSL 21)
    sign_in(page, approver_a)
    sign(page, process, "c01-sign-section-chief", "情况属实，同意。")
    log_out(page)
    sign_in(page, approver_a2)
    take_task(page, process.case_number, visit, "c02-decide")
    assert "1,500.00" in page.locator("main").inner_text()
    page.get_by_role("combobox", name="审核确认").select_option(label="确认享受")
    page.get_by_role("button", name="办理", exact=True).click()
    page.wait_for_url(f"**/workspace/case/{process.pk}/")
    visit("c03-case-approved")
    process.refresh_from_db()
    assert process.decision == Decision.APPROVED, process.decision

    # the approval letter, downloaded from the case page
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("^审核确认通知书")).click()
    letter = pdf_text_compact(Path(download.value.path()).read_bytes())
    assert "审核确认通知书" in letter and "张建国" in letter
    assert "保障金额为每月1500.00元" in letter, letter
    assert "起按月发放" in letter, "payment starts the month after the decision (MSL 21)"
    visit.assert_clean()


def sign(page, process, name, opinion):
    take_task(page, process.case_number, page.visit, name)
    page.get_by_label("签字意见").fill(opinion)
    page.get_by_role("button", name="办理", exact=True).click()
    page.wait_for_load_state("load")


def test_objection_during_notice_leads_to_reinvestigation_and_a_second_notice(
    new_page, region, case_worker_a, case_worker_a2, approver_a, approver_a2, fake_finance_check, monkeypatch,
):  # fmt: skip
    """Journey (d), MSL 19: during the 7-day notice the case worker records an objection
    received at the window (from the case page); when the notice ends the section chief
    chooses re-investigation, the case worker re-investigates and proposes again, a second
    notice runs, and the three signatures decide the case."""
    process = file_case(case_worker_a, region.village_a)
    process = fake_finance_check.finish(accept(process, case_worker_a), per_capita_income="100.00")
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = propose(process, case_worker_a)
    assert process.notice_round == 1
    page = new_page()
    visit = page.visit = Visit(page)

    # the case worker finds the case through 已办 and records the objection (MSL 19)
    log_in(page, case_worker_a, visit, "d00-login")
    page.get_by_role("navigation").get_by_role("link", name="已办").click()
    page.wait_for_url("**/workspace/archive/**")
    visit("d01-archive")
    page.get_by_role("link", name=process.case_number).first.click()
    page.wait_for_url(f"**/workspace/case/{process.pk}/")
    visit("d02-case-on-notice")
    assert "公示中，至" in page.locator("main").inner_text()
    page.get_by_role("link", name="登记公示异议").click()
    visit("d03-objection-form")
    page.get_by_label("姓名").fill("李四")
    page.get_by_label("联系方式").fill("村委会转告")
    page.get_by_label("异议内容").fill("其子在外务工，收入未申报。")
    page.get_by_role("button", name="登记").click()
    page.wait_for_load_state("load")
    visit("d04-objection-recorded")
    assert process.current_notice.objections.count() == 1
    log_out(page)

    # the notice ends (the clock); the section chief chooses re-investigation
    process = pass_notice(process, monkeypatch)
    sign_in(page, approver_a)
    take_task(page, process.case_number, visit, "d05-objection-route")
    assert "其子在外务工" in page.locator("main").inner_text(), "the objection is not shown to the approver"
    page.get_by_role("combobox", name="异议处理方式").select_option(label="重新调查核实")
    page.get_by_role("button", name="办理", exact=True).click()
    page.wait_for_load_state("load")
    log_out(page)

    # the case worker re-investigates and proposes again: a second notice (MSL 19)
    sign_in(page, case_worker_a)
    take_task(page, process.case_number, visit, "d06-reinvestigate")
    page.get_by_label("调查人一").select_option(label=case_worker_a.get_full_name())
    page.get_by_label("调查人二").select_option(label=case_worker_a2.get_full_name())
    page.get_by_label("调查日期").fill(datetime.date.today().isoformat())
    page.get_by_label("调查情况").fill("其子已分户另居，不计入本户。")
    page.get_by_label("在场家庭成员签字").fill("张三")
    page.get_by_label("异议核实结论").fill("异议不成立：其子已分户。")
    page.get_by_role("button", name="办理", exact=True).click()
    page.wait_for_load_state("load")
    process = DibaoProcess.objects.get(pk=process.pk)
    take_task(page, process.case_number, visit, "d07-propose-again")
    page.get_by_role("combobox", name="初审意见").select_option(label="拟确认享受")
    page.get_by_label("意见说明").fill("异议经核实不成立，仍拟确认享受。")
    page.get_by_role("button", name="办理", exact=True).click()
    page.wait_for_load_state("load")
    process = DibaoProcess.objects.get(pk=process.pk)
    assert process.notice_round == 2, "no second notice"

    process = pass_notice(process, monkeypatch)
    sign(page, process, "d08-sign-handler", "同意。")
    log_out(page)
    sign_in(page, approver_a)
    sign(page, process, "d09-sign-section-chief", "同意。")
    log_out(page)
    sign_in(page, approver_a2)
    take_task(page, process.case_number, visit, "d10-decide")
    page.get_by_role("combobox", name="审核确认").select_option(label="确认享受")
    page.get_by_role("button", name="办理", exact=True).click()
    page.wait_for_url(f"**/workspace/case/{process.pk}/")
    visit("d11-case-decided")
    process = DibaoProcess.objects.get(pk=process.pk)
    assert process.decision == Decision.APPROVED
    visit.assert_clean()
