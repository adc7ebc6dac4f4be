"""Task and flow events on the case chain, written inside viewflow's transaction.

viewflow sends ``task_started`` / ``task_finished`` / ``flow_started`` /
``flow_finished`` synchronously from inside the activation's transaction, so
the audit rows commit or roll back with the task change. Assigning,
unassigning, reassigning, cancelling, failing and reviving have no signal:
a ``pre_save`` receiver reads the row's stored status and owner (one indexed
SELECT, inside the same transaction) and ``post_save`` writes the event.

A Start task is saved only after ``task_started`` fires (the process may not
exist yet); its "task.started" is written when the task row is first saved.
"""

from __future__ import annotations

from django.db.models.signals import post_save, pre_save
from viewflow.workflow import signals as vf_signals
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows.core.audit import audit_record

# status a task moved to -> event action (for changes without a viewflow signal)
STATUS_ACTIONS = {
    STATUS.CANCELED: "task.cancelled",
    STATUS.ERROR: "task.failed",
    STATUS.REVIVED: "task.revived",
}


def _task_data(task, **extra) -> dict:
    node = task.flow_task
    data = {
        "node": getattr(node, "name", str(task.flow_task)),
        "task": task.pk,
        "status": str(task.status),
        "owner": task.owner_id,
    }
    data.update(extra)
    return data


def _record(action: str, task, *, actor=None, **extra) -> None:
    audit_record(
        action=action,
        target=task,
        actor=actor,
        process_id=task.process_id,
        data=_task_data(task, **extra),
    )


def on_task_started(sender, process, task, **kwargs):
    if task.pk is None or process.pk is None:
        task._history_start_pending = True  # written by on_task_saved
        return
    _record("task.started", task, actor=task.owner)


def on_task_finished(sender, process, task, **kwargs):
    # An End task sends task_finished twice (from activate() and complete()).
    if getattr(task, "_history_finished", False):
        return
    task._history_finished = True
    _record("task.finished", task, actor=task.owner, status=str(STATUS.DONE))


def on_flow_started(sender, process, task, **kwargs):
    audit_record(
        action="flow.started",
        target=process,
        actor=task.owner if task else None,
        process_id=process.pk,
        data={"flow": process.flow_class.instance.flow_label, "status": str(process.status)},
    )


def on_flow_finished(sender, process, task, **kwargs):
    audit_record(
        action="flow.finished",
        target=process,
        process_id=process.pk,
        data={"flow": process.flow_class.instance.flow_label, "status": str(process.status)},
    )


def before_task_saved(sender, instance, raw=False, **kwargs):
    if raw or not isinstance(instance, Task):
        return
    if instance.pk is None:
        instance._history_before = None
        return
    instance._history_before = Task._default_manager.filter(pk=instance.pk).values_list("status", "owner_id").first()


def on_task_saved(sender, instance, created, raw=False, **kwargs):
    if raw or not isinstance(instance, Task) or instance.process_id is None:
        return
    task = instance
    if created:
        if getattr(task, "_history_start_pending", False):
            task._history_start_pending = False
            _record("task.started", task, actor=task.owner)
        else:
            _record("task.created", task)
            if task.owner_id:
                _record("task.assigned", task, actor=None)
        return
    before = getattr(task, "_history_before", None)
    if before is None:
        return
    old_status, old_owner = before
    if old_owner != task.owner_id:
        # viewflow's assign() is always a user claiming the task for themselves.
        if old_owner is None:
            _record("task.assigned", task, actor=task.owner, previous_owner=None)
        elif task.owner_id is None:
            _record("task.unassigned", task, previous_owner=old_owner)
        else:
            _record("task.reassigned", task, previous_owner=old_owner)
    if old_status != task.status and task.status in STATUS_ACTIONS:
        _record(STATUS_ACTIONS[task.status], task, previous_status=str(old_status))


def connect() -> None:
    vf_signals.task_started.connect(on_task_started, dispatch_uid="history.task_started")
    vf_signals.task_finished.connect(on_task_finished, dispatch_uid="history.task_finished")
    vf_signals.flow_started.connect(on_flow_started, dispatch_uid="history.flow_started")
    vf_signals.flow_finished.connect(on_flow_finished, dispatch_uid="history.flow_finished")
    pre_save.connect(before_task_saved, dispatch_uid="history.task_pre_save")
    post_save.connect(on_task_saved, dispatch_uid="history.task_post_save")
