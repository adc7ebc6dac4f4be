"""Separation of duties enforced by the engine (domain.md §1; MSL 11, 16, 20)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tests.factories import make_id_number
from tests.skeleton.test_flow import open_case, review
from workflows.core.cases import CaseTask
from workflows.core.driving import open_tasks
from workflows.core.models import CaseActorRecord, StaffProfile, StaffRelative
from workflows.core.models.staff import Role
from workflows.core.permissions import assignment_grant
from workflows.core.separation import ERR_SEPARATION, actors_of, excluded_tasks_q, forbidden_nodes
from workflows.skeleton.flows import SkeletonFlow
from workflows.skeleton.models import SkeletonProcess


@pytest.fixture
def worker_also_approver(region, case_worker_a):
    """A township A case worker who also holds the approver role (one person, two roles)."""
    assignment_grant(user=case_worker_a, role=Role.APPROVER, region=region.township_a)
    return case_worker_a


def _task_url(task, action):
    return reverse(f"cases:skeleton:{task.flow_task.name}:{action}", args=[task.process_id, task.pk])


def test_finishing_a_human_task_records_its_actor(region, case_worker_a, approver_a):
    """Finishing a human task writes a CaseActorRecord (user, node, kind) in the same transaction."""
    process = open_case(case_worker_a, region.village_a)
    review(open_tasks(process, SkeletonFlow.review).get(), approver_a)
    rows = set(CaseActorRecord.objects.filter(process_id=process.pk).values_list("node_name", "user_id", "role_kind"))
    assert rows == {("start", case_worker_a.pk, "opened"), ("review", approver_a.pk, "approved")}


def test_actors_of_answers_for_many_cases_in_one_query(
    region, case_worker_a, case_worker_a2, approver_a, django_assert_num_queries
):
    """``actors_of`` (used by the sampling draw: an approver never reviews their own decision, MSL 20)
    returns who finished the given nodes of each case, in one query, patterns allowed."""
    p1 = open_case(case_worker_a, region.village_a)
    p2 = open_case(case_worker_a2, region.village_a)
    review(open_tasks(p1, SkeletonFlow.review).get(), approver_a)
    with django_assert_num_queries(1):
        got = actors_of([p1.pk, p2.pk], ["rev*"])
    assert got == {p1.pk: {approver_a.pk}}
    assert actors_of([p1.pk, p2.pk], ["start"]) == {p1.pk: {case_worker_a.pk}, p2.pk: {case_worker_a2.pk}}


def test_declared_rules_expand_patterns_against_the_flow():
    """``separation_rules`` patterns are matched against the flow's node names."""
    assert forbidden_nodes(SkeletonFlow, "review") == {"start"}
    assert forbidden_nodes(SkeletonFlow, "start") == set()


def test_opener_does_not_see_review_in_queue(region, worker_also_approver, approver_a):
    """The case's opener, though an approver, does not find its review task in their queue;
    another approver of the township does (domain.md §1)."""
    process = open_case(worker_also_approver, region.village_a)
    task = open_tasks(process, SkeletonFlow.review).get()
    assert not CaseTask.objects.queue([SkeletonFlow], worker_also_approver).filter(pk=task.pk).exists()
    assert CaseTask.objects.queue([SkeletonFlow], approver_a).filter(pk=task.pk).exists()


def test_opener_is_refused_by_url_with_a_clear_message(region, worker_also_approver, client_for):
    """Opening the review task's assign or execute URL directly answers 403 with the
    translated separation-of-duties message (the case is in scope, so no 404)."""
    process = open_case(worker_also_approver, region.village_a)
    task = open_tasks(process, SkeletonFlow.review).get()
    client = client_for(worker_also_approver)
    for action in ("assign", "execute"):
        response = client.get(_task_url(task, action))
        assert response.status_code == 403
        assert str(ERR_SEPARATION) in response.content.decode()
    assert client.get(_task_url(task, "detail")).status_code == 200
    assert client.post(_task_url(task, "assign")).status_code == 403
    assert open_tasks(process, SkeletonFlow.review).get().owner_id is None


def test_other_approver_may_claim_by_url(region, worker_also_approver, approver_a, client_for):
    """Positive counterpart: an approver who did not open the case claims the review by URL."""
    process = open_case(worker_also_approver, region.village_a)
    task = open_tasks(process, SkeletonFlow.review).get()
    response = client_for(approver_a).post(_task_url(task, "assign"))
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.owner_id == approver_a.pk


def test_staff_related_to_household_excluded_from_every_node(region, case_worker_a, approver_a, monkeypatch):
    """Nobody acts on a case of their own household or of a declared near relative (MSL 11, 20):
    a declared relative's ID number in the household excludes the staff member from every node."""
    relative_id = make_id_number(seq=321)
    own_id = make_id_number(seq=123)
    StaffRelative.objects.create(user=approver_a, id_number=relative_id, relation=StaffRelative.Relation.SIBLING)
    StaffProfile.objects.create(user=case_worker_a, id_number=own_id)
    process = open_case(case_worker_a, region.village_a)
    task = open_tasks(process, SkeletonFlow.review).get()

    monkeypatch.setattr(SkeletonProcess, "household_id_numbers", lambda self: {relative_id})
    assert approver_a.pk in process.excluded_actor_ids("review")
    assert approver_a.pk in process.excluded_actor_ids("start")
    with pytest.raises(PermissionDenied):
        review(task, approver_a)

    monkeypatch.setattr(SkeletonProcess, "household_id_numbers", lambda self: {own_id})
    assert case_worker_a.pk in process.excluded_actor_ids("any_node")
    assert approver_a.pk not in process.excluded_actor_ids("review")


def test_queue_query_count_does_not_grow_with_tasks(
    region, case_worker_a, approver_a, client_for, django_assert_num_queries
):
    """The queue page filters separation of duties in SQL: the same number of queries for 5 and 50 tasks."""
    client = client_for(approver_a)
    url = reverse("cases:skeleton:queue")

    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(5):
        open_case(case_worker_a, region.village_a)
    client.get(url)  # warm caches (content types, sessions)
    five = count_queries()
    for _ in range(45):
        open_case(case_worker_a, region.village_a)
    assert CaseTask.objects.queue([SkeletonFlow], approver_a).count() == 50
    with django_assert_num_queries(five):
        assert client.get(url).status_code == 200


def test_excluded_tasks_q_matches_node_check(region, worker_also_approver, approver_a):
    """The SQL rule and the per-case rule agree: the excluded task is exactly the opener's review."""
    mine = open_case(worker_also_approver, region.village_a)
    other = open_case(worker_also_approver, region.village_a2)
    excluded = set(
        CaseTask.objects.filter(excluded_tasks_q([SkeletonFlow], worker_also_approver)).values_list(
            "process_id", flat=True
        )
    )
    assert excluded == {mine.pk, other.pk}
    assert not CaseTask.objects.filter(excluded_tasks_q([SkeletonFlow], approver_a)).exists()
