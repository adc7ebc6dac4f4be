"""Sampling demo: last month's draw for the demo county, with a review in every outcome.

Approvals come from the programme demos when they registered any; otherwise
(and in addition) skeleton cases are opened and approved through the
skeleton flow and registered as last month's township approvals. Reviews are
driven through the review flow with the county reviewer.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from functools import partial

from django.utils import timezone

from workflows.core.driving import complete_task, open_tasks, start_case

from . import services
from .flows import SamplingReviewFlow
from .models import ApprovalRecord, SamplingDraw, SamplingReviewProcess

DEMO_SEED = 20260701


def _last_month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    end = today.replace(day=1) - datetime.timedelta(days=1)
    return end.replace(day=1), end


def _skeleton_approvals(region, approved_on: datetime.date, payment_starts: datetime.date) -> None:
    from workflows.skeleton import demo as skeleton_demo
    from workflows.skeleton import services as skeleton_services
    from workflows.skeleton.flows import SkeletonFlow

    skeleton_demo.seed(region)  # the skeleton's own demo first, so its idempotency check still holds
    for slug, township in sorted(region.townships.items()):
        worker, approver = region.users[f"{slug}_worker"], region.users[f"{slug}_approver"]
        village = township.villages.order_by("code").first()
        for i in range(3):
            open_case = partial(skeleton_services.case_open, village=village, summary=f"抽查演示 {i + 1}", actor=worker)
            process = start_case(SkeletonFlow.start, user=worker, perform=lambda p, f=open_case: f(process=p))
            review = partial(skeleton_services.case_review, approved=True, note="同意", actor=approver)
            task = open_tasks(process, SkeletonFlow.review).get()
            complete_task(task, user=approver, perform=lambda p, f=review: f(process=p))
            services.approval_register(
                process_id=process.pk,
                programme="dibao",
                county=township.county,
                township=township,
                village=village,
                case_number=process.case_number,
                approved_on=approved_on,
                approved_by_id=approver.pk,
                actor_ids=[worker.pk, approver.pk],
                monthly_amount=Decimal("450.00") + 50 * i,
                payment_starts=payment_starts,
                one_off_amount=None,
                staff_relative=(slug == "hekou" and i == 0),
                rule_versions={},
                finance_check_id=None,
                actor=approver,
            )


def _decide(process, user, finding, **kwargs):
    node = SamplingReviewFlow.re_review if process.correction_rounds else SamplingReviewFlow.review
    task = open_tasks(process, node).get()
    perform = partial(services.review_decide, finding=finding, actor=user, **kwargs)
    return complete_task(task, user=user, perform=lambda p: perform(process=p))


def seed(region, stdout=None):
    county = region.county
    today = timezone.localdate()
    start, end = _last_month(today)
    if SamplingDraw.objects.filter(county=county, period_start=start).exists():
        if stdout:
            stdout.write(f"sampling draws: {SamplingDraw.objects.count()} (already seeded)")
        return
    if not ApprovalRecord.objects.filter(county=county, approved_on__range=(start, end)).exists():
        _skeleton_approvals(region, start + datetime.timedelta(days=14), today.replace(day=1))
    draw = services.draw_run(county=county, period_start=start, period_end=end, seed=DEMO_SEED, start_reviews=False)
    for drawn_case_pk in draw.cases.order_by("pk").values_list("pk", flat=True):
        services.review_start(drawn_case_pk=drawn_case_pk)

    reviewer = region.users["county_reviewer"]
    workers = {t.pk: region.users[f"{slug}_worker"] for slug, t in region.townships.items()}
    reviews = [
        p
        for p in SamplingReviewProcess.objects.filter(drawn_case__draw=draw).order_by("pk")
        if reviewer.pk not in p.excluded_actor_ids("review")
    ]
    outcomes = ["confirmed", "correction", "revoked"]
    for process, outcome in zip(reviews, outcomes, strict=False):
        if outcome == "correction":
            _decide(process, reviewer, "correction", note="家庭收入核算有误", instructions="重新核算收入并补充证明材料")
            worker = workers[process.township_id]
            task = open_tasks(process, SamplingReviewFlow.township_correction).get()
            report = partial(services.correction_complete, report="已重新核算并补充材料", actor=worker)
            complete_task(task, user=worker, perform=lambda p, f=report: f(process=p))
            process.refresh_from_db()
            _decide(process, reviewer, "confirmed", note="整改到位")
        elif outcome == "revoked":
            _decide(process, reviewer, "revoked", note="隐瞒经营收入，不符合保障条件")
        else:
            _decide(process, reviewer, "confirmed", note="符合条件")
    if stdout:
        stdout.write(f"sampling draw {start}–{end}: pool {draw.pool_size}, drawn {draw.drawn_count}, seed {draw.seed}")
