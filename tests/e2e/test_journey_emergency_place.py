"""Issue 16 acceptance journey: help where the emergency happens (急难发生地, TA18; ZB20),
driven only by clicking and typing. A worker from 河口镇 (township B) has a fire in 青山镇
(township A); A's case worker finds the household by ID number, names the place of the
emergency and files; A's approver approves within A's limit and it is paid from A's
reserve fund; B's approver gets a message, opens the case read-only and cannot open its task.
Every page visited has no viewflow custom element and no serious/critical axe-core violation."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.e2e.helpers import Visit, log_in, log_out, sign_in, take_task
from tests.temporary_assistance.conftest import fund_a, household_b  # noqa: F401 - fixtures
from workflows.core.driving import open_tasks
from workflows.temporary_assistance.flows import TemporaryAssistanceFlow as F
from workflows.temporary_assistance.models import Payment, TemporaryAssistanceProcess

pytestmark = pytest.mark.browser


def test_place_of_emergency_paid_by_helping_township_seen_read_only_at_home(
    new_page, region, case_worker_a, approver_a, approver_b, household_b, fund_a,  # noqa: F811 - fixtures
):  # fmt: skip
    """TA18 / ZB20: township A helps a household registered in township B at the place of the
    emergency; A's approver pays it from A's fund within A's limit; B is told and sees the case
    read-only, with no way to act on it."""
    page = new_page()
    visit = Visit(page)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    id_number = household_b.members.first().id_number

    log_in(page, case_worker_a, visit, "p00-login")
    page.get_by_role("button", name="新申请").click()
    page.get_by_role("link", name="临时救助").click()
    page.wait_for_url("**/start/**")
    page.get_by_label("按家庭成员身份证号码查找已有家庭").fill(id_number)
    page.get_by_label("急难发生地（户籍在外乡镇或外县的家庭）").select_option(str(region.village_a.pk))
    page.get_by_label("救助类型").select_option(label="急难型")
    page.get_by_label("事由类别").select_option(label="火灾")
    page.get_by_label("事件发生日期").fill(yesterday.isoformat())
    page.get_by_label("情况说明").fill("在本镇务工期间租住房屋失火。")
    page.get_by_label("申请金额（元）").fill("1200.00")
    visit("p01-intake-filled")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(lambda url: "/start/" not in url)
    process = TemporaryAssistanceProcess.objects.get()
    assert process.township == region.township_a and process.registration_township == region.township_b
    log_out(page)

    sign_in(page, approver_a)
    take_task(page, process.case_number, visit, "p02-township-approve")
    page.get_by_role("combobox", name="审批结论").select_option(label="批准")
    page.get_by_label("批准金额（元）").fill("1200.00")
    page.get_by_role("button", name="办理", exact=True).click()
    page.wait_for_url(f"**/workspace/case/{process.pk}/")
    payment = Payment.objects.get(process=process)
    assert payment.source == Payment.Source.TOWNSHIP_FUND and payment.fund_entry.fund == fund_a
    fund_a.refresh_from_db()
    assert fund_a.balance == Decimal("8800.00")
    log_out(page)

    sign_in(page, approver_b)
    page.get_by_role("navigation").get_by_role("link", name="消息").click()
    page.wait_for_url("**/workspace/notifications/**")
    visit("p03-registration-township-message")
    assert "本地户籍家庭在外地获急难救助" in page.locator("main").inner_text()
    page.goto(f"{page.base_url}/workspace/case/{process.pk}/")
    visit("p04-registration-township-read-only")
    assert page.locator("#read-only-share").is_visible()
    open_task = process.task_set.filter(flow_task_type="HUMAN").order_by("pk").first()
    assert open_task is not None and not open_tasks(process, F.township_approve).exists()
    response = page.goto(
        f"{page.base_url}/staff/cases/temporaryassistance/{process.pk}/{open_task.flow_task.name}/{open_task.pk}/"
    )
    assert response.status == 404
    visit.assert_clean()
