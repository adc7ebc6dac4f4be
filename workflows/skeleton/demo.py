"""Skeleton cases: one waiting for review, one finished (driven through the flow)."""

from functools import partial

from workflows.core.driving import complete_task, open_tasks, start_case

from . import services
from .flows import SkeletonFlow
from .models import SkeletonProcess


def seed(region, stdout=None):
    for slug, township in region.townships.items():
        if SkeletonProcess.objects.filter(township=township).exists():
            continue
        worker, approver = region.users[f"{slug}_worker"], region.users[f"{slug}_approver"]
        village = township.villages.order_by("code").first()
        for i, finish in enumerate([False, True]):
            open_case = partial(services.case_open, village=village, summary=f"演示样板案件 {i + 1}", actor=worker)
            process = start_case(SkeletonFlow.start, user=worker, perform=lambda p, f=open_case: f(process=p))
            if finish:
                task = open_tasks(process, SkeletonFlow.review).get()
                review = partial(services.case_review, approved=True, note="同意", actor=approver)
                complete_task(task, user=approver, perform=lambda p, f=review: f(process=p))
    if stdout:
        stdout.write(f"skeleton cases: {SkeletonProcess.objects.count()}")
