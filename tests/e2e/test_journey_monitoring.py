"""Dynamic monitoring journey (动态监测、主动发现, LI23; domain.md §8; issue 17 item 8): a county
officer uploads the medical-insurance bureau's file; the township case worker opens the
monitoring list, refers one family to medical assistance and dismisses the other signal with
its reason; the county dashboard counts the signals received and handled. Every page is
checked (no viewflow element, no serious axe violation) and photographed."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests import factories
from tests.e2e.helpers import Visit, log_in, log_out, sign_in
from tests.workspace.conftest import make_case
from workflows.monitoring.models import Signal

pytestmark = pytest.mark.browser


def test_county_uploads_township_refers_and_dismisses_dashboard_counts(new_page, region, county_officer, case_worker_a):
    """LI23: department data land on the township's list; each signal is handled by a referral
    or a dismissal with a reason; the county dashboard shows received and handled."""
    case = make_case(region.village_a, name="王秀英")
    referred = case.household.members.get()
    other = factories.MemberFactory(household=factories.HouseholdFactory(village=region.village_a), name="刘德明")
    day = f"{timezone.localdate() - datetime.timedelta(days=2):%Y-%m-%d}"
    content = (
        "身份证号码,姓名,预警类别,发生日期,情况说明\n"
        f'{referred.id_number},王秀英,住院大额医疗费用,{day},"住院自付 32,000 元"\n'
        f"{other.id_number},刘德明,住院大额医疗费用,{day},门诊慢病\n"
    ).encode()

    page = new_page()
    visit = Visit(page)
    log_in(page, county_officer, visit, "m00-login")
    page.goto(f"{page.base_url}/monitoring/upload/")
    visit("m01-upload")
    page.get_by_label("提供数据的部门").select_option(label="医保部门")
    page.get_by_label("部门数据文件（CSV 或 XLSX）").set_input_files(
        {"name": "医保住院.csv", "mimeType": "text/csv", "buffer": content}
    )
    page.get_by_role("button", name="导入").click()
    page.wait_for_url("**/monitoring/county/")
    visit("m02-county-after-upload")
    assert "匹配在册人员 2 条" in page.locator("main").inner_text()
    log_out(page)

    # the township works its list
    sign_in(page, case_worker_a)
    page.get_by_role("button", name="案件").click()
    page.get_by_role("link", name="动态监测预警").click()
    page.wait_for_url("**/monitoring/")
    visit("m03-list")
    first = Signal.objects.get(member=referred)
    second = Signal.objects.get(member=other)
    page.locator(f'tr[data-signal="{first.pk}"]').get_by_role("link").click()
    page.wait_for_url(f"**/monitoring/signal/{first.pk}/")
    visit("m04-signal")
    form = page.locator("#signal-refer")
    form.get_by_label("转介事项").select_option(label="医疗救助")
    form.get_by_label("需要的帮助").fill("住院自付费用高，家庭无力承担，申请医疗救助。")
    form.get_by_role("button", name="转介", exact=True).click()
    page.wait_for_url(f"**/monitoring/signal/{first.pk}/")
    visit("m05-signal-referred")
    assert page.locator("#signal-status").inner_text() == "已处置"

    page.goto(f"{page.base_url}/monitoring/signal/{second.pk}/")
    form = page.locator("#signal-dismiss")
    form.get_by_label("无需处置的理由").fill("入户核实：门诊费用已由慢病医保报销，家庭收入稳定。")
    form.get_by_role("button", name="无需处置").click()
    page.wait_for_url(f"**/monitoring/signal/{second.pk}/")
    visit("m06-signal-dismissed")
    assert page.locator("#signal-status").inner_text() == "无需处置"
    log_out(page)

    # the county dashboard
    sign_in(page, county_officer)
    page.goto(f"{page.base_url}/workspace/county/{region.county.pk}/")
    visit("m07-county-dashboard")
    assert page.locator("#kpi-signals-received").inner_text() == "2"
    assert page.locator("#kpi-signals-handled").inner_text() == "2"
    assert page.locator("#kpi-signals-overdue").inner_text() == "0"
    visit.assert_clean()
