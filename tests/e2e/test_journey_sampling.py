"""Issue 14 acceptance journey (g): county supervision (监督抽查), driven only by clicking and
typing. The county reviewer draws the sample of an ended period from 县级 → 抽查批次,
claims the drawn case's review in 待领取, reviews it and orders a correction (纠正); the
township case worker finds the correction in 我的待办 or 待领取, reads what to correct and
by when, and reports it done, which sends the case back to the reviewer. Every page visited
has no viewflow custom element and no serious/critical axe-core violation; the main pages
are saved at 1366×768 and 390×844 into test-artifacts/ui/."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import Visit, log_in, log_out, sign_in, take_task
from tests.sampling.conftest import approve
from workflows.core.driving import open_tasks
from workflows.sampling.flows import SamplingReviewFlow
from workflows.sampling.models import Correction, Finding, SamplingDraw, SamplingReviewProcess
from workflows.workspace.indexing import refresh_case_index

pytestmark = pytest.mark.browser


def test_reviewer_draws_reviews_orders_a_correction_and_the_township_completes_it(
    new_page, region, case_worker_a, approver_a, county_reviewer
):
    """TK 16, MSL 20 (domain.md §7): of three July approvals of township A the reviewer draws
    30 % rounded up (one case) with a stored seed that re-computes to the same case; the
    reviewer, who never acted on the approval, orders a correction with instructions
    (SAI 66, MSL 39); the township sees the instructions and the deadline and reports the
    correction, and the case returns to the county for 整改后复核."""
    records = [approve(case_worker_a, approver_a, region.village_a) for _ in range(3)]
    page = new_page()
    visit = Visit(page)

    # the reviewer draws July from the draw list
    log_in(page, county_reviewer, visit, "g00-login")
    nav = page.get_by_role("navigation")
    nav.get_by_role("button", name="县级").click()
    nav.get_by_role("link", name="抽查批次").click()
    page.wait_for_url("**/sampling/")
    visit("g01-draws")
    page.get_by_role("link", name=f"抽取{region.county.name}的样本").click()
    page.wait_for_url("**/draw/")
    visit("g02-draw-new")
    page.get_by_label("抽查期间").select_option(label="2026-07-01 – 2026-07-31")
    page.get_by_role("button", name="抽取", exact=True).click()
    page.wait_for_url("**/sampling/draws/*/")
    visit("g03-draw-detail")
    draw = SamplingDraw.objects.get()
    assert draw.pool_size == 3 and draw.drawn_count == 1
    text = page.locator("main").inner_text()
    assert "复算结果一致" in text and draw.seed in text
    review = SamplingReviewProcess.objects.get()
    assert review.record in records
    assert review.case_number in text and "30%" in text and "待复核" in text
    refresh_case_index(review)

    # the review: the case file, then 责令纠正 with instructions
    take_task(page, review.case_number, visit, "g04-review")
    text = page.locator("main").inner_text()
    assert review.record.case_number in text, "the drawn case is not shown to the reviewer"
    assert "450.00" in text
    page.get_by_role("radio", name="责令纠正").check()
    page.get_by_label("抽查意见 / 撤销理由").fill("入户调查记录缺少家庭成员签字。")
    page.get_by_label("整改要求（责令纠正时填写）").fill("补齐入户调查记录的家庭成员签字并上传。")
    page.get_by_role("button", name="办理", exact=True).click()
    page.wait_for_url(f"**/workspace/case/{review.pk}/")
    visit("g05-case-after-review")
    review = SamplingReviewProcess.objects.get(pk=review.pk)
    assert review.finding == Finding.CORRECTION
    correction = Correction.objects.get(review=review)
    log_out(page)

    # the township reads what to correct and by when, and reports it done
    sign_in(page, case_worker_a)
    take_task(page, review.case_number, visit, "g06-correction")
    text = page.locator("main").inner_text()
    assert "补齐入户调查记录的家庭成员签字并上传。" in text, "the instructions are not shown to the township"
    due = correction.due_on
    assert f"{due.year}年{due.month}月{due.day}日" in text, "the correction deadline is not shown to the township"
    page.get_by_label("整改情况").fill("已补齐家庭成员签字，入户调查记录已重新上传。")
    page.get_by_role("button", name="办理", exact=True).click()
    page.wait_for_url(f"**/workspace/case/{review.pk}/")
    visit("g07-case-after-correction")
    correction.refresh_from_db()
    assert correction.done_at is not None and correction.report.startswith("已补齐")
    assert open_tasks(review, SamplingReviewFlow.re_review).exists(), "the case did not return to the county"
    visit.assert_clean()
