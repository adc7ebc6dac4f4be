"""Issue 14 acceptance journey (h): the auditor, only clicking, finds a case through the
navigation, replays it at a past moment on its history page and downloads the case file
(案卷). Every page visited has no viewflow custom element and no serious/critical axe-core
violation; the main pages are saved at 1366×768 and 390×844 into test-artifacts/ui/."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.dibao.conftest import accept, file_case, home_visit, pass_notice, propose
from tests.documents.glyphs import pdf_text_compact
from tests.e2e.helpers import Visit, log_in
from workflows.core.models import AuditEvent
from workflows.workspace.indexing import refresh_case_index

pytestmark = pytest.mark.browser
STATE = "h2:has-text('案件状态') ~ div.table-responsive"


def auditor_journey(new_page, region, case_worker_a, case_worker_a2, auditor, fake_finance_check, monkeypatch):
    """A case on its way to the signatures; the auditor opens it from 案件 → 在办案件, its
    history, replays it at the moment before the proposal and exports the case file."""
    process = file_case(case_worker_a, region.village_a)
    process = fake_finance_check.finish(accept(process, case_worker_a), per_capita_income="100.00")
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = propose(process, case_worker_a)
    process = pass_notice(process, monkeypatch)
    refresh_case_index(process)
    before_proposal = AuditEvent.objects.get(chain=f"case:{process.pk}", action="dibao.propose").seq - 1

    page = new_page()
    visit = Visit(page)
    log_in(page, auditor, visit, "h00-login")
    visit("h01-inbox")
    nav = page.get_by_role("navigation")
    nav.get_by_role("button", name="案件").click()
    nav.get_by_role("link", name="在办案件").click()
    page.wait_for_url("**/dibao/cases/**")
    visit("h02-open-cases")
    page.get_by_role("link", name=process.case_number).click()
    page.wait_for_url(f"**/workspace/case/{process.pk}/")
    visit("h03-case")
    page.get_by_role("link", name="完整案件历史").click()
    page.wait_for_url(f"**/history/case/{process.pk}/**")
    visit("h04-history")
    now_state = page.locator(STATE).first.inner_text()

    # the moment just before the proposal, chosen on the timeline
    page.locator(f'#timeline a[href="?at={before_proposal}"]').click()
    page.wait_for_url(f"**?at={before_proposal}")
    visit("h05-replay")
    heading = page.locator("main").inner_text()
    then_state = page.locator(STATE).first.inner_text()

    with page.expect_download() as download:
        page.get_by_role("link", name="导出案卷 PDF").click()
    case_file = pdf_text_compact(Path(download.value.path()).read_bytes())
    return SimpleNamespace(
        process=process, before_proposal=before_proposal, visit=visit, heading=heading, now_state=now_state,
        then_state=then_state, history=page.locator("#timeline").inner_text(), case_file=case_file,
    )  # fmt: skip


def test_auditor_replays_a_case_at_a_past_moment_and_downloads_the_case_file(
    new_page, region, case_worker_a, case_worker_a2, auditor, fake_finance_check, monkeypatch
):
    """Replay before the proposal shows the case as it was then: the check's conclusion,
    no proposed amount yet (the present state has it). The case file PDF carries the case
    number, the amount proposed since and an intact hash chain."""
    j = auditor_journey(new_page, region, case_worker_a, case_worker_a2, auditor, fake_finance_check, monkeypatch)
    amount = f"{j.process.proposed_amount:.2f}"
    assert amount in j.now_state
    assert f"截至第 {j.before_proposal} 条事件" in j.heading
    assert "符合条件" in j.then_state and amount not in j.then_state
    assert j.process.case_number in j.case_file
    assert "哈希链校验结果" in j.case_file and "完整" in j.case_file and amount in j.case_file
    # a real 案卷 (issue 14 §6): cover, household with masked ID numbers, evidence, visits,
    # notices, decision, timeline, appended documents
    assert j.case_file.startswith("案卷")
    for section in (
        "申请家庭及成员",
        "家庭经济状况核对证据摘要",
        "入户调查记录",
        "公示与告知",
        "完整时间线",
        "附件目录",
    ):
        assert section in j.case_file, section
    for m in j.process.household.members.all():
        assert m.masked_id in j.case_file and m.id_number not in j.case_file
    assert "最低生活保障审核确认公示" in j.case_file  # the issued notice, appended
    j.visit.assert_clean()


def test_replay_and_case_file_speak_peoples_language(
    new_page, region, case_worker_a, case_worker_a2, auditor, fake_finance_check, monkeypatch
):
    """Issue 14 §5: Chinese field labels, person names, no codes, in the replay and the 案卷."""
    j = auditor_journey(new_page, region, case_worker_a, case_worker_a2, auditor, fake_finance_check, monkeypatch)
    shown = "\n".join([j.then_state, j.history, j.case_file])
    raw = re.findall(r"\b(?:programme|paper_case_worker|eligible|public_notice|True|False|worker_a2?)\b", shown)
    assert not raw, sorted(set(raw))
    assert not re.search(r"· [a-z_]+\b", j.history), "node codes in the timeline"
