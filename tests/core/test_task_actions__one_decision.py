"""Issue 19 item 3: one permission decision per task action, never a stale one.

``driving.complete_task`` claims, starts and completes a task in one transaction under one
case lock, the case row read once (by the lock) and kept for it. The node checks answer from
permission rows and separation exclusions read once per request or transaction, and both are
forgotten the moment access data changes, even inside the same transaction (domain.md §1:
region isolation and separation of duties, MSL 20 for declared relatives).
"""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.status import STATUS

from tests.skeleton.test_flow import open_case
from workflows.core.driving import complete_task, open_tasks
from workflows.core.models import StaffAssignment, StaffRelative
from workflows.core.models.staff import Role
from workflows.core.permissions import assignment_grant, assignment_revoke
from workflows.skeleton import services
from workflows.skeleton.flows import SkeletonFlow
from workflows.skeleton.models import SkeletonProcess

pytestmark = pytest.mark.django_db


def _review(user, approved=True):
    return lambda p: services.case_review(process=p, approved=approved, note="ok", actor=user)


def _fresh(user):
    """Another instance of the same user, as a second request or a service loads it."""
    return type(user).objects.get(pk=user.pk)


def test_claim_and_complete_are_one_transaction_a_failing_step_leaves_the_task_unclaimed(
    region, case_worker_a, approver_a
):
    """The claim commits only with the completion: when the step's service fails, the task is
    still NEW and unowned (before, a separate claim transaction had already committed)."""
    process = open_case(case_worker_a, region.village_a)
    task = open_tasks(process, SkeletonFlow.review).get()

    def failing(p):
        raise RuntimeError("service failed")

    with pytest.raises(RuntimeError):
        complete_task(task, user=approver_a, perform=failing)
    task.refresh_from_db()
    assert task.status == STATUS.NEW and task.owner_id is None
    # and the same step succeeds afterwards, claimed and done by the approver
    complete_task(task, user=approver_a, perform=_review(approver_a))
    task.refresh_from_db()
    assert task.status == STATUS.DONE and task.owner_id == approver_a.pk


def test_the_case_row_is_read_once_per_task_action(region, case_worker_a, approver_a):
    """Claim + complete reads the case row once (the lock's ``SELECT … FOR UPDATE``); the node
    checks, the activation and the service share that instance."""
    process = open_case(case_worker_a, region.village_a)
    task = open_tasks(process, SkeletonFlow.review).get()
    table = SkeletonProcess._meta.db_table
    with CaptureQueriesContext(connection) as ctx:
        done = complete_task(task, user=approver_a, perform=_review(approver_a))
    case_reads = [
        q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"]
    ]
    assert len(case_reads) == 1, case_reads
    assert type(done) is SkeletonProcess and done.approved is True


def test_a_refused_user_is_refused_and_nothing_is_claimed(region, case_worker_a):
    """The case worker who opened the case may not review it (separation of duties): refused
    before anything is written, the task stays NEW."""
    process = open_case(case_worker_a, region.village_a)
    task = open_tasks(process, SkeletonFlow.review).get()
    with pytest.raises(PermissionDenied):
        complete_task(task, user=case_worker_a, perform=_review(case_worker_a))
    task.refresh_from_db()
    assert task.status == STATUS.NEW and task.owner_id is None


def test_a_revoked_permission_takes_effect_at_once_in_the_same_transaction(region, case_worker_a, approver_a):
    """Region isolation: revoking the approver's assignment (through another instance of the
    user, as an administrator's request would) refuses the approver's very next check, in the
    same transaction, although their permissions were read a moment before."""
    process = open_case(case_worker_a, region.village_a)
    with transaction.atomic():
        task = open_tasks(process, SkeletonFlow.review).get()
        node = task.flow_task
        assert node.can_assign(approver_a, task)
        assignment = StaffAssignment.objects.get(user=approver_a, role=Role.APPROVER, revoked_at__isnull=True)
        assignment_revoke(assignment=assignment, actor=None)
        assert not node.can_assign(approver_a, task)
        with pytest.raises(PermissionDenied):
            complete_task(task, user=approver_a, perform=_review(approver_a))


def test_a_grant_rolled_back_is_not_served_afterwards(region, case_worker_a, approver_b):
    """A grant made and rolled back inside a transaction leaves no cached permission behind:
    the approver of township B, granted township A inside a savepoint that rolls back, is
    refused again right after (and was allowed while the grant stood)."""
    process = open_case(case_worker_a, region.village_a)
    with transaction.atomic():
        task = open_tasks(process, SkeletonFlow.review).get()
        node = task.flow_task
        assert not node.can_assign(approver_b, task)
        with pytest.raises(RuntimeError), transaction.atomic():
            assignment_grant(user=_fresh(approver_b), role=Role.APPROVER, region=region.township_a)
            assert node.can_assign(approver_b, task)
            raise RuntimeError("roll the grant back")
        assert not node.can_assign(approver_b, task)


def test_a_grant_takes_effect_at_once(region, case_worker_a, approver_b):
    """The positive twin: a grant committed through another instance of the user counts at
    once for the instance that was refused before."""
    process = open_case(case_worker_a, region.village_a)
    task = open_tasks(process, SkeletonFlow.review).get()
    assert not task.flow_task.can_assign(approver_b, task)
    assignment_grant(user=_fresh(approver_b), role=Role.APPROVER, region=region.township_a)
    assert task.flow_task.can_assign(approver_b, task)


def test_a_newly_declared_relative_excludes_at_once(region, case_worker_a, case_worker_a2):
    """MSL 20 / domain.md §1: a member of staff who declares a near relative in the case's
    household is excluded from the case's steps at once, in the same transaction, although the
    case's exclusions were computed (and remembered) a moment before."""
    from tests.dibao import conftest as d

    process = d.file_case(case_worker_a, region.village_a)
    id_number = process.household.members.order_by("pk").first().id_number
    with transaction.atomic():
        task = d.task_of(process, "accept")
        node = task.flow_task
        assert node.can_assign(case_worker_a2, task)
        StaffRelative.objects.create(user=_fresh(case_worker_a2), id_number=id_number, relation="child")
        assert not node.can_assign(case_worker_a2, task)
        assert node.is_separated(case_worker_a2, task)
        assert node.can_assign(case_worker_a, task)  # the rule excludes the relative, not everyone


def _case_reads(queries) -> list[str]:
    table = SkeletonProcess._meta.db_table
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT") and re.search(rf'FROM "({table}|viewflow_process)"', q["sql"])
    ]


def test_a_handle_run_reads_the_case_once_and_records_on_that_instance(region, case_worker_a, approver_a):
    """viewflow's Handle run re-reads its task under the case lock: the case is read once, by
    the lock, and the activation (and what it records) works on that instance; the recorded
    receipt is in the database afterwards (issue 19 item 3)."""
    process = open_case(case_worker_a, region.village_a)
    complete_task(open_tasks(process, SkeletonFlow.review).get(), user=approver_a, perform=_review(approver_a))
    # its job waits for a commit; loaded as the job loads it, with the case it names the lock by
    handle = open_tasks(process, SkeletonFlow.registry_receipt).select_related("process").get()
    with CaptureQueriesContext(connection) as ctx:
        SkeletonFlow.registry_receipt.run(handle, receipt="R-1")
    assert len(_case_reads(ctx.captured_queries)) == 1
    assert type(handle.process) is SkeletonProcess and handle.process.receipt == "R-1"
    stored = SkeletonProcess.objects.get(pk=process.pk)
    assert stored.receipt == "R-1" and stored.status == STATUS.DONE


def test_outside_the_lock_a_refreshed_task_reads_its_case_afresh(region, case_worker_a, approver_a):
    """Without the case lock nothing is kept: a refreshed task reads the case as committed,
    not an instance some earlier lock read."""
    process = open_case(case_worker_a, region.village_a)
    task = open_tasks(process, SkeletonFlow.review).get()
    with transaction.atomic(), SkeletonFlow.lock(process.pk):
        task.refresh_from_db()
        locked = task.process
    SkeletonProcess.objects.filter(pk=process.pk).update(summary="改过")
    task.refresh_from_db()
    with CaptureQueriesContext(connection) as ctx:
        fresh = task.process.coerced
    assert fresh is not locked and fresh.summary == "改过"
    assert len(_case_reads(ctx.captured_queries)) == 2  # viewflow's own: the base row, then the programme's
