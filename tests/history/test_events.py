"""Issue 8 item 1: task and flow events are written on the case chain by the
same transaction as the change (viewflow signals + task save hooks)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from viewflow.workflow.status import STATUS

from tests.skeleton.test_flow import open_case
from workflows.core.audit import verify_chain
from workflows.core.driving import assign_task, open_tasks
from workflows.core.models import AuditEvent
from workflows.skeleton.flows import SkeletonFlow


def actions(process):
    return list(AuditEvent.objects.filter(chain=f"case:{process.pk}").order_by("seq").values_list("action", "data"))


def test_finished_case_has_task_and_flow_events_in_order(finished_case, case_worker_a, approver_a):
    """Every task start, finish, assignment and the flow start/finish are on the case chain, in order,
    next to the services' data changes; the chain verifies."""
    rows = actions(finished_case)
    names = [a for a, _d in rows]
    assert names[0] == "case.open"
    assert names.index("flow.started") < names.index("case.review") < names.index("flow.finished")
    review = [(a, d.get("owner")) for a, d in rows if d.get("node") == "review"]
    assert review == [
        ("task.created", None),
        ("task.assigned", approver_a.pk),
        ("task.started", approver_a.pk),
        ("task.finished", approver_a.pk),
    ]
    assert [a for a, d in rows if d.get("node") == "start"] == ["task.started", "task.finished"]
    assert names.count("task.finished") == 4  # start, review, receipt, end: once each
    ev = AuditEvent.objects.get(chain=f"case:{finished_case.pk}", action="task.assigned")
    assert ev.actor_id == approver_a.pk and ev.target_type == "core.casetask"
    assert verify_chain(f"case:{finished_case.pk}") is None


def test_unassign_and_cancel_are_recorded(region, case_worker_a, approver_a):
    """Unassigning and cancelling have no viewflow signal; the save hook records them."""
    process = open_case(case_worker_a, region.village_a)
    task = open_tasks(process, SkeletonFlow.review).get()
    assign_task(task, user=approver_a)
    with SkeletonFlow.lock(process.pk), transaction.atomic():
        task.refresh_from_db()
        task.flow_task.activation_class(task).unassign()
    with SkeletonFlow.lock(process.pk), transaction.atomic():
        task.refresh_from_db()
        task.flow_task.activation_class(task).cancel()
    tail = [(a, d.get("previous_owner"), d.get("previous_status")) for a, d in actions(process)[-3:]]
    assert tail == [
        ("task.assigned", None, None),
        ("task.unassigned", approver_a.pk, None),
        ("task.cancelled", None, str(STATUS.NEW)),
    ]


def test_rolled_back_change_leaves_no_events(region, case_worker_a):
    """A refused start (village outside the worker's township) writes no task or case event:
    the events share the change's transaction."""
    with pytest.raises(ValidationError):
        open_case(case_worker_a, region.village_b)
    assert not AuditEvent.objects.filter(chain__startswith="case:").exists()
