"""Issue 14 item 8 in the browser: 撤回 and 转办, clicked and typed as the roles would.

A case worker submits the opinion, withdraws it from the case page before anyone has
claimed the next step, and submits it again; the section chief transfers the claimed
signature to the other approver with a reason, and it is in that colleague's 我的待办.
No typed task URL; every page has no viewflow element and no serious axe violation."""

from __future__ import annotations

import re

import pytest
from viewflow.workflow.status import STATUS

from tests.dibao.conftest import accept, do, file_case, home_visit, task_of
from tests.e2e.helpers import Visit, log_in, log_out, take_task
from workflows.core.models import AuditEvent
from workflows.dibao import services as dibao_services

pytestmark = pytest.mark.browser


def submit_opinion(page, process, visit, name):
    take_task(page, process.case_number, visit, name)
    page.get_by_role("combobox", name="初审意见").select_option(label="拟不予确认")
    page.get_by_label("意见说明").fill("家庭人均收入高于当地低保标准。")
    page.get_by_role("button", name="办理", exact=True).click()
    page.wait_for_load_state("load")


def open_case_from_archive(page, case_number, visit, name):
    """已办 → the case's row → 案件工作台."""
    page.get_by_role("navigation").get_by_role("link", name=re.compile("^已办")).click()
    page.wait_for_url("**/workspace/archive/**")
    visit(f"{name}-archive")
    page.locator("tr", has_text=case_number).first.get_by_role("link", name=re.compile("^案件工作台")).click()
    page.wait_for_url("**/workspace/case/**")
    visit(name)


def test_withdraw_resubmit_and_transfer(
    new_page, region, case_worker_a, case_worker_a2, approver_a, approver_a2, fake_finance_check
):
    """撤回 while the next step is unclaimed, then resubmission; 转办 of a claimed signature
    to a colleague of the same role and township, with a reason (MSL 21: signatures in turn)."""
    process = file_case(case_worker_a, region.village_a)
    process = fake_finance_check.finish(accept(process, case_worker_a), per_capita_income="900.00")
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)

    page = new_page()
    visit = Visit(page, sizes=("desktop",))
    log_in(page, case_worker_a, visit, "x00-login")
    submit_opinion(page, process, visit, "x01-propose")
    assert task_of(process, "sign_handler").status == STATUS.NEW

    # 撤回 from the case page, before anyone claims the handler's signature
    open_case_from_archive(page, process.case_number, visit, "x02-case")
    page.get_by_role("button", name="撤回").click()
    page.wait_for_url(f"**/workspace/case/{process.pk}/")
    visit("x03-withdrawn")
    assert "已撤回" in page.locator("#ws-messages").inner_text()
    assert not process.task_set.filter(flow_task=process.flow_class.sign_handler, status=STATUS.NEW).exists()

    # the opinion is back in 我的待办: submit again
    submit_opinion(page, process, visit, "x04-propose-again")
    assert task_of(process, "sign_handler").status == STATUS.NEW
    log_out(page)
    process = do(process, "sign_handler", case_worker_a, dibao_services.decision_sign, role="handler", opinion="同意")

    # the section chief claims the signature, then transfers it from the task page
    log_in(page, approver_a, visit, "x05-login-chief")
    take_task(page, process.case_number, visit, "x06-sign-chief")
    page.locator("summary", has_text="转办").click()
    page.get_by_label("转办给").select_option(label=approver_a2.get_full_name())
    page.get_by_label("转办理由").fill("本人出差，请代为签字。")
    page.get_by_role("button", name="转办", exact=True).click()
    page.wait_for_url("**/workspace/inbox/**")
    visit("x07-transferred")
    assert "已转办" in page.locator("#ws-messages").inner_text()
    log_out(page)

    # the colleague finds it in 我的待办
    log_in(page, approver_a2, visit, "x08-login-colleague")
    visit("x09-colleague-inbox")
    row = page.locator("tr", has_text=process.case_number)
    assert row.count() == 1 and "股室负责人签字" in row.inner_text()
    chain = AuditEvent.objects.filter(chain=f"case:{process.pk}")
    assert chain.filter(action="task.withdrawn").count() == 1
    assert chain.filter(action="task.transferred").count() == 1
    visit.assert_clean()
