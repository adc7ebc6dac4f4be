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
    assert response.context["page"].paginator.count == 10
    _fill(region, case_worker_a, 99, 10, status=status, owner=owner, finished=done_at)
    client.get(url)
    with django_assert_num_queries(small):
        response = client.get(url + "?sort=due")
    assert response.context["page"].paginator.count == 1000
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
