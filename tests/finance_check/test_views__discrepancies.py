"""The case worker's pages: declared versus found side by side, and the manual-document task."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from workflows.core.driving import open_tasks
from workflows.finance_check import services
from workflows.finance_check.flows import FinanceCheckFlow
from workflows.finance_check.models import FinanceCheckProcess, RegistryEvidence
from workflows.finance_check.sources import Source


@pytest.fixture
def check_with_undeclared_wage(registry_sandbox, household_250, case_worker_a, django_capture_on_commit_callbacks):
    """Tax finds 2,400 a year (200 a month) more for the first member than declared; vehicles fail."""
    member = household_250.members.order_by("pk").first()
    registry_sandbox.add_records(
        {
            member.id_number: {
                "tax": [{"id_number": member.id_number, "category": "wage", "annual_amount": "8400", "payer": "某厂"}]
            }
        }
    )
    registry_sandbox.set_mode(Source.VEHICLES, "http500")
    with django_capture_on_commit_callbacks(execute=True):
        check = services.finance_check_request(
            household=household_250, purpose="dibao", case_ref="dibao:3", actor=case_worker_a
        )
    return FinanceCheckProcess.objects.get(pk=check.pk)


def test_discrepancy_page_shows_declared_and_found_with_difference_highlighted(
    check_with_undeclared_wage, case_worker_a, client_for
):
    response = client_for(case_worker_a).get(
        reverse("finance_check:discrepancies", args=[check_with_undeclared_wage.pk])
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="higher" data-state="higher"' in html  # the wage row is highlighted
    assert "500.00" in html and "700.00" in html and "+200.00" in html
    assert "税务" in html
    assert "车辆、船舶" in html  # unavailable source named
    rows = response.context["income_rows"]
    wage = next(r for r in rows if r["line"].kind == "wage" and r["line"].found)
    assert wage["state"] == "higher" and wage["line"].excess == Decimal("200.00")


def test_discrepancy_page_after_evaluation_lists_the_reasons(check_with_undeclared_wage, case_worker_a, client_for):
    from workflows.core.driving import complete_task

    task = open_tasks(check_with_undeclared_wage, FinanceCheckFlow.obtain_documents).get()
    complete_task(
        task,
        user=case_worker_a,
        perform=lambda p: services.evidence_record_manual(
            check=p, source=Source.VEHICLES, amount=Decimal("0"), count=0, note="车管所证明", actor=case_worker_a
        ),
    )
    response = client_for(case_worker_a).get(
        reverse("finance_check:discrepancies", args=[check_with_undeclared_wage.pk])
    )
    html = response.content.decode()
    assert 'data-code="income_discrepancy_review"' in html
    assert "需人工复核" in html


@pytest.mark.parametrize("who", ["case_worker_b", "outsider"])
def test_discrepancy_page_is_404_outside_the_users_regions(who, check_with_undeclared_wage, client_for, request):
    user = request.getfixturevalue(who)
    response = client_for(user).get(reverse("finance_check:discrepancies", args=[check_with_undeclared_wage.pk]))
    assert response.status_code == 404


def test_discrepancy_page_needs_login(check_with_undeclared_wage, client):
    response = client.get(reverse("finance_check:discrepancies", args=[check_with_undeclared_wage.pk]))
    assert response.status_code == 302


def test_manual_task_page_through_the_staff_site(check_with_undeclared_wage, case_worker_a, client_for):
    """The township case worker claims the task in the staff site and posts the figures."""
    check = check_with_undeclared_wage
    task = open_tasks(check, FinanceCheckFlow.obtain_documents).get()
    client = client_for(case_worker_a)
    assign = reverse("cases:financecheck:obtain_documents:assign", args=[check.pk, task.pk])
    assert client.post(assign).status_code == 302
    execute = reverse("cases:financecheck:obtain_documents:execute", args=[check.pk, task.pk])
    page = client.get(execute)
    assert page.status_code == 200
    assert "vehicles_count" in page.content.decode()
    response = client.post(execute, {"vehicles_count": "0", "vehicles_amount": "0", "vehicles_note": "车管所无车证明"})
    assert response.status_code == 302, response.content.decode()[:2000]
    check = FinanceCheckProcess.objects.get(pk=check.pk)
    assert check.status == "DONE" and check.outcome == "needs_review"
    assert RegistryEvidence.objects.get(check_process=check, status="manual").entered_by == case_worker_a


@pytest.mark.parametrize("who", ["case_worker_b", "approver_a"])
def test_manual_task_page_refused_for_wrong_township_or_role(who, check_with_undeclared_wage, client_for, request):
    check = check_with_undeclared_wage
    task = open_tasks(check, FinanceCheckFlow.obtain_documents).get()
    client = client_for(request.getfixturevalue(who))
    assign = reverse("cases:financecheck:obtain_documents:assign", args=[check.pk, task.pk])
    response = client.post(assign)
    assert response.status_code in (403, 404)
    task.refresh_from_db()
    assert task.owner_id is None
