"""Claim, release and reassign, one by one and in bulk, each task re-checked (domain.md §1:
only the township's staff act on its cases; a supervisor reassigns within the township)."""

from __future__ import annotations

import pytest
from viewflow.workflow.status import STATUS

from tests.dibao.conftest import file_case, task_of
from workflows.core.models import AuditEvent
from workflows.workspace import services
from workflows.workspace.services import (
    ERR_CLAIM_DENIED,
    ERR_REASSIGN_NOT_SUPERVISOR,
    ERR_REASSIGN_OUTSIDE,
    ERR_REASSIGN_TARGET_DENIED,
    ERR_RELEASE_DENIED,
    ERR_TASK_UNKNOWN,
)


@pytest.fixture
def cases_a(region, case_worker_a):
    """Three township-A dibao cases waiting at acceptance (real flow starts)."""
    return [file_case(case_worker_a, region.village_a) for _ in range(3)]


def _accept_tasks(cases):
    return [task_of(p, "accept") for p in cases]


def test_claim_moves_the_task_from_queue_to_inbox(cases_a, case_worker_a, client_for):
    """A case worker claims from the queue; the task is theirs, audited, and in the inbox."""
    client = client_for(case_worker_a)
    task = _accept_tasks(cases_a)[0]
    queue = client.get("/workspace/queue/")
    assert task.pk in [r.task.pk for r in queue.context["rows"]]
    response = client.post("/workspace/claim/", {"one": task.pk, "tasks": [task.pk]}, follow=True)
    assert "已领取 1 件" in response.content.decode()
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED and task.owner_id == case_worker_a.pk
    assert AuditEvent.objects.filter(action="task.assigned", chain=f"case:{task.process_id}").exists()
    inbox = client.get("/workspace/inbox/")
    assert task.pk in [r.task.pk for r in inbox.context["rows"]]


def test_claim_refused_for_another_township(cases_a, case_worker_b, client_for):
    """A township-B worker cannot claim township-A tasks (and does not see them)."""
    task = _accept_tasks(cases_a)[0]
    result = services.tasks_claim(task_pks=[task.pk], actor=case_worker_b)
    assert result.done == [] and result.refused[0][2] == str(ERR_TASK_UNKNOWN)
    assert client_for(case_worker_b).get("/workspace/queue/").context["page"].paginator.count == 0


def test_bulk_claim_reports_each_task(cases_a, case_worker_a, case_worker_a2):
    """Bulk claim re-checks every task: already-claimed ones are refused by name."""
    tasks = _accept_tasks(cases_a)
    services.task_claim(task_pk=tasks[0].pk, actor=case_worker_a2)
    result = services.tasks_claim(task_pks=[t.pk for t in tasks], actor=case_worker_a)
    assert sorted(result.done) == sorted(t.pk for t in tasks[1:])
    assert [(pk, reason) for pk, _n, reason in result.refused] == [(tasks[0].pk, str(ERR_CLAIM_DENIED))]
    assert result.refused[0][1] == cases_a[0].case_number


def test_approver_cannot_claim_a_case_worker_step(cases_a, approver_a):
    """The node's permission decides: an approver may not take the case worker's acceptance."""
    result = services.tasks_claim(task_pks=[_accept_tasks(cases_a)[0].pk], actor=approver_a)
    assert result.refused[0][2] == str(ERR_CLAIM_DENIED)


def test_release_puts_the_task_back(cases_a, case_worker_a, case_worker_a2):
    """Only the owner releases; the task returns to the queue."""
    task = _accept_tasks(cases_a)[0]
    services.task_claim(task_pk=task.pk, actor=case_worker_a)
    refused = services.tasks_release(task_pks=[task.pk], actor=case_worker_a2)
    assert refused.refused[0][2] == str(ERR_RELEASE_DENIED)
    services.task_release(task_pk=task.pk, actor=case_worker_a)
    task.refresh_from_db()
    assert task.status == STATUS.NEW and task.owner_id is None


def test_supervisor_reassigns_within_the_township(cases_a, case_worker_a, case_worker_a2, approver_a, client_for):
    """A township approver moves a case worker's tasks to a colleague of the same township."""
    tasks = _accept_tasks(cases_a)
    services.task_claim(task_pk=tasks[0].pk, actor=case_worker_a)
    response = client_for(approver_a).post(
        "/workspace/reassign/", {"tasks": [t.pk for t in tasks], "target": case_worker_a2.pk}, follow=True
    )
    assert "已改派 3 件" in response.content.decode()
    for t in tasks:
        t.refresh_from_db()
        assert t.status == STATUS.ASSIGNED and t.owner_id == case_worker_a2.pk
    event = AuditEvent.objects.get(action="task.reassigned", chain=f"case:{tasks[0].process_id}")
    assert event.changes == {"owner": [case_worker_a.pk, case_worker_a2.pk]}


def test_bulk_reassign_outside_the_township_is_refused_task_by_task(
    cases_a, case_worker_a, case_worker_b, approver_a, client_for
):
    """Issue 10 acceptance: reassigning to a township-B worker is refused for each task,
    and every task keeps its owner."""
    tasks = _accept_tasks(cases_a)
    services.task_claim(task_pk=tasks[0].pk, actor=case_worker_a)
    result = services.tasks_reassign(task_pks=[t.pk for t in tasks], target=case_worker_b, actor=approver_a)
    assert result.done == []
    assert [(pk, reason) for pk, _n, reason in result.refused] == [
        (t.pk, str(ERR_REASSIGN_OUTSIDE)) for t in sorted(tasks, key=lambda t: t.pk)
    ]
    owners = {t.pk: t.owner_id for t in (type(t).objects.get(pk=t.pk) for t in tasks)}
    assert owners == {tasks[0].pk: case_worker_a.pk, tasks[1].pk: None, tasks[2].pk: None}
    page = client_for(approver_a).post(
        "/workspace/reassign/", {"tasks": [t.pk for t in tasks], "target": case_worker_b.pk}, follow=True
    )
    assert "3 件未能改派" in page.content.decode()


def test_reassign_needs_a_supervisor_and_a_capable_target(cases_a, case_worker_a, case_worker_a2, approver_a):
    """A case worker may not reassign; a target without the node's permission is refused (and
    the task keeps its owner: the unassign is rolled back)."""
    task = _accept_tasks(cases_a)[0]
    services.task_claim(task_pk=task.pk, actor=case_worker_a)
    result = services.tasks_reassign(task_pks=[task.pk], target=case_worker_a2, actor=case_worker_a)
    assert result.refused[0][2] == str(ERR_REASSIGN_NOT_SUPERVISOR)
    result = services.tasks_reassign(task_pks=[task.pk], target=approver_a, actor=approver_a)
    assert result.refused[0][2] == str(ERR_REASSIGN_TARGET_DENIED)
    task.refresh_from_db()
    assert task.owner_id == case_worker_a.pk and task.status == STATUS.ASSIGNED


def test_team_page_is_for_supervisors(cases_a, case_worker_a, approver_a, client_for):
    """The township task list (改派) opens for approvers only."""
    assert client_for(case_worker_a).get("/workspace/team/").status_code == 403
    response = client_for(approver_a).get("/workspace/team/")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 3
