"""Separation of duties on a real dibao case, through the pages (domain.md §1; issue 7).

"Whoever investigated or proposed may not approve": a township case worker who
also holds the approver role and took part in the home visit of a case never
finds that case's section-chief signature in any queue, and opening its task
URLs directly is refused with the translated separation message. A colleague
approver of the same township who did not touch the case may claim it.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.dibao.conftest import (  # noqa: F401 - fixtures used by name
    accept,
    approver_a2,
    do,
    fake_finance_check,
    file_case,
    home_visit,
    propose,
    task_of,
)
from workflows.core.cases import CaseTask
from workflows.core.models.staff import Role
from workflows.core.permissions import assignment_grant
from workflows.core.separation import ERR_SEPARATION
from workflows.dibao import services
from workflows.dibao.flows import DibaoFlow


@pytest.fixture
def investigator_also_approver(region, case_worker_a2):
    """A township A case worker who also holds the approver role (one person, two roles)."""
    assignment_grant(user=case_worker_a2, role=Role.APPROVER, region=region.township_a)
    return case_worker_a2


@pytest.fixture
def awaiting_chief(region, case_worker_a, investigator_also_approver, fake_finance_check):  # noqa: F811
    """A dibao case whose home visit ``investigator_also_approver`` signed, now at the section chief."""
    process = fake_finance_check.finish(accept(file_case(case_worker_a, region.village_a), case_worker_a))
    process = home_visit(process, case_worker_a, case_worker_a, investigator_also_approver)
    process = propose(process, case_worker_a, approve=False)
    process = do(process, "sign_handler", case_worker_a, services.decision_sign, role="handler", opinion="同意")
    return process, task_of(process, "sign_section_chief")


def _url(task, action):
    return reverse(f"cases:dibao:{task.flow_task.name}:{action}", args=[task.process_id, task.pk])


def test_investigator_does_not_see_the_approval_task_in_any_queue(
    awaiting_chief,
    investigator_also_approver,
    approver_a,
    client_for,
):
    """The investigator (holding the approver role too) does not find the signature task in the
    engine's queue nor on the workspace queue page; an uninvolved approver does (domain.md §1, MSL 16)."""
    process, task = awaiting_chief
    assert not CaseTask.objects.queue([DibaoFlow], investigator_also_approver).filter(pk=task.pk).exists()
    assert CaseTask.objects.queue([DibaoFlow], approver_a).filter(pk=task.pk).exists()
    mine = client_for(investigator_also_approver).get(reverse("workspace:queue"))
    assert mine.status_code == 200
    assert process.case_number not in mine.content.decode()
    theirs = client_for(approver_a).get(reverse("workspace:queue"))
    assert process.case_number in theirs.content.decode()


def test_investigator_is_refused_by_url(awaiting_chief, investigator_also_approver, client_for):
    """Opening the signature task's assign or execute URL answers 403 with the translated
    separation message, and the task stays unclaimed (domain.md §1)."""
    _, task = awaiting_chief
    client = client_for(investigator_also_approver)
    for action in ("assign", "execute"):
        response = client.get(_url(task, action))
        assert response.status_code == 403
        assert str(ERR_SEPARATION) in response.content.decode()
    assert client.post(_url(task, "assign")).status_code == 403
    task.refresh_from_db()
    assert task.owner_id is None


def test_uninvolved_approver_claims_by_url(awaiting_chief, approver_a, client_for):
    """Positive counterpart: an approver of the township who did not investigate claims the task."""
    _, task = awaiting_chief
    response = client_for(approver_a).post(_url(task, "assign"))
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.owner_id == approver_a.pk


def test_approver_of_another_township_gets_404(awaiting_chief, approver_b, client_for):
    """Out of scope is 404, not 403: a township B approver learns nothing about the case."""
    _, task = awaiting_chief
    for action in ("assign", "execute", "detail"):
        assert client_for(approver_b).get(_url(task, action)).status_code == 404
