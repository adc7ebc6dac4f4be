"""Periodic work run by Celery beat. No business logic here.

``periodic`` is the one place that says "beat must run this": mark the task with it
(``@periodic`` above ``@shared_task``) and add its entry to ``CELERY_BEAT_SCHEDULE``
in project/settings/base.py. tests/core/test_beat_schedule.py fails while a marked
task has no entry, or an entry names a task that does not exist or is not marked.
"""

import datetime
import logging
from typing import TypeVar

from celery import Task, shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)

# Celery task name → task, filled at import of each app's tasks.py (Celery
# autodiscovers them; the test imports them all the same way).
PERIODIC_TASKS: dict[str, object] = {}


_T = TypeVar("_T", bound=Task)


def periodic(task: _T) -> _T:
    """Mark a Celery task as run by beat (see the module docstring); returns it unchanged."""
    PERIODIC_TASKS[task.name] = task
    return task


@periodic
@shared_task(acks_late=True)
def fire_workflow_timers() -> int:
    """Fire every due ``flow.Timer`` (deadlines, notice periods)."""
    from viewflow.workflow.timers import fire_due_timers

    fired = fire_due_timers()
    if fired:
        logger.info("fired %s workflow timers", fired)
    return fired


@periodic
@shared_task(acks_late=True)
def requeue_stale_handles(older_than_minutes: float | None = None) -> int:
    """Re-queue queued-handle jobs whose message was lost (e.g. broker down at commit).

    Safe to over-send: each job does nothing when its task is no longer NEW. Beat runs this
    every minute; the threshold (``QUEUED_HANDLE_STALE_MINUTES``) is long enough for a job
    that is merely slow (a finance check's retries take well under a minute).
    """
    from django.conf import settings
    from viewflow.workflow.models import Task

    if older_than_minutes is None:
        older_than_minutes = settings.QUEUED_HANDLE_STALE_MINUTES
    from viewflow.workflow.status import STATUS

    from .flows import QueuedHandle

    cutoff = timezone.now() - datetime.timedelta(minutes=older_than_minutes)
    count = 0
    for task in Task.objects.filter(flow_task_type="FUNCTION", status=STATUS.NEW, created__lt=cutoff):
        node = task.flow_task
        if isinstance(node, QueuedHandle) and node._job is not None:
            node._job.delay(task.pk)
            count += 1
    return count


@periodic
@shared_task(acks_late=True)
def refresh_holiday_calendar() -> int:
    """Copy newly published holidays from the chinesecalendar package (idempotent)."""
    from .working_days import load_from_library

    return load_from_library()
