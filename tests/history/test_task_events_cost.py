"""Finding 4 (docs/performance.md): fewer task bookkeeping rows and no SELECT per task save,
with the audit trail still recording every task state change and replay still drawing the path."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from tests.dibao.conftest import (
    accept,
    file_case,
    finished_nodes,
    home_visit,
    member,
    propose,
    sign_all,
)
from tests.skeleton.test_flow import open_case
from workflows.core.audit import verify_chain
from workflows.core.driving import open_tasks
from workflows.core.models import AuditEvent
from workflows.history import selectors
from workflows.skeleton.flows import SkeletonFlow

INSTANT = ["has_missing_materials", "request_check", "needs_county_visit", "is_direct_return", "goes_to_notice",
           "is_approved", "refuse", "end_refused"]  # fmt: skip
HUMAN = ["accept", "home_visit", "propose", "sign_handler", "sign_section_chief", "sign_township_head"]


def task_events(process):
    rows = AuditEvent.objects.filter(chain=f"case:{process.pk}", action__startswith="task.").order_by("seq")
    out: dict[str, list[str]] = {}
    for action, data in rows.values_list("action", "data"):
        out.setdefault(data["node"], []).append(action)
    return out


def stored_state_selects(queries):
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith('SELECT "viewflow_task"."status" AS "status", "viewflow_task"."owner_id"')
    ]


@pytest.fixture
def refused_case(region, case_worker_a, case_worker_a2, approver_a, approver_a2, finance_check):
    members = [member(income="900.00"), member("李四", relation="spouse", birth=datetime.date(1972, 5, 2), seq=202)]
    process = file_case(case_worker_a, region.village_a, members=members)
    process = accept(process, case_worker_a)
    process = finance_check.finish(process)
    process = home_visit(process, case_worker_a, case_worker_a, case_worker_a2)
    process = propose(process, case_worker_a, approve=False)
    return sign_all(process, case_worker_a, approver_a, approver_a2, approve=False, reasons=["人均收入高于低保标准"])


def test_machine_nodes_record_their_finish_only_human_tasks_every_change(refused_case):
    """Gateways, Function and End nodes (created, run and finished by one activation, no actor) get one
    "task.finished" (a Function also its "task.started", bracketing what it writes); the Handle that waits
    for the finance check keeps "task.created"; human tasks keep created, assigned, started and finished."""
    events = task_events(refused_case)
    for node in INSTANT:
        expected = ["task.started", "task.finished"] if node in ("request_check", "refuse") else ["task.finished"]
        assert events[node] == expected, node
    assert events["await_finance_check"] == ["task.created", "task.started", "task.finished"]
    for node in HUMAN:
        assert events[node] == ["task.created", "task.assigned", "task.started", "task.finished"], node
    assert events["start"] == ["task.started", "task.finished"]
    assert verify_chain(f"case:{refused_case.pk}") is None


def test_replay_still_draws_the_path_taken(refused_case):
    """The replayed task states equal the live task rows, node for node, so the flow chart drawn from
    the chain colours the same path; mid-way (the refusal letter) the refuse step shows as started."""
    state = selectors.replay(refused_case)
    replayed = sorted((t["node"], t["status"]) for t in state.tasks.values())
    live = sorted((t.flow_task.name, str(t.status)) for t in Task.objects.filter(process_id=refused_case.pk))
    assert replayed == live
    assert sorted(n for n, s in replayed if s == "DONE") == sorted(finished_nodes(refused_case))
    assert selectors.flow_chart_svg(refused_case, state) == selectors.flow_chart_svg(refused_case)

    letter = AuditEvent.objects.get(chain=f"case:{refused_case.pk}", action="dibao.refusal_issued")
    mid = selectors.replay(refused_case, letter.seq)
    assert {t["node"]: t["status"] for t in mid.tasks.values()}["refuse"] == "STARTED"
    assert "end_refused" not in {t["node"] for t in mid.tasks.values()}


def test_assign_in_the_loading_transaction_reads_no_row(region, case_worker_a, approver_a):
    """A task loaded and assigned in the same transaction: the stored status/owner come from the load,
    not from a SELECT before the save; the assignment is recorded with its actor."""
    process = open_case(case_worker_a, region.village_a)
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        task = open_tasks(process, SkeletonFlow.review).get()
        task.flow_task.activation_class(task).assign(approver_a)
    assert stored_state_selects(ctx.captured_queries) == []
    ev = AuditEvent.objects.filter(chain=f"case:{process.pk}").order_by("-seq").first()
    assert (ev.action, ev.actor_id, ev.data["previous_owner"]) == ("task.assigned", approver_a.pk, None)


def test_other_instance_and_refresh_are_seen(region, case_worker_a, approver_a):
    """Two instances of one task in a transaction: the second one's change is known to the first after its
    refresh_from_db, so unassigning records the real previous owner and no second assignment."""
    process = open_case(case_worker_a, region.village_a)
    with transaction.atomic():
        first = open_tasks(process, SkeletonFlow.review).get()
        second = Task.objects.get(pk=first.pk)
        second.flow_task.activation_class(second).assign(approver_a)
        first.refresh_from_db()
        first.flow_task.activation_class(first).unassign()
    tail = [(a, d.get("previous_owner")) for a, d in AuditEvent.objects.filter(chain=f"case:{process.pk}")
            .order_by("seq").values_list("action", "data")][-2:]  # fmt: skip
    assert tail == [("task.assigned", None), ("task.unassigned", approver_a.pk)]


def test_value_written_in_a_rolled_back_savepoint_is_not_trusted(region, case_worker_a, approver_a):
    """An assignment saved in a savepoint that rolled back is not taken as the stored state: cancelling
    afterwards records only the cancellation (previous status NEW), no unassignment."""
    process = open_case(case_worker_a, region.village_a)
    with transaction.atomic():
        task = open_tasks(process, SkeletonFlow.review).get()
        with pytest.raises(RuntimeError), transaction.atomic():
            task.owner, task.status = approver_a, STATUS.ASSIGNED
            task.save()
            raise RuntimeError("rolled back")
        task.owner, task.status = None, STATUS.CANCELED
        with CaptureQueriesContext(connection) as ctx:
            task.save()
        assert len(stored_state_selects(ctx.captured_queries)) == 1  # read the row instead
    tail = [(a, d.get("previous_status")) for a, d in AuditEvent.objects.filter(chain=f"case:{process.pk}")
            .order_by("seq").values_list("action", "data")][-1:]  # fmt: skip
    assert tail == [("task.cancelled", str(STATUS.NEW))]
    assert not AuditEvent.objects.filter(chain=f"case:{process.pk}", action="task.unassigned").exists()
