"""The benchmarks' "bare viewflow" baseline really is bare (issue 11: the ratio must not
be flattered by our own receivers running inside the baseline)."""

from __future__ import annotations

import weakref
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.db.models.signals import post_save
from viewflow.workflow.status import STATUS

from bench.common import bare_viewflow
from tests import factories
from workflows.core.models import AuditEvent
from workflows.skeleton.baseline import BareFlow


def _our_receivers(signal) -> list:
    """The live receivers of ``signal`` defined in the project (``workflows.*``)."""
    found = []
    for entry in signal.receivers:
        receiver = entry[1]() if isinstance(entry[1], weakref.ReferenceType) else entry[1]
        if receiver is not None and (getattr(receiver, "__module__", "") or "").startswith("workflows."):
            found.append(receiver)
    return found


def _run_bare_case(user) -> None:
    request = SimpleNamespace(user=user)
    with transaction.atomic():
        act = BareFlow.start.activation_class.create(BareFlow.start, None, None)
        act.start(request)
        act.execute()
    task = BareFlow.task_class.objects.get(process=act.process, flow_task=BareFlow.review)
    with BareFlow.lock(act.process.pk), transaction.atomic():
        task.refresh_from_db()
        activation = task.flow_task.activation_class(task)
        activation.assign(user)
        activation.start(request)
        activation.execute()
    handle = BareFlow.task_class.objects.get(process=act.process, flow_task=BareFlow.receipt, status=STATUS.NEW)
    BareFlow.receipt.run(handle, receipt="x")
    act.process.refresh_from_db()
    assert act.process.status == STATUS.DONE


@pytest.mark.django_db(transaction=True)
def test_bare_baseline_runs_without_our_receivers_and_restores_them():
    """Outside the context the history receivers audit a bare viewflow case; inside it the
    same case writes no audit row; on exit every receiver is attached again."""
    user = factories.UserFactory(username="bench_bare")
    before = post_save.receivers[:]
    assert _our_receivers(post_save), "the project connects post_save receivers (history, workspace)"

    _run_bare_case(user)
    with_receivers = AuditEvent.objects.count()
    assert with_receivers > 0

    with bare_viewflow():
        assert _our_receivers(post_save) == []
        _run_bare_case(user)
        assert AuditEvent.objects.count() == with_receivers

    assert post_save.receivers == before
    _run_bare_case(user)
    assert AuditEvent.objects.count() > with_receivers


def test_receivers_come_back_after_an_error():
    """An exception inside the baseline still restores the receivers."""
    before = post_save.receivers[:]
    with pytest.raises(RuntimeError), bare_viewflow():
        raise RuntimeError("boom")
    assert post_save.receivers == before
