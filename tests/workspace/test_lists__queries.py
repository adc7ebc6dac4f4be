"""Inbox, queue and archive cost the same number of queries with 10 and with 1,000 tasks
(issue 10 acceptance; domain.md §1 scope and separation are SQL, not per-row checks)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.status import STATUS

from tests.workspace.conftest import make_case, make_tasks
from workflows.dibao.flows import DibaoFlow


def _count(client, url) -> tuple[int, object]:
    client.get(url)  # warm the per-process caches (content types, url resolvers)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def _fill(region, user, per_case: int, cases: int, *, status, owner=None, finished=None):
    for i in range(cases):
        process = make_case(region.village_a if i % 2 else region.village_a2, name=f"申请人{i}")
        make_tasks(process, DibaoFlow.accept, per_case, status=status, owner=owner, finished=finished)


def _assert_total(response, n):
    """Lists show their total; the archive (long, append-only) only knows whether a next page exists."""
    page = response.context["page"]
    if page.paginator is None:
        assert page.has_next() == (n > 20) and page.number == 1
    else:
        assert page.paginator.count == n


@pytest.mark.parametrize(
    ("url", "status", "owned", "finished"),
    [
        ("/workspace/queue/", STATUS.NEW, False, False),
        ("/workspace/inbox/", STATUS.ASSIGNED, True, False),
        ("/workspace/archive/", STATUS.DONE, True, True),
    ],
)
def test_list_query_count_is_constant(
    region, case_worker_a, client_for, django_assert_num_queries, url, status, owned, finished
):
    """The same page issues the same number of queries with 10 tasks as with 1,000."""
    from django.utils import timezone

    client = client_for(case_worker_a)
    owner = case_worker_a if owned else None
    done_at = timezone.now() if finished else None
    _fill(region, case_worker_a, 5, 2, status=status, owner=owner, finished=done_at)
    small, response = _count(client, url)
    _assert_total(response, 10)
    _fill(region, case_worker_a, 99, 10, status=status, owner=owner, finished=done_at)
    client.get(url)
    with django_assert_num_queries(small):
        response = client.get(url + "?sort=due")
    _assert_total(response, 1000)
    assert len(response.context["rows"]) == 20
    print(f"\n{url}: {small} queries for 10 and for 1,000 tasks")


def test_filters_keep_the_query_count(region, case_worker_a, client_for, django_assert_num_queries):
    """Searching and filtering is in SQL: same count with every filter on."""
    client = client_for(case_worker_a)
    _fill(region, case_worker_a, 5, 2, status=STATUS.NEW)
    base, _ = _count(client, "/workspace/queue/")
    url = (
        f"/workspace/queue/?q=申请人&flow=dibao&stage=dibao/accept&village={region.village_a.pk}"
        "&due_before=2099-01-01&overdue=on&staff_relative=on&assist_first=on&sort=-due"
    )
    client.get(url)
    with django_assert_num_queries(base):
        client.get(url)


def test_team_page_query_count_is_constant(region, approver_a, client_for, django_assert_num_queries):
    """The supervisor's township list (改派) also costs the same with 10 and with 1,000 tasks."""
    client = client_for(approver_a)
    _fill(region, approver_a, 5, 2, status=STATUS.NEW)
    small, response = _count(client, "/workspace/team/")
    assert response.context["page"].paginator.count == 10
    _fill(region, approver_a, 99, 10, status=STATUS.NEW)
    client.get("/workspace/team/")
    with django_assert_num_queries(small):
        response = client.get("/workspace/team/")
    assert response.context["page"].paginator.count == 1000


def test_display_columns_are_joined_after_the_limit(region, case_worker_a, client_for):
    """The queue page picks its 20 task ids in a LIMITed subquery that joins no display table;
    township, village and owner are joined to those rows only (issue 19 item 4), and the rows
    are the list's first 20 in its order (deadline, then newest)."""
    import datetime

    from django.utils import timezone

    client = client_for(case_worker_a)
    today = timezone.localdate()
    for i in range(25):
        process = make_case(region.village_a, name=f"申请人{i}", due_on=today + datetime.timedelta(days=30 - i))
        make_tasks(process, DibaoFlow.accept, 1, status=STATUS.NEW)
    client.get("/workspace/queue/")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/workspace/queue/")
    page_sql = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith('SELECT "viewflow_task"') and '"core_village"."name"' in q["sql"]
    ]
    assert len(page_sql) == 1
    sql = page_sql[0]
    outer, found, ids = sql.partition('"viewflow_task"."id" IN (SELECT ')
    assert found, sql  # the page's ids are a subquery of the display query
    assert "LIMIT 20" in ids and "core_township" not in ids and "auth_user" not in ids, sql
    assert "core_township" in outer and "auth_user" in outer, sql
    assert "LIMIT" not in sql[sql.rindex(")") :], sql  # the display query reads those rows, no LIMIT of its own
    from workflows.workspace import selectors

    in_one_query = selectors.apply_filters(selectors.queue_tasks(case_worker_a), selectors.Filters())[:20]
    assert [row.task.pk for row in response.context["rows"]] == [t.pk for t in in_one_query]


def test_queue_permission_lookups_do_not_grow_with_object_permissions(
    region, case_worker_a, client_for, django_assert_num_queries
):
    """The queue reads the user's object permissions once, for the region scope and for
    viewflow's per-object permission set together (docs/performance.md, finding 3):
    a user holding more object permissions costs no extra query (viewflow's own lookup
    loads each row's content type and permission, two queries per row)."""
    from guardian.shortcuts import assign_perm

    client = client_for(case_worker_a)
    _fill(region, case_worker_a, 5, 2, status=STATUS.NEW)
    base, _ = _count(client, "/workspace/queue/")
    for village in (region.village_b, region.village_a2):  # three more object permissions
        assign_perm("core.view_village_cases", case_worker_a, village)
    assign_perm("core.act_case_worker", case_worker_a, region.township_b)
    client.get("/workspace/queue/")
    with django_assert_num_queries(base):
        client.get("/workspace/queue/")


def test_primed_object_permission_set_is_viewflows(region, case_worker_a, approver_a):
    """``prime_viewflow_object_perms`` fills the same ``app.codename_pk`` set viewflow's
    ``user_queue`` computes itself (user and group object permissions)."""
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm
    from viewflow.workflow.models import Task

    from workflows.core.scope import prime_viewflow_object_perms

    group = Group.objects.create(name="township-a-helpers")
    assign_perm("core.act_approver", group, region.township_b)
    case_worker_a.groups.add(group)
    sets = {}
    for user in (case_worker_a, approver_a):
        fresh = type(user).objects.get(pk=user.pk)
        list(Task.objects.user_queue(fresh))  # viewflow computes and caches its set
        expected = fresh._viewflow_per_object_perm_cache
        primed = type(user).objects.get(pk=user.pk)
        prime_viewflow_object_perms(primed)
        assert primed._viewflow_per_object_perm_cache == expected
        sets[user.username] = expected
    assert f"core.act_approver_{region.township_b.pk}" in sets[case_worker_a.username]  # the group's row
    assert f"core.act_approver_{region.township_a.pk}" in sets[approver_a.username]  # a user row


def test_case_list_counts_open_tasks_without_joining_them(region, case_worker_a):
    """viewflow's per-flow case list shows each case's number of unfinished tasks; the
    paginator's count no longer joins every task of the township's cases (finding 1):
    the open-task count is a per-row subquery that ``count()`` drops."""
    from types import SimpleNamespace

    from django.utils import timezone

    from workflows.core.viewsets import ScopedProcessListView

    first = make_case(region.village_a)
    make_tasks(first, DibaoFlow.accept, 3, status=STATUS.NEW)
    make_tasks(first, DibaoFlow.accept, 2, status=STATUS.DONE, finished=timezone.now())
    second = make_case(region.village_a2)
    make_tasks(second, DibaoFlow.accept, 1, status=STATUS.DONE, finished=timezone.now())
    make_case(region.village_b)  # another township: not listed

    view = ScopedProcessListView(flow_class=DibaoFlow, viewset=None)
    view.request = SimpleNamespace(user=case_worker_a, GET={}, META={})
    view.args, view.kwargs = (), {}
    qs = view.get_queryset()
    assert {p.pk: p.active_tasks_count for p in qs} == {first.pk: 3, second.pk: 0}
    with CaptureQueriesContext(connection) as ctx:
        assert view.get_queryset().count() == 2
    assert "viewflow_task" not in ctx.captured_queries[-1]["sql"]


def test_primed_object_permissions_follow_a_grant_on_the_same_user(region, case_worker_a):
    """A grant clears the cached scope (``permissions.py``), and with it the object
    permissions the queue's set is built from: no stale set on the same user object."""
    from workflows.core.models.staff import Role
    from workflows.core.permissions import assignment_grant
    from workflows.core.scope import prime_viewflow_object_perms, user_scope

    assert region.township_b.pk not in user_scope(case_worker_a).township_ids
    assignment_grant(user=case_worker_a, role=Role.CASE_WORKER, region=region.township_b)
    prime_viewflow_object_perms(case_worker_a)
    assert f"core.act_case_worker_{region.township_b.pk}" in case_worker_a._viewflow_per_object_perm_cache
    assert region.township_b.pk in user_scope(case_worker_a).township_ids


def test_archive_pages_without_an_exact_count(region, case_worker_a, client_for):
    """The archive reads one row past the page instead of counting every finished task
    (docs/performance.md, finding 2): page 1 links to page 2, the last page links back
    only, and a page past the end is empty rather than an error."""
    from django.utils import timezone

    client = client_for(case_worker_a)
    _fill(region, case_worker_a, 5, 5, status=STATUS.DONE, owner=case_worker_a, finished=timezone.now())  # 25 rows
    first = client.get("/workspace/archive/")
    page = first.context["page"]
    assert page.paginator is None and page.has_next() and not page.has_previous()
    assert len(first.context["rows"]) == 20
    body = first.content.decode()
    assert "共" not in body.split("</h1>")[0] and "第 1 页" in body and "page=2" in body
    second = client.get("/workspace/archive/?page=2")
    assert len(second.context["rows"]) == 5
    assert not second.context["page"].has_next() and second.context["page"].has_previous()
    assert client.get("/workspace/archive/?page=9").context["rows"] == []
    assert client.get("/workspace/archive/?page=abc").context["page"].number == 1
