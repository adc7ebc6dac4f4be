"""Issue 17 item 7 journey: 低收入家庭认定 (LB24, LI23) through the real staff pages. A case
worker files a pensioner couple from 新申请, accepts, records the home visit and proposes
recognition (the page names the category, no amount); after the 7-day notice the approvers
sign and recognise the household; the letter states no amount and the rights; the household
appears on the register of recognised low-income families. Every page has no serious or
critical axe-core violation and no viewflow custom element."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from tests.dibao.conftest import finance_check, pass_notice  # noqa: F401 - fixture
from tests.documents.glyphs import pdf_text_compact
from tests.e2e.helpers import Visit, log_in, log_out, sign_in, take_task
from tests.e2e.test_journey_dibao import sign
from tests.factories import make_id_number
from tests.finance_check.conftest import registry_sandbox  # noqa: F401 - the fixture
from tests.low_income.conftest import low_income_rule  # noqa: F401 - fixture
from workflows.caseload.models import Benefit
from workflows.core.programmes import BenefitKind
from workflows.dibao.models import Decision, DibaoProcess

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n% journey upload\n"
MEMBERS = [  # name, relation, birth, seq, monthly income
    ("周长青", "applicant", datetime.date(1951, 4, 3), 731, "1000.00"),
    ("吴秀兰", "spouse", datetime.date(1953, 9, 12), 732, "0.00"),
]


def test_case_worker_files_a_low_income_family_and_the_approver_recognises_it(
    new_page, region, low_income_rule, case_worker_a, case_worker_a2, approver_a, approver_a2,  # noqa: F811
    finance_check, tmp_path, monkeypatch,  # noqa: F811
):  # fmt: skip
    """LB24: per-capita income 500 is above the dibao standard 400 and within 1.5x: the
    household is recognised as 低保边缘家庭 on the dibao stages, without an amount (LI23)."""
    page = new_page()
    visit = page.visit = Visit(page)
    log_in(page, case_worker_a, visit, "li00-login")
    letter = tmp_path / "申请书.pdf"
    letter.write_bytes(PDF)
    page.get_by_role("button", name="新申请").click()
    page.get_by_role("link", name="低收入家庭认定").click()
    page.wait_for_url("**/start/**")
    visit("li01-intake")
    assert "低收入家庭认定申请登记" in page.locator("main").inner_text()
    page.get_by_label("村（社区）").select_option(str(region.village_a.pk))
    page.get_by_label("户籍类别").select_option("rural")
    page.get_by_label("家庭住址").fill("青山村二组 3 号")
    page.get_by_label("联系电话").fill("13912345671")
    page.locator("#id_upload_application").set_input_files(str(letter))
    for i, (name, relation, birth, seq, income) in enumerate(MEMBERS):
        if i:
            page.get_by_role("button", name="添加一名成员").click()
        page.fill(f"#id_members-{i}-name", name)
        page.fill(f"#id_members-{i}-id_number", make_id_number(birth, seq=seq))
        page.select_option(f"#id_members-{i}-relation", relation)
        page.select_option(f"#id_members-{i}-income_kind", "transfer")
        page.fill(f"#id_members-{i}-monthly_income", income)
        page.check(f"#id_members-{i}-signed_check_authorisation")
        page.check(f"#id_members-{i}-signed_truthfulness")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(lambda url: "/start/" not in url)
    visit("li02-after-intake")
    process = DibaoProcess.objects.get()
    assert process.programme == "low_income" and process.case_number.startswith("DS-")

    take_task(page, process.case_number, visit, "li03-accept")
    page.get_by_role("button", name="办理", exact=True).click()
    page.wait_for_url(f"**/workspace/case/{process.pk}/")
    process = finance_check.finish(process)  # the consent-gated check ran on acceptance (MSL 9)

    take_task(page, process.case_number, visit, "li04-home-visit")
    page.get_by_label("调查人一").select_option(label=case_worker_a.get_full_name())
    page.get_by_label("调查人二").select_option(label=case_worker_a2.get_full_name())
    page.get_by_label("调查日期").fill(datetime.date.today().isoformat())
    page.get_by_label("调查情况").fill("二老靠养老金生活，无其他收入。")
    page.get_by_label("在场家庭成员签字").fill("周长青、吴秀兰")
    page.get_by_role("button", name="办理", exact=True).click()
    page.wait_for_load_state("load")

    take_task(page, process.case_number, visit, "li05-propose")
    text = page.locator("main").inner_text()
    assert "认定类别（LB24）：低保边缘家庭" in text, text
    assert "月保障金额" not in text
    page.get_by_role("combobox", name="初审意见").select_option(label="拟确认享受")
    page.get_by_label("意见说明").fill("人均收入高于低保标准、不超过 1.5 倍，拟认定为低保边缘家庭。")
    page.get_by_role("button", name="办理", exact=True).click()
    page.wait_for_load_state("load")
    process.refresh_from_db()
    assert process.proposes_approval and process.proposed_amount is None

    process = pass_notice(process, monkeypatch)  # the 7-day notice (MSL 19)
    sign(page, process, "li06-sign-handler", "同意。")
    log_out(page)
    sign_in(page, approver_a)
    sign(page, process, "li07-sign-section-chief", "情况属实，同意。")
    log_out(page)

    sign_in(page, approver_a2)
    take_task(page, process.case_number, visit, "li08-decide")
    page.get_by_role("combobox", name="审核确认").select_option(label="确认享受")
    page.get_by_role("button", name="办理", exact=True).click()
    page.wait_for_url(f"**/workspace/case/{process.pk}/")
    visit("li09-case-recognised")
    process.refresh_from_db()
    assert process.decision == Decision.APPROVED and process.monthly_amount is None
    assert Benefit.objects.get(source_case_id=process.pk).kind == BenefitKind.RECOGNITION

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("通知书")).first.click()
    text = pdf_text_compact(Path(download.value.path()).read_bytes())
    assert "低收入家庭认定通知书" in text and "周长青" in text and "低保边缘家庭" in text
    assert "每月" not in text and "60日内依法申请行政复议" in text

    # the register of recognised families, from the 案件 menu
    page.get_by_role("button", name="案件").click()
    page.get_by_role("link", name="低收入家庭名册").click()
    page.wait_for_url("**/dibao/low-income/")
    visit("li10-register")
    row = page.locator("tbody tr", has_text="周长青")
    assert "低保边缘家庭" in row.inner_text() and process.case_number in row.inner_text()
    visit.assert_clean()
