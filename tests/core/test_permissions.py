"""Region scope everywhere (domain.md §1): out of scope is a 404 that never reveals the case."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from tests.skeleton.test_flow import open_case
from workflows.core.admin_mixins import ScopedAdminMixin
from workflows.core.cases import CaseTask
from workflows.core.driving import open_tasks
from workflows.core.models.staff import Role
from workflows.core.permissions import assignment_grant, assignment_revoke
from workflows.core.scope import user_scope
from workflows.skeleton.flows import SkeletonFlow
from workflows.skeleton.models import SkeletonProcess


@pytest.fixture
def case_a(region, case_worker_a):
    return open_case(case_worker_a, region.village_a)


def _case_urls(process):
    task = open_tasks(process, SkeletonFlow.review).get()
    start = process.task_set.get(flow_task=SkeletonFlow.start)
    urls = [
        reverse("cases:skeleton:process_detail", args=[process.pk]),
        reverse("cases:skeleton:process_chart", args=[process.pk]),
        reverse("cases:skeleton:start:detail", args=[process.pk, start.pk]),
    ]
    urls += [
        reverse(f"cases:skeleton:review:{a}", args=[process.pk, task.pk])
        for a in ("index", "detail", "assign", "execute")
    ]
    return urls


def test_township_b_gets_404_on_township_a_case(case_a, approver_b, case_worker_b, client_for):
    """Acceptance: a township-B user gets 404 (not 403) on every page and task URL of township A's case."""
    for user in (approver_b, case_worker_b):
        client = client_for(user)
        for url in _case_urls(case_a):
            assert client.get(url).status_code == 404, url


def test_township_a_and_county_see_the_case(case_a, approver_a, county_officer, auditor, client_for):
    """Positive counterpart: township A's approver and the county's staff open the case page."""
    url = reverse("cases:skeleton:process_detail", args=[case_a.pk])
    for user in (approver_a, county_officer, auditor):
        assert client_for(user).get(url).status_code == 200


def test_village_assistant_sees_only_their_village(region, case_worker_a, village_assistant_a, client_for):
    """A village assistant sees cases of their village, not of the neighbouring village."""
    own = open_case(case_worker_a, region.village_a)
    other = open_case(case_worker_a, region.village_a2)
    client = client_for(village_assistant_a)
    assert client.get(reverse("cases:skeleton:process_detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("cases:skeleton:process_detail", args=[other.pk])).status_code == 404


def test_task_of_other_case_cannot_ride_on_an_in_scope_url(
    region, case_worker_a, case_worker_b, approver_a, client_for
):
    """An in-scope process_pk carrying an out-of-scope task_pk answers 404."""
    mine = open_case(case_worker_a, region.village_a)
    theirs = open_case(case_worker_b, region.village_b)
    foreign = open_tasks(theirs, SkeletonFlow.review).get()
    url = reverse("cases:skeleton:review:detail", args=[mine.pk, foreign.pk])
    assert client_for(approver_a).get(url).status_code == 404


def test_lists_and_queue_are_scoped(case_a, approver_a, approver_b):
    """Queues, inboxes and process lists never contain another township's case."""
    assert CaseTask.objects.queue([SkeletonFlow], approver_a).filter(process_id=case_a.pk).exists()
    assert not CaseTask.objects.queue([SkeletonFlow], approver_b).filter(process_id=case_a.pk).exists()
    assert not SkeletonProcess.objects.filter(user_scope(approver_b).case_filter(), pk=case_a.pk).exists()


def test_scope_follows_assignments(region, case_worker_a):
    """Scope is derived from staff assignments, their only writer: revoking one withdraws it."""
    assert user_scope(case_worker_a).township_ids == {region.township_a.pk}
    extra = assignment_grant(user=case_worker_a, role=Role.AUDITOR, region=region.county)
    assert user_scope(case_worker_a).township_ids == {region.township_a.pk, region.township_b.pk}
    assignment_revoke(assignment=extra)
    fresh = type(case_worker_a).objects.get(pk=case_worker_a.pk)  # scope is cached per user object (request)
    assert user_scope(fresh).township_ids == {region.township_a.pk}


def test_outsider_has_no_scope(outsider, case_a, client_for):
    """A user without assignment sees no case and cannot open the flow."""
    assert user_scope(outsider).is_empty
    assert client_for(outsider).get(reverse("cases:skeleton:process_detail", args=[case_a.pk])).status_code == 404


def test_scoped_admin_mixin_filters_for_non_superusers(region, case_worker_a, case_worker_b):
    """ScopedAdminMixin: a staff admin user sees only cases of their regions; a superuser sees all."""
    a = open_case(case_worker_a, region.village_a)
    b = open_case(case_worker_b, region.village_b)

    class CaseAdmin(ScopedAdminMixin, admin.ModelAdmin):
        pass

    model_admin = CaseAdmin(SkeletonProcess, admin.site)
    request = RequestFactory().get("/admin/")
    request.user = case_worker_a
    assert set(model_admin.get_queryset(request).values_list("pk", flat=True)) == {a.pk}
    case_worker_a.is_superuser = True
    assert set(model_admin.get_queryset(request).values_list("pk", flat=True)) == {a.pk, b.pk}
