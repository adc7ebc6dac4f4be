"""Issue 19 (the queue at 1 M): the per-flow queue and inbox compile their WHERE (region,
permission and separation filters) once per request; the paginator's count and the page
reuse that SQL. The rows are those of the uncompiled filter, the region rule holds
(domain.md §1: a township's staff see only their township's tasks), and the compiled filter
stays right when the queryset becomes another statement's subquery (whose tables Django
renames: the SQL is then compiled again for the new names)."""

from __future__ import annotations

from types import SimpleNamespace

from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from tests.workspace.conftest import make_case, make_tasks
from workflows.core import scope
from workflows.core.viewsets import ScopedInboxView, ScopedQueueView
from workflows.dibao.flows import DibaoFlow


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


def _view(view_class, user):
    view = view_class(flow_class=DibaoFlow, viewset=None)
    view.request = SimpleNamespace(user=_fresh(user), GET={}, META={})
    view.args, view.kwargs = (), {}
    return view


def _both_townships(region, case_worker_a, case_worker_b):
    a, b = make_case(region.village_a), make_case(region.village_b)
    make_tasks(a, DibaoFlow.accept, 2)
    make_tasks(b, DibaoFlow.accept, 2)
    make_tasks(a, DibaoFlow.home_visit, 1, status=STATUS.ASSIGNED, owner=case_worker_a)
    make_tasks(b, DibaoFlow.home_visit, 1, status=STATUS.ASSIGNED, owner=case_worker_b)
    return a, b


def test_queue_and_inbox_list_their_township_only_and_the_uncompiled_rows(
    region, case_worker_a, case_worker_b, monkeypatch
):
    """Compiled once or not, the queue and the inbox list the same tasks, all of them the
    user's township's; the other township's tasks never appear (the negative)."""
    a, b = _both_townships(region, case_worker_a, case_worker_b)
    compiled = {
        cls: list(_view(cls, case_worker_a).queryset.values_list("pk", flat=True))
        for cls in (ScopedQueueView, ScopedInboxView)
    }
    monkeypatch.setattr("workflows.core.viewsets.where_compiled_once", lambda queryset: queryset)
    plain = {
        cls: list(_view(cls, case_worker_a).queryset.values_list("pk", flat=True))
        for cls in (ScopedQueueView, ScopedInboxView)
    }
    assert compiled == plain
    assert len(compiled[ScopedQueueView]) == 2 and len(compiled[ScopedInboxView]) == 1
    listed = set(
        Task.objects.filter(pk__in=[*compiled[ScopedQueueView], *compiled[ScopedInboxView]]).values_list(
            "process_id", flat=True
        )
    )
    assert listed == {a.pk}
    assert b.pk not in listed


def test_count_and_page_reuse_the_compiled_sql(region, case_worker_a, case_worker_b, monkeypatch):
    """The count and the page of the queue run the filter compiled when the queryset was
    built: compiling the WHERE again is not needed (and does not happen) for either."""
    _both_townships(region, case_worker_a, case_worker_b)
    queryset = _view(ScopedQueueView, case_worker_a).queryset
    recompiled = []
    compile_where = scope.CompiledWhere.as_sql

    def spy(self, compiler, connection):
        recompiled.append(self.sql is None)
        return compile_where(self, compiler, connection)

    monkeypatch.setattr(scope.CompiledWhere, "as_sql", spy)
    with CaptureQueriesContext(connection) as ctx:
        assert queryset.count() == 2
        assert len(list(queryset[:20])) == 2
    assert recompiled == [False, False]
    assert len(ctx.captured_queries) == 2


def test_as_a_subquery_the_filter_is_compiled_for_the_renamed_tables(region, case_worker_a, case_worker_b):
    """The queue as another statement's subquery (``Process.objects.filter(pk__in=
    queue.values("process_id"))``, where Django renames the queue's tables) lists the queue's
    cases only, township A's: the SQL compiled for the queue's own statement names its table
    as the outer statement would, so inside a subquery it is compiled again."""
    from viewflow.workflow.models import Process

    a, _b = _both_townships(region, case_worker_a, case_worker_b)
    queue = _view(ScopedQueueView, case_worker_a).queryset
    assert set(Process.objects.filter(pk__in=queue.values("process_id")).values_list("pk", flat=True)) == {a.pk}
    inside = str(Process.objects.filter(pk__in=queue.values("process_id")).query)
    assert '"viewflow_task".' not in inside  # every column of the subquery is named by its alias
