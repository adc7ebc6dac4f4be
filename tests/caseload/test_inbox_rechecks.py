"""Re-checks are work in the township staff's inbox (MSL 31; issue 17 item 3): each due or
overdue re-check of the townships where the user works is a row with the household head's
name, the programme, the due date, how many working days it is overdue, whose move it is
and a link to the re-check on the benefit page; another township's staff do not see it."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests import factories
from workflows.caseload import selectors, services
from workflows.caseload.models import Benefit, BenefitKind, BenefitStatus, Recheck, RecheckReason
from workflows.core.working_days import Calendar

from .conftest import open_benefit

TODAY = timezone.localdate


def _due(village, *, head="钱秀英", due_on, n=1):
    """``n`` benefits of ``village`` with an opened re-check due on ``due_on`` (no case: the
    inbox does not need one)."""
    township = village.township
    out = []
    for i in range(n):
        household = factories.HouseholdFactory(village=village)
        factories.MemberFactory(household=household, name=f"{head}{i or ''}")
        benefit = Benefit.objects.create(
            household=household, programme="dibao", kind=BenefitKind.MONTHLY, monthly_amount=Decimal("500.00"),
            starts=datetime.date(2026, 1, 1), status=BenefitStatus.IN_FORCE, county=township.county,
            township=township,
        )  # fmt: skip
        out.append(Recheck.objects.create(benefit=benefit, county=township.county, township=township,
                                          reason=RecheckReason.SCHEDULED, due_on=due_on, opened_on=TODAY()))  # fmt: skip
    return out


def test_due_and_overdue_rechecks_are_rows_of_the_inbox(region, case_worker_a, client_for):
    """MSL 31: the case worker's inbox lists the overdue re-check (highlighted, with its
    working days overdue) and the one coming due, by head of household and programme, each
    waiting on the case worker to request the finance check and linking to the re-check."""
    today = TODAY()
    late = today - datetime.timedelta(days=14)
    (overdue,) = _due(region.village_a, head="钱秀英", due_on=late)
    (soon,) = _due(region.village_a, head="孙建国", due_on=today + datetime.timedelta(days=10))
    html = client_for(case_worker_a).get(reverse("workspace:inbox")).content.decode()
    assert "在保家庭复核" in html and "1 件到期，1 件已逾期" in html
    row = html[html.index(f'data-recheck="{overdue.pk}"') :].split("</tr>")[0]
    days = Calendar().working_days_between(late, today)
    assert "钱秀英" in row and "最低生活保障" in row and late.isoformat() in row
    assert f"逾期 {days} 个工作日" in row and "个案工作人员 · <strong>提请信息核对" in row
    assert f"{reverse('caseload:household', args=[overdue.benefit.household_id])}#recheck-{overdue.pk}" in row
    assert f'<tr class="ws-overdue" data-recheck="{overdue.pk}"' in html
    soon_row = html[html.index(f'data-recheck="{soon.pk}"') :].split("</tr>")[0]
    assert "孙建国" in soon_row and "逾期" not in soon_row
    assert f'<tr class="" data-recheck="{soon.pk}"' in html
    assert case_worker_a.username not in row


def test_another_townships_staff_and_a_county_officer_see_no_recheck_rows(
    region, case_worker_b, county_officer, client_for
):
    """A re-check of township A is not work for township B's case worker, nor for the county
    officer (who sees the figures on the county dashboard instead)."""
    (recheck,) = _due(region.village_a, due_on=TODAY())
    for user in (case_worker_b, county_officer):
        html = client_for(user).get(reverse("workspace:inbox")).content.decode()
        assert f'data-recheck="{recheck.pk}"' not in html and "在保家庭复核" not in html


def test_whose_move_it_is_follows_the_steps(region, case_worker_a, approver_a, monkeypatch):
    """Request the check and visit (case worker), the check answers (finance check), then the
    approver decides (MSL 31)."""
    from workflows.caseload.services import rechecks as rechecks_module

    monkeypatch.setattr(rechecks_module, "_finance_check_request",
                        lambda **kw: type("Check", (), {"pk": 55})())  # fmt: skip
    benefit = open_benefit(case_worker_a, region.village_a)
    today = TODAY()
    (recheck,) = services.recheck_on_income_change(household=benefit.household, reported_on=today,
                                                   actor=case_worker_a, today=today)  # fmt: skip

    def step():
        rows = selectors.recheck_inbox(approver_a, today=today, calendar=Calendar())["rows"]
        return [(str(r.waiting_on), str(r.next_step)) for r in rows]

    assert step() == [("个案工作人员", "提请信息核对")]
    for member in benefit.household.adults(today):
        factories.ConsentFactory(member=member, kind="check_authorisation", signed_on=today)
    services.recheck_request_check(recheck=recheck, actor=case_worker_a)
    assert step() == [("个案工作人员", "记录入户核查")]
    services.recheck_record_visit(recheck=recheck, visited_on=today, findings="无变化", actor=case_worker_a)
    assert step() == [("核对机构", "返回核对结果")]
    services.recheck_record_check_result(recheck_id=recheck.pk, check_id=55, outcome="eligible", result={})
    assert step() == [("审批人", "作出复核结论")]
    services.recheck_decide(recheck=recheck, outcome="continue", actor=approver_a)
    assert step() == []  # the next re-check is months away: not yet listed


@pytest.mark.parametrize("limit", [selectors.INBOX_RECHECKS, 100])
def test_the_recheck_rows_cost_the_same_queries_for_3_or_50(region, case_worker_a, client_for, limit, monkeypatch):
    """The inbox's queries do not grow with the number of re-checks listed (3 vs 50 rows,
    with the page's limit and with every row shown)."""
    monkeypatch.setattr(selectors, "INBOX_RECHECKS", limit)
    client = client_for(case_worker_a)
    url = reverse("workspace:inbox")
    client.get(url)  # warm the per-user caches (calendar, permissions)
    _due(region.village_a, due_on=TODAY(), n=3)
    with CaptureQueriesContext(connection) as few:
        html = client.get(url).content.decode()
    assert html.count("data-recheck=") == 3
    _due(region.village_a, due_on=TODAY() - datetime.timedelta(days=3), n=47)
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert html.count("data-recheck=") == min(50, limit)
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries][len(few.captured_queries) :]
