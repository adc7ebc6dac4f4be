"""Issue 19 item 4: the queues test the task's permission as a row comparison the
``vf_task_new_by_permission`` index serves, name the flow by ``flow_task`` instead of
joining ``viewflow_process``, and list exactly the rows viewflow's own test lists
(domain.md §1: a township's staff claim only their township's tasks)."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from tests.workspace.conftest import make_case, make_tasks
from workflows.core.scope import user_scope
from workflows.core.separation import excluded_tasks_q
from workflows.core.viewsets import ScopedQueueView
from workflows.dibao.flows import DibaoFlow
from workflows.workspace import selectors
from workflows.workspace.indexing import case_flows


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


def _tasks_everywhere(region):
    """NEW tasks in both townships, for a case worker's and an approver's node, one without
    a permission, plus an assigned one: every branch of the permission test."""
    a, b = make_case(region.village_a), make_case(region.village_b)
    for case in (a, b):
        make_tasks(case, DibaoFlow.accept, 2)  # core.act_case_worker on the case's township
        make_tasks(case, DibaoFlow.sign_section_chief, 1)  # core.act_approver
    unrestricted = make_case(region.village_a)
    make_tasks(unrestricted, DibaoFlow.accept, 1)
    Task.objects.filter(process=unrestricted).update(owner_permission=None, owner_permission_obj_pk=None)
    return a, b


def _viewflow_queue(user):
    """The previous formulation: viewflow's concatenated permission test."""
    qs = selectors._tasks(user).filter(status=STATUS.NEW).user_queue(user)
    return qs.exclude(excluded_tasks_q(case_flows(), user))


def test_workspace_queue_lists_what_viewflows_test_lists(region, case_worker_a, approver_a, approver_b):
    """For a case worker, approvers of both townships and a group-granted permission, the
    row comparison lists exactly the tasks viewflow's concatenation lists; another
    township's tasks never appear."""
    a, b = _tasks_everywhere(region)
    group = Group.objects.create(name="借调审批")
    assign_perm("core.act_approver", group, region.township_b)
    case_worker_a.groups.add(group)
    for user in (case_worker_a, approver_a, approver_b):
        ours = set(selectors.queue_tasks(_fresh(user)).values_list("pk", flat=True))
        theirs = set(_viewflow_queue(_fresh(user)).values_list("pk", flat=True))
        assert ours == theirs
    listed = set(selectors.queue_tasks(_fresh(case_worker_a)).values_list("process_id", flat=True))
    assert a.pk in listed and b.pk not in listed  # region scope still applies to the group grant


def test_queue_count_reads_the_permission_pair_without_the_process_join(region, approver_a):
    """The paginator's count of the workspace queue and of the per-flow queue: a row
    comparison on (owner_permission, owner_permission_obj_pk), no concatenation, and no
    join to viewflow_process."""
    _tasks_everywhere(region)
    with CaptureQueriesContext(connection) as ctx:
        workspace = selectors.queue_tasks(_fresh(approver_a)).count()
    view = ScopedQueueView(flow_class=DibaoFlow, viewset=None)
    view.request = SimpleNamespace(user=_fresh(approver_a), GET={}, META={})
    view.args, view.kwargs = (), {}
    with CaptureQueriesContext(connection) as flow_ctx:
        per_flow = view.queryset.count()
    assert workspace == per_flow == 2  # township A: the section chief's task and the one without a permission
    for captured in (ctx, flow_ctx):
        sql = captured.captured_queries[-1]["sql"]
        # (on the task table, in the union's arm: ``claimable_q``'s alias U0)
        if connection.vendor == "postgresql":
            assert '(U0."owner_permission", U0."owner_permission_obj_pk") IN' in sql
        else:  # SQLite: Django spells the row comparison as OR-ed column pairs
            assert 'U0."owner_permission_obj_pk" = ' in sql
        assert "||" not in sql and "CONCAT" not in sql.upper()
        assert "viewflow_process" not in sql


def test_per_flow_queue_lists_what_viewflows_test_lists(region, case_worker_a, approver_b):
    """viewflow's per-flow queue list (``FlowQueueListView``) and ours show the same tasks."""
    _tasks_everywhere(region)
    for user in (case_worker_a, approver_b):
        view = ScopedQueueView(flow_class=DibaoFlow, viewset=None)
        view.request = SimpleNamespace(user=_fresh(user), GET={}, META={})
        view.args, view.kwargs = (), {}
        ours = set(view.queryset.values_list("pk", flat=True))
        theirs = set(
            Task.objects.user_queue(_fresh(user), flow_class=DibaoFlow)
            .filter(status=STATUS.NEW)
            .filter(process__dibaoprocess__township_id__in=user_scope(_fresh(user)).township_ids)
            .values_list("pk", flat=True)
        )
        assert ours == theirs and ours


def test_queue_permission_alternatives_are_index_scans_of_new_tasks(region, approver_a):
    """Issue 19 item 4: the four ways a task becomes claimable (no permission, already the
    user's, a model-wide permission, the object permission it names) are each their own scan
    of the NEW tasks, joined by ``UNION ALL`` (``scope.claimable_q``), not OR-ed into the
    queue's WHERE, where the planner took every task of the township instead of the
    ``vf_task_new_by_permission`` index. Pinned for the per-flow and the workspace queue."""
    _tasks_everywhere(region)
    view = ScopedQueueView(flow_class=DibaoFlow, viewset=None)
    view.request = SimpleNamespace(user=_fresh(approver_a), GET={}, META={})
    view.args, view.kwargs = (), {}
    for queryset in (selectors.queue_tasks(_fresh(approver_a)), view.queryset):
        with CaptureQueriesContext(connection) as ctx:
            queryset.count()
        sql = ctx.captured_queries[-1]["sql"]
        assert sql.count("UNION ALL") == 2  # no permission | already theirs | object permission
        arms = sql[sql.index('"viewflow_task"."id" IN (') :]
        assert 'U0."status" = \'NEW\' AND U0."owner_permission" IS NULL' in arms
        assert 'U0."status" = \'NEW\' AND U0."owner_id" = ' in arms
        assert '"viewflow_task"."owner_permission" IS NULL' not in sql  # not OR-ed into the outer WHERE


def test_queue_lists_tasks_already_theirs_and_by_model_wide_permission(region, case_worker_a, approver_a):
    """The other two alternatives of viewflow's test: a NEW task already given to the user,
    and a model-wide (not per-township) permission, list the same tasks as viewflow's
    ``user_queue``; the township scope still applies (domain.md §1)."""
    from django.contrib.auth.models import Permission

    a, b = _tasks_everywhere(region)
    mine = make_case(region.village_a)
    make_tasks(mine, DibaoFlow.propose, 1, owner=case_worker_a)
    Task.objects.filter(process=mine).update(owner_permission="core.some_other_role")
    approver_a.user_permissions.add(Permission.objects.get(codename="act_case_worker", content_type__app_label="core"))
    for user in (case_worker_a, approver_a):
        ours = set(selectors.queue_tasks(_fresh(user)).values_list("pk", flat=True))
        theirs = set(_viewflow_queue(_fresh(user)).values_list("pk", flat=True))
        assert ours == theirs
    worker = set(selectors.queue_tasks(_fresh(case_worker_a)).values_list("process_id", flat=True))
    assert mine.pk in worker  # already theirs, whatever the permission says
    approver = selectors.queue_tasks(_fresh(approver_a))
    accept = set(approver.filter(flow_task=DibaoFlow.accept).values_list("process_id", flat=True))
    assert a.pk in accept and b.pk not in accept  # the model-wide permission, within the township only
    assert mine.pk not in set(approver.values_list("process_id", flat=True))


def test_per_flow_inbox_reads_neither_the_process_table_nor_the_node_list_twice(region, case_worker_a):
    """The per-flow inbox's count names the flow by ``flow_task`` once and reads no
    ``viewflow_process`` (without a stand-in the former ``process__flow_class`` test still
    joined it), and lists exactly the user's assigned tasks of their township."""
    from workflows.core.viewsets import ScopedInboxView

    mine, other = make_case(region.village_a), make_case(region.village_b)
    make_tasks(mine, DibaoFlow.propose, 2, status=STATUS.ASSIGNED, owner=case_worker_a)
    make_tasks(other, DibaoFlow.propose, 1, status=STATUS.ASSIGNED, owner=case_worker_a)  # out of scope
    make_tasks(mine, DibaoFlow.accept, 1)  # NEW: the queue's, not the inbox's
    view = ScopedInboxView(flow_class=DibaoFlow, viewset=None)
    view.request = SimpleNamespace(user=_fresh(case_worker_a), GET={}, META={})
    view.args, view.kwargs = (), {}
    with CaptureQueriesContext(connection) as ctx:
        assert view.queryset.count() == 2
    sql = ctx.captured_queries[-1]["sql"]
    assert "viewflow_process" not in sql
    assert sql.count('"viewflow_task"."flow_task" IN (') == 1
    assert {t.process_id for t in view.queryset} == {mine.pk}


def test_the_no_permission_arm_has_a_partial_index_of_its_own(db):
    """Issue 19 item 4: the queue's "no permission required" arm (``status = 'NEW' AND
    owner_permission IS NULL``) is served by a partial index with exactly that predicate
    (core migration 0013). Without it, at 1 M cases the planner scanned all 175,000 NEW
    tasks through ``vf_task_new_by_process`` for an arm that is empty in practice."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Task._meta.db_table)
    assert "vf_task_new_unowned" in constraints
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'vf_task_new_unowned'")
            (definition,) = cursor.fetchone()
        assert "WHERE (((status)::text = 'NEW'::text) AND (owner_permission IS NULL))" in definition
