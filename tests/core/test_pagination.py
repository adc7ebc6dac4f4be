"""The per-flow task lists pick a page's rows before joining their cases (issue 19 item 4:
display columns after the LIMIT), and list exactly what slicing listed (domain.md §1: a
township's staff see only their township's tasks)."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from tests.workspace.conftest import make_case, make_tasks
from workflows.core.pagination import LimitFirstPaginator, limit_first
from workflows.core.viewsets import ScopedArchiveView, ScopedInboxView, ScopedQueueView
from workflows.dibao.flows import DibaoFlow
from workflows.dibao.models import DibaoProcess


def _view(view_class, user):
    view = view_class(flow_class=DibaoFlow, viewset=None)
    view.request = SimpleNamespace(user=type(user).objects.get(pk=user.pk), GET={}, META={})
    view.args, view.kwargs = (), {}
    return view


@pytest.fixture
def lists(region, case_worker_a):
    """Inbox, queue and archive rows over three cases of township A (more than two pages of
    each), the same kinds of rows in township B, every task at its own moment."""
    now = timezone.now()
    for village in (region.village_a, region.village_a2, region.village_a, region.village_b):
        case = make_case(village)
        make_tasks(case, DibaoFlow.propose, 9, status=STATUS.ASSIGNED, owner=case_worker_a)
        make_tasks(case, DibaoFlow.accept, 9)
        make_tasks(case, DibaoFlow.accept, 9, status=STATUS.DONE, owner=case_worker_a, finished=now)
    for i, pk in enumerate(Task.objects.order_by("pk").values_list("pk", flat=True)):
        Task.objects.filter(pk=pk).update(created=now - datetime.timedelta(minutes=i))
    return region


@pytest.mark.parametrize("view_class", [ScopedInboxView, ScopedQueueView, ScopedArchiveView])
def test_every_page_lists_what_slicing_listed(lists, case_worker_a, view_class):
    """Page by page (10 a page, the last one short), the same tasks in the same order as
    slicing the view's queryset; none of township B."""
    view = _view(view_class, case_worker_a)
    queryset = view.queryset.order_by("-created")
    paginator = view.get_paginator(queryset, 10)
    assert isinstance(paginator, LimitFirstPaginator)
    assert paginator.count == 27
    seen = []
    for number in paginator.page_range:
        page = [task.pk for task in paginator.page(number)]
        assert page == [task.pk for task in queryset[(number - 1) * 10 : number * 10]]
        seen += page
    assert len(seen) == len(set(seen)) == 27
    townships = set(DibaoProcess.objects.filter(task__pk__in=seen).values_list("township_id", flat=True))
    assert townships == {lists.township_a.pk}


def test_the_page_joins_cases_only_for_its_own_rows(lists, case_worker_a, django_assert_num_queries):
    """One statement for the page: the filter, order and LIMIT choose the ids in a subquery, and
    the process and case are joined outside it; the rows arrive with their cases (no query per row)."""
    view = _view(ScopedInboxView, case_worker_a)
    paginator = view.get_paginator(view.queryset.order_by("-created"), 10)
    assert paginator.count == 27
    with CaptureQueriesContext(connection) as ctx:
        rows = list(paginator.page(2))
    (sql,) = [q["sql"] for q in ctx.captured_queries]
    subquery = sql.index("IN (SELECT")
    assert sql.index("LIMIT") > subquery  # the LIMIT belongs to the ids
    assert "viewflow_process" in sql[:subquery] and "dibao_dibaoprocess" in sql[:subquery]
    with django_assert_num_queries(0):
        assert all(task.process.dibaoprocess.case_number for task in rows)


def test_what_an_ids_subquery_cannot_carry_is_sliced_as_it_is(lists):
    """An annotated queryset (the case list's open-task count) or one without joins to defer is
    sliced exactly as before."""
    annotated = DibaoProcess.objects.select_related("township").annotate(n=Count("task")).order_by("-created")
    assert str(limit_first(annotated, 0, 5).query) == str(annotated[0:5].query)
    plain = Task.objects.order_by("-created")
    assert str(limit_first(plain, 5, 10).query) == str(plain[5:10].query)
