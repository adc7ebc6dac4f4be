"""Helpers for the sampling tests: real (skeleton) cases registered as township approvals."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest

from tests.skeleton.test_flow import open_case, review
from workflows.core.driving import complete_task, open_tasks
from workflows.sampling import services
from workflows.sampling.flows import SamplingReviewFlow
from workflows.sampling.models import SamplingReviewProcess
from workflows.skeleton.flows import SkeletonFlow

_numbers = itertools.count(1)


def approve(
    worker,
    approver,
    village,
    *,
    approved_on=datetime.date(2026, 7, 15),
    programme="dibao",
    monthly_amount=Decimal("450.00"),
    payment_starts=datetime.date(2026, 8, 1),
    one_off_amount=None,
    staff_relative=False,
    rule_versions=None,
):
    """A real viewflow case opened by ``worker`` and approved by ``approver``, then registered."""
    process = open_case(worker, village, summary=f"抽查样本 {next(_numbers)}")
    review(open_tasks(process, SkeletonFlow.review).get(), approver)
    return services.approval_register(
        process_id=process.pk,
        programme=programme,
        county=village.township.county,
        township=village.township,
        village=village,
        case_number=process.case_number,
        approved_on=approved_on,
        approved_by_id=approver.pk,
        actor_ids=[worker.pk, approver.pk],
        monthly_amount=monthly_amount,
        payment_starts=payment_starts,
        one_off_amount=one_off_amount,
        staff_relative=staff_relative,
        rule_versions=rule_versions or {},
        finance_check_id=None,
        actor=approver,
    )


JULY = (datetime.date(2026, 7, 1), datetime.date(2026, 7, 31))
AFTER_JULY = datetime.date(2026, 8, 3)


def draw_july(county, *, seed=12345, start_reviews=True):
    """Draw July 2026 for ``county`` and start the review cases (as the on-commit job would)."""
    from workflows.sampling.tasks import start_reviews as start_reviews_task

    draw = services.draw_run(
        county=county, period_start=JULY[0], period_end=JULY[1], seed=seed, today=AFTER_JULY, start_reviews=False
    )
    if start_reviews:
        start_reviews_task(draw.pk)
    return draw


def review_of(record) -> SamplingReviewProcess:
    return SamplingReviewProcess.objects.get(drawn_case__record=record)


def decide(process, user, finding, *, note="", instructions="", today=None, node=None):
    node = node or SamplingReviewFlow.review
    task = open_tasks(process, node).get()
    return complete_task(
        task,
        user=user,
        perform=lambda p: services.review_decide(
            process=p, finding=finding, note=note, instructions=instructions, actor=user, today=today
        ),
    )


def correct(process, user, report="已按要求整改"):
    task = open_tasks(process, SamplingReviewFlow.township_correction).get()
    return complete_task(
        task, user=user, perform=lambda p: services.correction_complete(process=p, report=report, actor=user)
    )


@pytest.fixture
def approvals(region, case_worker_a, approver_a, case_worker_b, approver_b):
    """Ten July approvals: seven in township A, three in township B."""
    records = [approve(case_worker_a, approver_a, region.village_a) for _ in range(7)]
    records += [approve(case_worker_b, approver_b, region.village_b) for _ in range(3)]
    return records
