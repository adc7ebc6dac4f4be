"""The sampling review queue never lists what the engine refuses (domain.md §1; issue 18
item 9): the approval's approver and its other actors do not see the review or
re-review task in any queue, and whoever sees a task there may claim it."""

from __future__ import annotations

import pytest

from tests.dibao.conftest import approver_a2  # noqa: F401 - fixture
from tests.sampling.conftest import approve, draw_july, review_of
from workflows.core.cases import CaseTask
from workflows.core.driving import open_tasks
from workflows.core.models.staff import Role
from workflows.core.permissions import assignment_grant
from workflows.core.separation import excluded_tasks_q
from workflows.sampling.flows import SamplingReviewFlow
from workflows.sampling.models import SamplingReviewProcess
from workflows.workspace.selectors import queue_tasks


@pytest.fixture
def reviewers(region, case_worker_a, approver_a, county_reviewer):
    """The approval's worker and approver also hold the county reviewer role."""
    for user in (approver_a, case_worker_a):
        assignment_grant(user=user, role=Role.COUNTY_REVIEWER, region=region.county)
    return {"approver": approver_a, "investigator": case_worker_a, "colleague": county_reviewer}


@pytest.fixture
def review_task(region, reviewers):
    record = approve(reviewers["investigator"], reviewers["approver"], region.village_a)
    draw_july(region.county)
    return open_tasks(review_of(record), SamplingReviewFlow.review).get()


def _listed(user) -> set[int]:
    """Review tasks in ``user``'s viewflow queue and in the workspace queue."""
    viewflow = set(CaseTask.objects.queue([SamplingReviewFlow], user).values_list("pk", flat=True))
    workspace = set(queue_tasks(user).filter(process__flow_class=SamplingReviewFlow).values_list("pk", flat=True))
    return viewflow | workspace


@pytest.mark.parametrize("who", ["approver", "investigator"])
def test_parties_to_the_approval_never_see_its_review(reviewers, review_task, who):
    """SQL rule: the approver and the other actors of the approval do not get the review task
    listed, matching the node's own refusal."""
    user = reviewers[who]
    assert not review_task.flow_task.can_assign(user, review_task)
    assert review_task.pk not in _listed(user)
    assert CaseTask.objects.filter(pk=review_task.pk).filter(excluded_tasks_q([SamplingReviewFlow], user)).exists()


def test_a_colleague_sees_and_may_claim_it(reviewers, review_task):
    """The county reviewer who took no part sees the task and the engine lets them claim it."""
    user = reviewers["colleague"]
    assert review_task.pk in _listed(user)
    assert review_task.flow_task.can_assign(user, review_task)


def test_queue_lists_exactly_what_the_engine_allows(request, region, reviewers, case_worker_a2):
    """Over several approvals by different people: for every reviewer, each listed review
    task passes ``can_assign``, and each refused one is not listed."""
    second_approver = request.getfixturevalue("approver_a2")
    for user in (second_approver, case_worker_a2):
        assignment_grant(user=user, role=Role.COUNTY_REVIEWER, region=region.county)
    approve(reviewers["investigator"], reviewers["approver"], region.village_a)
    approve(case_worker_a2, second_approver, region.village_a)
    approve(reviewers["investigator"], second_approver, region.village_a2)
    draw_july(region.county)
    tasks = list(
        CaseTask.objects.filter(process__in=SamplingReviewProcess.objects.all(), flow_task=SamplingReviewFlow.review)
    )
    assert tasks  # the draw samples: at least one of the three, often more
    for user in [*reviewers.values(), second_approver, case_worker_a2]:
        listed = _listed(user)
        allowed = {t.pk for t in tasks if t.flow_task.can_assign(user, t)}
        assert listed & {t.pk for t in tasks} == allowed, user.username
