"""The benefit page of a household (staff UI): its benefits and history, and the change
decision a township approver makes within the township's delegation (MSL 32)."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

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
