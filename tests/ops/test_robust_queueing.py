"""A broker outage when a job is published after commit no longer answers 500; the job is
sent again by requeue_stale_handles, which beat runs every minute (issue 18, item 8)."""

from __future__ import annotations

import datetime
import logging

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError
from viewflow.workflow.status import STATUS

from tests.skeleton.test_flow import open_case
from workflows.core.driving import open_tasks
from workflows.core.tasks import requeue_stale_handles
from workflows.skeleton import tasks as skeleton_tasks
from workflows.skeleton.flows import SkeletonFlow
from workflows.skeleton.models import SkeletonProcess


def broker_down(*args, **kwargs):
    # What kombu raises once its publish retries give up on an unreachable Redis.
    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.mark.django_db(transaction=True)
def test_broker_outage_after_commit_answers_redirect_and_is_requeued(
    region, case_worker_a, approver_a, client_for, monkeypatch, caplog
):
    """The approver's review commits, publishing its Celery job fails: the page still redirects
    (no 500), a warning names the task but not the case, the job's task stays NEW; once the
    broker is back the sweep re-sends it and the case finishes."""
    process = open_case(case_worker_a, region.village_a)
    task = open_tasks(process, SkeletonFlow.review).get()
    url = f"/staff/cases/skeleton/{process.pk}/review/{task.pk}/"
    client = client_for(approver_a)
    assert client.post(url + "assign/").status_code == 302
    monkeypatch.setattr(skeleton_tasks.fetch_registry_receipt, "delay", broker_down)
    with caplog.at_level(logging.WARNING, logger="workflows.core.queueing"):
        response = client.post(url + "execute/", {"approved": "1", "note": "同意"})
    assert response.status_code == 302
    warnings = [r.getMessage() for r in caplog.records if r.name == "workflows.core.queueing"]
    assert len(warnings) == 1
    assert "fetch_registry_receipt" in warnings[0] and "OperationalError" in warnings[0]
    assert process.case_number not in warnings[0]
    handle = process.task_set.get(flow_task=SkeletonFlow.registry_receipt)
    assert handle.status == STATUS.NEW  # the review is committed, the job was not sent

    monkeypatch.undo()  # the broker is back (eager Celery in tests)
    assert requeue_stale_handles() == 0  # younger than the staleness threshold: not yet
    type(handle).objects.filter(pk=handle.pk).update(created=timezone.now() - datetime.timedelta(minutes=3))
    assert requeue_stale_handles() == 1
    assert SkeletonProcess.objects.get(pk=process.pk).status == "DONE"


def test_requeue_runs_every_minute_with_a_threshold_of_minutes(settings):
    """Beat runs the sweep every minute and the default threshold is 2 minutes, so an outage
    heals within about 3 minutes of the broker coming back (it was 5 + 10). The broker's
    visibility timeout is set and outlasts the longest countdown we schedule (finance-check
    retry backoff), so Redis never hands a waiting task to a second worker."""
    assert settings.CELERY_BEAT_SCHEDULE["requeue-stale-handles"]["schedule"] == 60.0
    assert 0 < settings.QUEUED_HANDLE_STALE_MINUTES <= 3
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert visibility > settings.FINANCE_CHECK_RETRY_BACKOFF_MAX
