"""Task and flow events on the case chain, written inside viewflow's transaction.

viewflow sends ``task_started`` / ``task_finished`` / ``flow_started`` /
``flow_finished`` synchronously from inside the activation's transaction, so
the audit rows commit or roll back with the task change. Assigning,
unassigning, reassigning, cancelling, failing and reviving have no signal:
``post_save`` compares the row's stored status and owner before the save with
the new ones and writes the event. The stored values come from
``_StoredTasks``: what this transaction last read (``post_init``) or wrote
(``post_save``) for the row; when it holds nothing trustworthy, ``pre_save``
reads the row (one indexed SELECT, inside the same transaction).

A Start task is saved only after ``task_started`` fires (the process may not
exist yet); its "task.started" is written when the task row is first saved.

Machine nodes that are created and finished inside one activation, without an
actor (If, Switch, Split, Function, End), get no "task.created": their
"task.finished" (and, for a Function, the "task.started" that brackets the
events its callback writes) carries the node, so replay and the flow chart
still show the path taken. Nodes that wait (Handle, Timer, Join, human tasks)
keep "task.created": the chart shows them waiting.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, router
from django.db.models.signals import post_init, post_save, pre_save
from viewflow.workflow import flow
from viewflow.workflow import signals as vf_signals
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows.core.audit import audit_record
from workflows.core.receivers import connect_models
from workflows.core.txmemo import TransactionMemo

# status a task moved to -> event action (for changes without a viewflow signal)
STATUS_ACTIONS = {
    STATUS.CANCELED: "task.cancelled",
    STATUS.ERROR: "task.failed",
    STATUS.REVIVED: "task.revived",
}


#: Nodes whose task is created, run and finished by one activation, with no actor.
INSTANT_NODE_TYPES = (flow.If, flow.Switch, flow.Split, flow.Function, flow.End)


def is_instant_node(node) -> bool:
    return isinstance(node, INSTANT_NODE_TYPES) and not isinstance(node, flow.Handle)


class _StoredTasks:
    """Status and owner of task rows as this transaction last read or wrote them.

    Kept in a ``TransactionMemo``: valid only inside the transaction that recorded them,
    and only until a savepoint rolls back; after that the rows are read again. Rows
    changed by another connection while this one holds no lock are not seen; viewflow
    changes tasks under the process lock.
    """

    def __init__(self):
        self._memo = TransactionMemo()

    def remember(self, alias: str, pk: int, status, owner_id) -> None:
        states = self._memo.current(alias)
        if states is not None:
            states[pk] = (status, owner_id)

    def recall(self, alias: str, pk: int) -> tuple | None:
        states = self._memo.current(alias)
        return states.get(pk) if states else None


_stored = _StoredTasks()


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
    if isinstance(task.flow_task, flow.End):
        return  # no actor; its "task.finished" and "flow.finished" follow in the same activation
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


def on_task_loaded(sender, instance, **kwargs):
    fields = instance.__dict__
    pk = fields.get(sender._meta.pk.attname)
    if pk is None or "status" not in fields or "owner_id" not in fields:
        return  # new or partly loaded: pre_save reads the row
    _stored.remember(router.db_for_read(sender) or DEFAULT_DB_ALIAS, pk, fields["status"], fields["owner_id"])


def before_task_saved(sender, instance, raw=False, using=None, **kwargs):
    if raw or not isinstance(instance, Task):
        return
    if instance.pk is None:
        instance._history_before = None
        return
    alias = using or instance._state.db or DEFAULT_DB_ALIAS
    before = _stored.recall(alias, instance.pk)
    if before is None:
        before = Task._default_manager.using(alias).filter(pk=instance.pk).values_list("status", "owner_id").first()
    instance._history_before = before


def on_task_saved(sender, instance, created, raw=False, using=None, **kwargs):
    if raw or not isinstance(instance, Task):
        return
    _stored.remember(using or instance._state.db or DEFAULT_DB_ALIAS, instance.pk, instance.status, instance.owner_id)
    if instance.process_id is None:
        return
    task = instance
    if created:
        if getattr(task, "_history_start_pending", False):
            task._history_start_pending = False
            _record("task.started", task, actor=task.owner)
        elif is_instant_node(task.flow_task) and not task.owner_id:
            pass  # recorded by its "task.finished" (see the module docstring)
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
    # Saves and loads of task rows only: each task model (viewflow's Task and the flows'
    # proxies, e.g. CaseTask), not every model of the project.
    connect_models(pre_save, before_task_saved, Task, dispatch_uid="history.task_pre_save")
    connect_models(post_save, on_task_saved, Task, dispatch_uid="history.task_post_save")
    connect_models(post_init, on_task_loaded, Task, dispatch_uid="history.task_post_init")
