"""The staff journey in our own UI (issue 14 item 6): a case worker, only clicking and
typing, finds the waiting acceptance through the empty inbox, claims it in 待领取, opens it
from the claim message, ticks one missing material and submits; the one-time notice
(MSL 10) is recorded and the browser is back in the workspace. Every page visited has no
viewflow custom element and no serious/critical axe-core violation; each is saved at
1366×768 and 390×844 into test-artifacts/ui/."""

from __future__ import annotations

import pytest
from viewflow.workflow.status import STATUS

from tests.dibao.conftest import file_case
from tests.e2e.helpers import SIZES, Visit, log_in
from workflows.dibao.models import DibaoProcess
from workflows.workspace.indexing import refresh_case_index

pytestmark = pytest.mark.browser


def test_case_worker_accepts_with_one_missing_item_in_our_ui(new_page, region, case_worker_a, fake_finance_check):
    """Login → empty 我的待办 → 待领取 → 领取 → 去办理 → tick 收入情况证明 → 办理 → case page."""
    process = file_case(case_worker_a, region.village_a)
    refresh_case_index(process)
    page = new_page(SIZES["desktop"])
    visit = Visit(page)

    log_in(page, case_worker_a, visit, "01-login")
    visit("02-inbox-empty")

    page.get_by_role("link", name="去“待领取”领取任务").click()
    page.wait_for_url("**/workspace/queue/")
    visit("03-queue")
    page.locator("tr", has_text=process.case_number).get_by_role("button", name="领取").click()
    page.wait_for_url("**/workspace/queue/**")
    visit("04-claimed")

    page.get_by_role("link", name="去办理").click()
    page.wait_for_url("**/execute/")
    visit("05-accept-form")
    box = page.get_by_role("checkbox", name="收入情况证明")
    assert box.is_visible()
    box.check()
    page.get_by_role("button", name="办理", exact=True).click()
    page.wait_for_url(f"**/workspace/case/{process.pk}/")
    visit("06-case-after-submit")
    assert page.locator(".alert-success").filter(has_text="已提交").is_visible()

    process = DibaoProcess.objects.get(pk=process.pk)
    assert process.missing_materials == ["income_proof"]
    notice = process.task_set.get(flow_task=process.flow_class.notify_missing)
    assert notice.status == STATUS.DONE, "the one-time notice (MSL 10) was not issued"
    assert process.task_set.get(flow_task=process.flow_class.complete_materials).status == STATUS.NEW
    visit.assert_clean()
