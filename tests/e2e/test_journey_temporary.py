"""Issue 14 acceptance journey (f): a temporary-assistance request above the township's
limit is decided by the county officer, who finds it in 待领取 and approves it by
clicking and typing. Every page visited has no viewflow custom element and no
serious/critical axe-core violation; the main pages are saved at 1366×768 and 390×844 into test-artifacts/ui/."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.e2e.helpers import Visit, log_in, take_task
from tests.temporary_assistance.conftest import fund_a, household_a  # noqa: F401 - fixtures
from tests.temporary_assistance.helpers import file_case
from workflows.temporary_assistance.models import Payment, TemporaryAssistanceProcess, Tier
from workflows.workspace.indexing import refresh_case_index

pytestmark = pytest.mark.browser


def test_county_officer_decides_an_above_limit_request(
    new_page, region, case_worker_a, county_officer, household_a, fund_a,  # noqa: F811 - fixtures
):  # fmt: skip
    """SAI 48, TA18 3(3): 2,500 yuan is above the township limit of 1,800, so the task is the
    county officer's; the page shows the amount and the limit; the county pays it."""
    process = file_case(case_worker_a, household_a, requested_amount=Decimal("2500.00"))
    assert process.tier == Tier.COUNTY
    refresh_case_index(process)
    page = new_page()
    visit = Visit(page)
    log_in(page, county_officer, visit, "f00-login")
    take_task(page, process.case_number, visit, "f01-county-approve")
    text = page.locator("main").inner_text()
    assert "2,500.00" in text and "1,800.00" in text, "the request and the township limit are not shown"
    assert "房屋失火" in text
    page.get_by_role("combobox", name="审批结论").select_option(label="批准")
    page.get_by_label("批准金额（元）").fill("2500.00")
    page.get_by_label("审批意见 / 不予救助理由").fill("火灾致房屋损毁，超出乡镇审批限额，县级批准。")
    page.get_by_role("button", name="办理", exact=True).click()
    page.wait_for_url(f"**/workspace/case/{process.pk}/")
    visit("f02-case-after-decision")
    process = TemporaryAssistanceProcess.objects.get(pk=process.pk)
    payment = Payment.objects.get(process=process)
    assert payment.source == Payment.Source.COUNTY and payment.amount == Decimal("2500.00")
    visit.assert_clean()
