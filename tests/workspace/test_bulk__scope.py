"""Bulk claim, release and reassign name only cases the actor may see (issue 18 item 6):
another township's task ids are answered exactly like task ids that do not exist."""

from __future__ import annotations

import pytest
from django.db.models import Max

from tests.dibao.conftest import file_case, task_of
from workflows.core.cases import CaseTask
from workflows.workspace import services
from workflows.workspace.services import ERR_TASK_UNKNOWN


@pytest.fixture
def cases_b(region, case_worker_b):
    """Three township-B dibao cases waiting at acceptance, one claimed by B's worker."""
    cases = [file_case(case_worker_b, region.village_b) for _ in range(3)]
    services.task_claim(task_pk=task_of(cases[0], "accept").pk, actor=case_worker_b)
    return cases


def _b_tasks(cases_b):
    return [task_of(p, "accept") for p in cases_b]


def _missing_pks(n):
    top = CaseTask.objects.aggregate(m=Max("pk"))["m"] or 0
    return [top + 1000 + i for i in range(n)]


@pytest.mark.parametrize("action", ["claim", "release", "reassign"])
def test_foreign_task_ids_are_reported_like_missing_ones(
    action, cases_b, case_worker_a, case_worker_a2, approver_a, region
):
    """A township-A user posting township-B task ids learns no B case number: each is
    refused as "#<id>" with the same reason as an id that does not exist, and nothing changes."""
    foreign = _b_tasks(cases_b)
    before = {t.pk: (t.status, t.owner_id) for t in foreign}
    missing = _missing_pks(2)
    if action == "claim":
        result = services.tasks_claim(task_pks=[t.pk for t in foreign] + missing, actor=case_worker_a)
    elif action == "release":
        result = services.tasks_release(task_pks=[t.pk for t in foreign] + missing, actor=case_worker_a)
    else:
        result = services.tasks_reassign(
            task_pks=[t.pk for t in foreign] + missing, target=case_worker_a2, actor=approver_a
        )
    assert result.done == []
    expected = sorted((pk, f"#{pk}", str(ERR_TASK_UNKNOWN)) for pk in [t.pk for t in foreign] + missing)
    assert sorted(result.refused) == expected
    numbers = {p.case_number for p in cases_b}
    assert not numbers & {n for _pk, n, _r in result.refused}
    after = {t.pk: (t.status, t.owner_id) for t in CaseTask.objects.filter(pk__in=before)}
    assert after == before


def test_bulk_page_shows_no_foreign_case_number(cases_b, case_worker_a, approver_a, case_worker_a2, client_for):
    """Over HTTP the refusal message of claim and reassign carries no township-B case number."""
    foreign = [t.pk for t in _b_tasks(cases_b)]
    numbers = [p.case_number for p in cases_b]
    page = client_for(case_worker_a).post("/workspace/claim/", {"tasks": foreign}, follow=True)
    body = page.content.decode()
    assert page.status_code == 200 and "3 件未能领取" in body
    assert not [n for n in numbers if n in body]
    page = client_for(approver_a).post(
        "/workspace/reassign/", {"tasks": foreign, "target": case_worker_a2.pk}, follow=True
    )
    body = page.content.decode()
    assert not [n for n in numbers if n in body]


def test_own_refusals_still_name_the_case(region, case_worker_a, case_worker_a2):
    """A visible task that is refused (already claimed by a colleague) keeps its case number."""
    process = file_case(case_worker_a, region.village_a)
    task = task_of(process, "accept")
    services.task_claim(task_pk=task.pk, actor=case_worker_a2)
    result = services.tasks_claim(task_pks=[task.pk], actor=case_worker_a)
    assert result.refused == [(task.pk, process.case_number, str(services.ERR_CLAIM_DENIED))]


@pytest.mark.parametrize("url", ["/workspace/claim/", "/workspace/release/", "/workspace/reassign/"])
def test_task_numbers_beyond_the_database_range_are_refused_not_500(url, approver_a, client_for):
    """A task number larger than any primary key (found by the input fuzz) is a form
    error with the page's message, never a driver overflow."""
    client = client_for(approver_a)
    client.raise_request_exception = False
    page = client.post(url, {"tasks": [str(10**30)], "target": str(10**30)}, follow=True)
    assert page.status_code == 200
    assert "请选择" in page.content.decode()
