"""Walking skeleton: Start -> township-scoped review -> Celery-advanced Handle -> End."""

import pytest
from django.core.exceptions import PermissionDenied
from viewflow.workflow.status import STATUS

from tests.conftest import requires_broker, requires_postgres, wait_until
from workflows.core.driving import complete_task, open_tasks, start_case
from workflows.core.models import AuditEvent
from workflows.skeleton import services
from workflows.skeleton.flows import SkeletonFlow
from workflows.skeleton.models import SkeletonProcess


def open_case(user, village, summary="测试"):
    return start_case(
        SkeletonFlow.start,
        user=user,
        perform=lambda p: services.case_open(process=p, village=village, summary=summary, actor=user),
    )


def review(task, user, approved=True):
    return complete_task(
        task, user=user, perform=lambda p: services.case_review(process=p, approved=approved, note="ok", actor=user)
    )


def finished_nodes(process):
    return [t.flow_task.name for t in process.task_set.filter(status=STATUS.DONE).order_by("pk")]


def test_case_runs_start_to_end_with_eager_celery(
    region, case_worker_a, approver_a, django_capture_on_commit_callbacks
):
    """A case opened by the case worker and reviewed by the township approver is
    advanced by the Celery job (queued on commit) to End, and every state change is audited."""
    process = open_case(case_worker_a, region.village_a)
    assert process.case_number.startswith("SK-990101001-")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        review(open_tasks(process, SkeletonFlow.review).get(), approver_a)
    assert len(callbacks) == 1  # the job is queued only after the review commits

    process = SkeletonProcess.objects.get(pk=process.pk)
    assert process.status == "DONE"
    assert len(process.receipt) == 16
    assert finished_nodes(process) == [
        "start",
        "review",
        "registry_receipt",
        "end",
    ]
    actions = list(
        AuditEvent.objects.filter(chain=f"case:{process.pk}", action__startswith="case.").values_list(
            "action", flat=True
        )
    )
    assert actions == ["case.open", "case.review", "case.receipt"]


def test_approver_of_other_township_cannot_claim_review(region, case_worker_a, approver_b):
    """Township B's approver may not claim township A's review task (wrong township)."""
    process = open_case(case_worker_a, region.village_a)
    with pytest.raises(PermissionDenied):
        review(open_tasks(process, SkeletonFlow.review).get(), approver_b)


def test_case_worker_cannot_review(region, case_worker_a, case_worker_a2):
    """A case worker lacks the approver permission (wrong role)."""
    process = open_case(case_worker_a, region.village_a)
    with pytest.raises(PermissionDenied):
        review(open_tasks(process, SkeletonFlow.review).get(), case_worker_a2)


def test_opener_cannot_review_own_case(region, case_worker_a, approver_a):
    """Separation of duties (domain.md §1): whoever opened a case may not review it,
    even when they also hold the approver role."""
    from workflows.core.models.staff import Role
    from workflows.core.permissions import assignment_grant

    assignment_grant(user=case_worker_a, role=Role.APPROVER, region=region.township_a)
    process = open_case(case_worker_a, region.village_a)
    with pytest.raises(PermissionDenied):
        review(open_tasks(process, SkeletonFlow.review).get(), case_worker_a)


def test_approver_cannot_open_case(region, approver_a):
    """Only case workers open cases (wrong role)."""
    with pytest.raises(PermissionDenied):
        open_case(approver_a, region.village_a)


def test_case_worker_cannot_open_case_in_other_township(region, case_worker_a):
    """A case worker may not file a case for another township's village; nothing is written."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        open_case(case_worker_a, region.village_b)
    assert SkeletonProcess.objects.count() == 0


def test_handle_job_is_idempotent(region, case_worker_a, approver_a, django_capture_on_commit_callbacks):
    """Redelivering the Celery job after the node advanced does nothing (acks_late safety)."""
    from workflows.skeleton.tasks import fetch_registry_receipt

    process = open_case(case_worker_a, region.village_a)
    with django_capture_on_commit_callbacks(execute=True):
        review(open_tasks(process, SkeletonFlow.review).get(), approver_a)
    handle_task = process.task_set.get(flow_task=SkeletonFlow.registry_receipt)
    assert fetch_registry_receipt(handle_task.pk) == "skipped"
    assert AuditEvent.objects.filter(chain=f"case:{process.pk}", action="case.receipt").count() == 1


@requires_postgres
@requires_broker
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_handle_advanced_by_real_worker(region, case_worker_a, approver_a, celery_worker_process, monkeypatch):
    """With a real broker and a separate worker process, the review's commit queues
    the job and the worker advances the Handle to End; the job never runs in the
    test process (not eager)."""

    def not_here(*args, **kwargs):
        raise AssertionError("the Celery job ran in the test process, not in the worker")

    monkeypatch.setattr(services, "compute_receipt", not_here)  # patched here only, not in the worker
    process = open_case(case_worker_a, region.village_a)
    review(open_tasks(process, SkeletonFlow.review).get(), approver_a)
    done = wait_until(lambda: SkeletonProcess.objects.get(pk=process.pk).status == "DONE", timeout=60)
    assert done, "worker did not advance the case"
    process = SkeletonProcess.objects.get(pk=process.pk)
    assert process.receipt
    assert finished_nodes(process) == ["start", "review", "registry_receipt", "end"]
