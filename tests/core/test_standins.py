"""Stand-ins (代理审批): a township approver hands their tasks to a colleague (domain.md §1)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories import UserFactory
from tests.skeleton.test_flow import open_case, review
from workflows.core.cases import CaseTask
from workflows.core.driving import assign_task, open_tasks
from workflows.core.models import AuditEvent, CaseActorRecord
from workflows.core.models.staff import Role
from workflows.core.permissions import assignment_grant
from workflows.core.standins import (
    ERR_STANDIN_NOT_APPROVER,
    ERR_STANDIN_OVERLAP,
    ERR_STANDIN_SELF,
    standin_create,
    standin_revoke,
)
from workflows.skeleton.flows import SkeletonFlow

TODAY = timezone.localdate


@pytest.fixture
def approver_a2(region):
    user = UserFactory(username="approver_a2")
    assignment_grant(user=user, role=Role.APPROVER, region=region.township_a)
    return user


@pytest.fixture
def assigned_review(region, case_worker_a, approver_a):
    """A review task of township A claimed by approver_a (then approver_a goes on leave)."""
    process = open_case(case_worker_a, region.village_a)
    task = open_tasks(process, SkeletonFlow.review).get()
    assign_task(task, user=approver_a)
    task.refresh_from_db()
    return task


def _standin(region, principal, deputy, days=3):
    return standin_create(
        principal=principal,
        deputy=deputy,
        township=region.township_a,
        start_date=TODAY(),
        end_date=TODAY() + datetime.timedelta(days=days),
        actor=principal,
    )


def test_deputy_sees_and_completes_principal_task_on_behalf(region, approver_a, approver_a2, assigned_review):
    """During the range the deputy finds the principal's task in their inbox and completes it;
    the audit reads "deputy on behalf of principal" and the actor record names both."""
    _standin(region, approver_a, approver_a2)
    assert CaseTask.objects.inbox([SkeletonFlow], approver_a2).filter(pk=assigned_review.pk).exists()
    review(assigned_review, approver_a2)
    assigned_review.refresh_from_db()
    assert assigned_review.owner_id == approver_a2.pk
    assert assigned_review.data["on_behalf_of"] == approver_a.pk
    event = AuditEvent.objects.get(chain=f"case:{assigned_review.process_id}", action="case.on_behalf")
    assert (event.actor_id, event.on_behalf_of_id) == (approver_a2.pk, approver_a.pk)
    record = CaseActorRecord.objects.get(task_id=assigned_review.pk)
    assert (record.user_id, record.on_behalf_of_id) == (approver_a2.pk, approver_a.pk)


def test_without_standin_colleague_cannot_execute(region, approver_a2, assigned_review):
    """Negative: without a stand-in, a colleague may not execute a task assigned to someone else."""
    assert not CaseTask.objects.inbox([SkeletonFlow], approver_a2).filter(pk=assigned_review.pk).exists()
    with pytest.raises(PermissionDenied):
        review(assigned_review, approver_a2)


def test_revoked_or_expired_standin_gives_nothing(region, approver_a, approver_a2, assigned_review):
    """A revoked stand-in, or one outside its date range, no longer lets the deputy act."""
    standin = _standin(region, approver_a, approver_a2)
    standin_revoke(standin=standin, actor=approver_a)
    with pytest.raises(PermissionDenied):
        review(assigned_review, approver_a2)
    later = standin_create(
        principal=approver_a,
        deputy=approver_a2,
        township=region.township_a,
        start_date=TODAY() + datetime.timedelta(days=10),
        end_date=TODAY() + datetime.timedelta(days=12),
        actor=approver_a,
    )
    assert later.pk
    assert not CaseTask.objects.inbox([SkeletonFlow], approver_a2).filter(pk=assigned_review.pk).exists()


def test_only_same_township_approvers_may_stand_in(region, approver_a, approver_b, case_worker_a):
    """The deputy must be an approver of the same township; nobody stands in for themselves."""
    for deputy in (approver_b, case_worker_a):
        with pytest.raises(ValidationError) as exc:
            _standin(region, approver_a, deputy)
        assert exc.value.messages == [str(ERR_STANDIN_NOT_APPROVER)]
    with pytest.raises(ValidationError) as exc:
        _standin(region, approver_a, approver_a)
    assert exc.value.messages == [str(ERR_STANDIN_SELF)]


def test_overlapping_standins_for_one_principal_refused(region, approver_a, approver_a2, case_worker_a2):
    """One principal has at most one stand-in on any day (one answer to "who acts for Y today")."""
    _standin(region, approver_a, approver_a2)
    assignment_grant(user=case_worker_a2, role=Role.APPROVER, region=region.township_a)
    with pytest.raises(ValidationError) as exc:
        _standin(region, approver_a, case_worker_a2)
    assert exc.value.messages == [str(ERR_STANDIN_OVERLAP)]


def test_creating_and_revoking_are_audited(region, approver_a, approver_a2):
    """Stand-in creation and revocation each write an audit event on the principal's staff chain."""
    standin = _standin(region, approver_a, approver_a2)
    standin_revoke(standin=standin, actor=approver_a)
    actions = list(AuditEvent.objects.filter(chain=f"staff:{approver_a.pk}").values_list("action", flat=True))
    assert actions[-2:] == ["standin.create", "standin.revoke"]


def test_deputy_still_bound_by_separation(region, approver_a, approver_a2, case_worker_a):
    """A deputy who opened the case may not review it even on the principal's behalf."""
    assignment_grant(user=approver_a2, role=Role.CASE_WORKER, region=region.township_a)
    process = open_case(approver_a2, region.village_a)
    task = open_tasks(process, SkeletonFlow.review).get()
    assign_task(task, user=approver_a)
    _standin(region, approver_a, approver_a2)
    task.refresh_from_db()
    with pytest.raises(PermissionDenied):
        review(task, approver_a2)


def test_deputy_executes_by_url(region, approver_a, approver_a2, assigned_review, client_for):
    """Through the web: the deputy's inbox lists the task and the execute page completes it on behalf."""
    from django.urls import reverse

    _standin(region, approver_a, approver_a2)
    client = client_for(approver_a2)
    inbox = client.get(reverse("cases:skeleton:inbox"))
    assert inbox.status_code == 200
    url = reverse("cases:skeleton:review:execute", args=[assigned_review.process_id, assigned_review.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"approved": "1", "note": "同意"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assigned_review.refresh_from_db()
    assert assigned_review.status == "DONE"
    assert AuditEvent.objects.filter(action="case.on_behalf", on_behalf_of=approver_a, actor=approver_a2).exists()
