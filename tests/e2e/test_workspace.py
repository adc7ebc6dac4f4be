"""Browser tests of the staff workspace (issue 10 §6): a township case worker claims a task
from the queue, completes it through the task form and finds it in the archive; a county
officer opens the dashboard. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from viewflow.workflow.status import STATUS

from tests.dibao.conftest import file_case
from tests.e2e.conftest import DESKTOP, new_page  # noqa: F401 - fixture
from workflows.workspace.indexing import refresh_case_index

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium (/usr/bin/chromium) is not installed"),
]


@pytest.fixture
def browser_page(new_page):  # noqa: F811 - fixture
    """A page of the browser shared by consecutive browser tests (``tests/e2e/conftest.py``)."""
    return new_page(DESKTOP)


def shot(page, name):
    page.screenshot(path=str(SHOTS / f"workspace-{name}.png"), full_page=True)


def login(page, user):
    page.goto(f"{page.base_url}/accounts/login/")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_case_worker_claims_completes_and_finds_it_in_the_archive(
    browser_page, region, case_worker_a, fake_finance_check
):
    """Queue → claim → inbox → task form (acceptance) → archive, all in the browser."""
    page = browser_page
    process = file_case(case_worker_a, region.village_a)
    refresh_case_index(process)
    login(page, case_worker_a)
    page.goto(f"{page.base_url}/workspace/queue/")
    row = page.locator("tr", has_text=process.case_number)
    shot(page, "01-queue")
    row.get_by_role("button", name="领取").click()
    page.wait_for_url("**/workspace/queue/**")
    page.get_by_text("已领取 1 件").wait_for()  # the claim answers its row through htmx (issue 14)
    assert "已领取 1 件" in page.content()

    page.goto(f"{page.base_url}/workspace/inbox/")
    shot(page, "02-inbox")
    page.locator("tr", has_text=process.case_number).get_by_role("link", name="办理").click()
    page.wait_for_load_state()
    shot(page, "03-task-form")
    page.get_by_role("button", name="办理", exact=True).click()
    page.wait_for_url(lambda url: "/execute/" not in url)
    accept = process.task_set.get(flow_task=process.flow_class.accept)
    assert accept.status == STATUS.DONE and accept.owner_id == case_worker_a.pk

    page.goto(f"{page.base_url}/workspace/archive/")
    shot(page, "04-archive")
    assert page.locator("tr", has_text=process.case_number).count() == 1

    page.goto(f"{page.base_url}/workspace/case/{process.pk}/")
    shot(page, "05-case")
    assert page.get_by_role("heading", name="家庭情况").is_visible()


def test_county_officer_opens_the_dashboard(browser_page, region, case_worker_a, county_officer):
    """The county officer lands on the county dashboard with charts and per-township figures."""
    page = browser_page
    file_case(case_worker_a, region.village_a)
    login(page, county_officer)
    page.goto(f"{page.base_url}/workspace/county/")
    page.wait_for_selector("#county-figures")
    shot(page, "06-county")
    page.wait_for_selector("#county-errors canvas")  # ECharts has drawn the last chart
    assert page.locator(".ws-echart canvas").count() == 5  # the trend line and four comparison bars
    assert page.locator("#county-figures tr[data-township='990101001'] td").nth(1).inner_text() == "1"
