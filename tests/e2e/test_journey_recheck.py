"""Issue 17 item 3 journey: a re-check (MSL 31) from the inbox to its decision, driven only
by clicking and typing. The case worker finds the overdue re-check among the inbox's work,
opens it, records that every adult signed a fresh check authorisation and requests the
household-finance check (MSL 9; the real check against the sandbox registries), and records
the simplified home visit. Another person, the township approver, then sees it waiting on
them, decides 调整保障金额 with a lawful ground and written reasons (MSL 32); the change
letter exists and the page shows the next re-check date. Every page visited has no viewflow
custom element and no serious/critical axe-core violation; screenshots go to
test-artifacts/ui/."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.caseload.conftest import open_benefit
from tests.e2e.helpers import Visit, log_in, log_out, sign_in
from tests.finance_check.conftest import registry_sandbox  # noqa: F401 - the fixture
from workflows.caseload.models import BenefitChange, ChangeKind, Ground, Recheck, RecheckReason

pytestmark = pytest.mark.browser


def test_a_recheck_from_the_inbox_to_an_adjustment(new_page, region, case_worker_a, approver_a, registry_sandbox):  # noqa: F811
    """MSL 31, 32, 9: inbox row → fresh consent and check → home visit → approver adjusts
    (ground, reasons, letter) → next re-check scheduled and shown."""
    today = timezone.localdate()
    benefit = open_benefit(case_worker_a, region.village_a)
    recheck = Recheck.objects.create(
        benefit=benefit, county=benefit.county, township=benefit.township, reason=RecheckReason.SCHEDULED,
        due_on=today - datetime.timedelta(days=7), opened_on=today - datetime.timedelta(days=30),
    )  # fmt: skip
    head = benefit.household.head.name
    page = new_page()
    visit = Visit(page)
    log_in(page, case_worker_a, visit, "r00-login")
    visit("r01-inbox")
    row = page.locator(f'tr[data-recheck="{recheck.pk}"]')
    assert row.get_by_role("cell", name=head, exact=True).is_visible() and row.get_by_text("逾期").is_visible()
    assert row.get_by_text("提请信息核对").is_visible()
    row.get_by_role("link", name="办理复核").click()
    page.wait_for_url(f"**/caseload/household/{benefit.household_id}/#recheck-{recheck.pk}")
    visit("r02-recheck")
    box = page.locator(f"#recheck-{recheck.pk}")
    box.get_by_role("button", name="提请信息核对").click()  # nobody ticked: refused, with the names
    page.wait_for_load_state("load")
    assert page.get_by_role("alert").get_by_text("复核须重新签署").is_visible()
    visit("r03-consent-missing")
    box = page.locator(f"#recheck-{recheck.pk}")
    box.get_by_label(head).check()
    box.get_by_role("button", name="提请信息核对").click()
    page.wait_for_load_state("load")
    assert page.get_by_role("status").get_by_text("已提请信息核对").is_visible()
    box = page.locator(f"#recheck-{recheck.pk}")
    assert box.get_by_text("核对已返回").is_visible()  # the sandbox check answered on commit
    box.get_by_text("记录入户核查").click()
    box.get_by_label("入户核查情况").fill("入户查看，长子已在县城务工，月收入约 2,000 元。")
    visit("r04-visit-form")
    box.get_by_role("button", name="保存入户核查").click()
    page.wait_for_load_state("load")
    assert page.get_by_role("status").get_by_text("已记录入户核查").is_visible()
    visit("r05-visited")
    log_out(page)

    sign_in(page, approver_a)
    visit("r06-approver-inbox")
    row = page.locator(f'tr[data-recheck="{recheck.pk}"]')
    assert row.get_by_text("作出复核结论").is_visible()
    row.get_by_role("link", name="办理复核").click()
    page.wait_for_url(f"**/caseload/household/{benefit.household_id}/#recheck-{recheck.pk}")
    box = page.locator(f"#recheck-{recheck.pk}")
    box.get_by_label("复核结论").select_option(label="调整保障金额")
    box.get_by_label("变更依据（MSL 32）").select_option(label=str(Ground.INCOME_INCREASED.label))
    box.get_by_label("新的月保障金额（元）").fill("450.00")
    box.get_by_label("书面理由").fill("长子在县城务工，家庭月收入增加约 2,000 元。")
    visit("r07-decide-form")
    box.get_by_role("button", name="作出结论").click()
    page.wait_for_load_state("load")
    visit("r08-decided")
    recheck.refresh_from_db()
    change = BenefitChange.objects.get(benefit=benefit, kind=ChangeKind.REDUCE)
    assert recheck.outcome == "adjust" and recheck.decided_by == approver_a and recheck.change == change
    assert change.new_amount == Decimal("450.00") and change.letter_id and change.ground == Ground.INCOME_INCREASED
    benefit.refresh_from_db()
    assert page.get_by_role("status").get_by_text("已作出复核结论").is_visible()
    assert page.get_by_text("600.00 → 450.00").is_visible()
    assert page.locator(f"#next-recheck-{benefit.pk}").get_by_text(f"{benefit.next_recheck_due:%Y-%m-%d}").is_visible()
    assert benefit.next_recheck_due > today
    visit.assert_clean()
