"""The benefit page of a household (staff UI): its benefits and history, and the change
decision a township approver makes within the township's delegation (MSL 32)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from workflows.caseload import services
from workflows.caseload.models import BenefitChange, ChangeKind

from .conftest import open_benefit


def _post(benefit, **overrides):
    data = {"change-benefit": benefit.pk, "change-kind": "reduce", "change-ground": "income_increased",
            "change-new_amount": "420.50", "change-reasons": "儿子外出务工，月收入增加。"}  # fmt: skip
    data.update(overrides)
    return data


def test_an_approver_reduces_from_the_benefit_page(region, case_worker_a, approver_a, client_for):
    """The approver sees the benefit with its history, posts a reduction with a lawful ground
    and reasons, and is sent back to the page, which now lists the change and its letter."""
    benefit = open_benefit(case_worker_a, region.village_a)
    client = client_for(approver_a)
    url = reverse("caseload:household", args=[benefit.household_id])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "每月 600.00 元" in html and "作出变更决定" in html and "纳入保障" in html

    response = client.post(url, _post(benefit))
    assert response.status_code == 302 and response["Location"] == url
    change = BenefitChange.objects.get(benefit=benefit, kind=ChangeKind.REDUCE)
    assert change.new_amount == Decimal("420.50") and change.decided_by == approver_a and change.letter_id
    html = client.get(url).content.decode()
    assert "600.00 → 420.50" in html and reverse("documents:download", args=[change.letter_id]) in html


def test_a_change_without_reasons_shows_the_error_and_changes_nothing(region, case_worker_a, approver_a, client_for):
    """Negative (MSL 32): the form refuses an empty reason and a ground that does not fit."""
    benefit = open_benefit(case_worker_a, region.village_a)
    client = client_for(approver_a)
    url = reverse("caseload:household", args=[benefit.household_id])
    response = client.post(url, _post(benefit, **{"change-ground": "income_decreased"}))
    assert response.status_code == 200
    assert "所选依据不能作为该类变更的理由" in response.content.decode()
    assert not BenefitChange.objects.filter(benefit=benefit, kind=ChangeKind.REDUCE).exists()


def test_a_case_worker_sees_the_page_but_cannot_decide(region, case_worker_a, client_for):
    """The township's case worker sees the benefit and history, without the decision form;
    a forged post is refused by the service (only the approver decides)."""
    benefit = open_benefit(case_worker_a, region.village_a)
    client = client_for(case_worker_a)
    url = reverse("caseload:household", args=[benefit.household_id])
    assert "作出变更决定" not in client.get(url).content.decode()
    response = client.post(url, _post(benefit))
    assert response.status_code == 200 and "只有本乡镇（街道）的审批人" in response.content.decode()
    assert benefit.changes.count() == 1


def test_another_townships_staff_get_404(region, case_worker_a, approver_b, client_for):
    """Another township's approver cannot see (or change) the household: 404."""
    benefit = open_benefit(case_worker_a, region.village_a)
    client = client_for(approver_b)
    url = reverse("caseload:household", args=[benefit.household_id])
    assert client.get(url).status_code == 404
    assert client.post(url, _post(benefit)).status_code == 404
    assert benefit.changes.count() == 1


def test_the_case_page_links_to_the_benefit_page(approved_dibao, case_worker_a, client_for):
    """An approved case's page links to its household's benefit page."""
    html = client_for(case_worker_a).get(reverse("workspace:case", args=[approved_dibao.pk])).content.decode()
    assert reverse("caseload:household", args=[approved_dibao.household_id]) in html


def _due_and_overdue(case_worker_a, village):
    """One re-check overdue (due yesterday) and one coming due in ten days."""
    today = timezone.localdate()
    overdue = open_benefit(case_worker_a, village)
    services.recheck_on_income_change(household=overdue.household, reported_on=today - datetime.timedelta(days=1),
                                      actor=case_worker_a, today=today)  # fmt: skip
    soon = open_benefit(case_worker_a, village)
    services.recheck_schedule(benefit=soon, after=today + datetime.timedelta(days=10) - relativedelta(months=12),
                              actor=None)  # fmt: skip
    return overdue, soon


def test_due_and_overdue_rechecks_are_listed_for_the_township(region, case_worker_a, case_worker_b, client_for):
    """MSL 31: the township's staff see due and overdue re-checks, overdue marked, in the
    re-check list and in their inbox; another township's staff see none."""
    overdue, soon = _due_and_overdue(case_worker_a, region.village_a)
    client = client_for(case_worker_a)
    html = client.get(reverse("caseload:rechecks")).content.decode()
    assert html.count(reverse("caseload:household", args=[overdue.household_id])) == 1
    assert reverse("caseload:household", args=[soon.household_id]) in html and "已逾期" in html
    inbox = client.get(reverse("workspace:inbox")).content.decode()
    assert "1 件到期，1 件已逾期" in inbox
    other = client_for(case_worker_b)
    assert (
        reverse("caseload:household", args=[overdue.household_id])
        not in other.get(reverse("caseload:rechecks")).content.decode()
    )
    assert "在保家庭复核" not in other.get(reverse("workspace:inbox")).content.decode()


def test_the_county_dashboard_counts_due_and_overdue_rechecks(region, case_worker_a, county_officer, client_for):
    """MSL 31: the county dashboard shows how many re-checks are due and overdue in the county."""
    _due_and_overdue(case_worker_a, region.village_a)
    html = client_for(county_officer).get(reverse("workspace:county", args=[region.county.pk])).content.decode()
    assert '<strong id="kpi-rechecks-due">1</strong>' in html
    assert '<strong id="kpi-rechecks-overdue">1</strong>' in html


def test_a_recheck_is_run_from_the_benefit_page(region, case_worker_a, approver_a, client_for, monkeypatch):
    """MSL 31, 9: the case worker records a death (re-check within 3 months), requests the
    check recording each adult's fresh authorisation and records the visit; the approver concludes 'continue', and
    the next re-check is scheduled. A request without fresh consent shows the refusal."""
    from workflows.caseload.services import rechecks as rechecks_module
    from workflows.households.models import Consent

    monkeypatch.setattr(rechecks_module, "_finance_check_request",
                        lambda **kw: type("Check", (), {"pk": 77})())  # fmt: skip
    benefit = open_benefit(case_worker_a, region.village_a)
    today = timezone.localdate()
    worker = client_for(case_worker_a)
    url = reverse("caseload:household", args=[benefit.household_id])
    worker.post(reverse("caseload:household_event", args=[benefit.household_id]),
                {"event": "death", "event_on": today.isoformat()})  # fmt: skip
    recheck = benefit.rechecks.get(outcome="")
    assert recheck.due_on == today + relativedelta(months=3)
    action = reverse("caseload:recheck_action", args=[benefit.household_id])
    check = {"recheck": recheck.pk, "step": "check", "signed_on": today.isoformat()}
    worker.post(action, check)
    assert "复核须重新签署" in worker.get(url).content.decode()
    adults = [m.pk for m in benefit.household.adults(today)]
    assert adults
    worker.post(action, {**check, "signed": adults})
    recheck.refresh_from_db()
    assert recheck.finance_check_id == 77
    assert Consent.objects.filter(member_id__in=adults, kind="check_authorisation", signed_on=today,
                                  recorded_by=case_worker_a).count() == len(adults)  # fmt: skip
    worker.post(action, {"recheck": recheck.pk, "step": "visit", "visited_on": today.isoformat(), "findings": "无变化"})
    services.recheck_record_check_result(recheck_id=recheck.pk, check_id=77, outcome="eligible", result={})
    approver = client_for(approver_a)
    assert "作出复核结论" in approver.get(url).content.decode()
    approver.post(action, {"recheck": recheck.pk, "step": "decide", "outcome": "continue"})
    recheck.refresh_from_db()
    assert recheck.outcome == "continue" and recheck.visited_by == case_worker_a
    assert benefit.rechecks.filter(outcome="").count() == 1


def test_an_incomplete_recheck_step_says_which_field_is_missing(region, case_worker_a, client_for):
    """A home visit posted without its findings comes back to the re-check with the field's
    name in the error; nothing is recorded."""
    benefit = open_benefit(case_worker_a, region.village_a)
    today = timezone.localdate()
    (recheck,) = services.recheck_on_income_change(household=benefit.household, reported_on=today,
                                                   actor=case_worker_a, today=today)  # fmt: skip
    client = client_for(case_worker_a)
    action = reverse("caseload:recheck_action", args=[benefit.household_id])
    response = client.post(action, {"recheck": recheck.pk, "step": "visit", "visited_on": today.isoformat()})
    assert response["Location"].endswith(f"#recheck-{recheck.pk}")
    html = client.get(response["Location"]).content.decode()
    assert "请完整填写复核信息。入户核查情况：" in html
    recheck.refresh_from_db()
    assert recheck.visited_on is None
    ok = client.post(
        action, {"recheck": recheck.pk, "step": "visit", "visited_on": today.isoformat(), "findings": "无变化"}
    )
    assert ok["Location"] == reverse("caseload:household", args=[benefit.household_id])
