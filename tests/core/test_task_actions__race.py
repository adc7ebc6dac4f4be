"""Issue 19 item 3: two users completing the same task at once (claim + complete in one
transaction under the case lock): exactly one completes it, the other is refused cleanly and
the task is done once, by the winner.

PostgreSQL only: each thread has its own connection, and SQLite has no row locks.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.status import STATUS

from tests.conftest import _staff, requires_postgres
from tests.funds.test_concurrency import run_concurrently
from tests.skeleton.test_flow import open_case
from workflows.core.driving import complete_task, open_tasks
from workflows.core.models import CaseActorRecord
from workflows.core.models.staff import Role
from workflows.skeleton import services
from workflows.skeleton.flows import SkeletonFlow


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_two_approvers_completing_one_task_only_one_wins(round_, region, case_worker_a, approver_a):
    """Both threads released together; the loser finds the task taken under the lock."""
    approver_a2 = _staff("approver_a2", Role.APPROVER, region.township_a)
    process = open_case(case_worker_a, region.village_a)
    task = open_tasks(process, SkeletonFlow.review).get()
    users = [approver_a, approver_a2] if round_ % 2 else [approver_a2, approver_a]
    outcomes: dict[int, str] = {}

    def work(i):
        user = users[i]
        mine = SkeletonFlow.task_class._default_manager.get(pk=task.pk)  # each thread its own instance
        try:
            complete_task(
                mine, user=user,
                perform=lambda p: services.case_review(process=p, approved=True, note="", actor=user),
            )  # fmt: skip
            outcomes[i] = "done"
        except (PermissionDenied, FlowLockFailed):
            outcomes[i] = "refused"

    _ok, refused, errors = run_concurrently(work, n=2)
    assert errors == [] and refused == []
    assert sorted(outcomes.values()) == ["done", "refused"], outcomes
    winner = users[next(i for i, o in outcomes.items() if o == "done")]
    task.refresh_from_db()
    assert task.status == STATUS.DONE and task.owner_id == winner.pk
    records = CaseActorRecord.objects.filter(process_id=process.pk, node_name="review")
    assert list(records.values_list("user_id", flat=True)) == [winner.pk]
