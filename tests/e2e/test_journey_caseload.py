"""Issue 17 item 2 journey: a township approver reduces a benefit from the household's
benefit page, driven only by clicking and typing. From the case page the approver follows
在保情况与变更决定, opens 作出变更决定, picks 减发 with a lawful ground (MSL 32), the new
amount and written reasons, and submits; the page then lists the reduction effective from
next month with its change letter. Every page visited has no viewflow custom element and no
serious/critical axe-core violation; screenshots go to test-artifacts/ui/."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.caseload.conftest import open_benefit
from tests.e2e.helpers import Visit, log_in
from workflows.caseload.models import BenefitChange, ChangeKind, Ground

pytestmark = pytest.mark.browser


def test_approver_reduces_a_benefit_from_the_benefit_page(new_page, region, case_worker_a, approver_a):
    """MSL 32: reduce with ground 家庭收入增加 and reasons; effective next month; letter issued."""
    benefit = open_benefit(case_worker_a, region.village_a)
    page = new_page()
    visit = Visit(page)
    log_in(page, approver_a, visit, "c00-login")
    page.goto(f"{page.base_url}/workspace/case/{benefit.source_case_id}/")
    visit("c01-case")
    page.get_by_role("link", name="在保情况与变更决定").click()
    page.wait_for_url(f"**/caseload/household/{benefit.household_id}/")
    visit("c02-benefit")
    page.get_by_text("作出变更决定").click()
    page.get_by_label("变更类别").select_option(label="减发")
    page.get_by_label("变更依据（MSL 32）").select_option(label=str(Ground.INCOME_INCREASED.label))
    page.get_by_label("新的月保障金额（元）").fill("450.00")
    page.get_by_label("书面理由").fill("长子外出务工，月收入增加 900 元。")
    visit("c03-change-form")
    page.get_by_role("button", name="作出决定并出具决定书").click()
    page.wait_for_url(f"**/caseload/household/{benefit.household_id}/")
    visit("c04-after")
    change = BenefitChange.objects.get(benefit=benefit, kind=ChangeKind.REDUCE)
    assert change.new_amount == Decimal("450.00") and change.decided_by == approver_a and change.letter_id
    assert page.get_by_text("600.00 → 450.00").is_visible()
    assert page.get_by_role("status").get_by_text("已作出减发决定").is_visible()
    visit.assert_clean()
