"""Drive human tasks from code exactly as the views do, permission checks included.

Used by ``seed_demo`` (cases in every stage are made by driving the real
flows, never by writing rows) and by tests. ``perform`` is the service call a
node's view would make; it receives the coerced process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from viewflow.workflow.status import STATUS

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from viewflow.workflow.base import Node
    from viewflow.workflow.models import Process, Task

    from .types import Staff


@contextmanager
def _one_rollback_point() -> Iterator[None]:
    """While ``perform`` runs inside the driver's transaction: the service's own ``atomic``,
    opened directly in that transaction, takes no savepoint (a SAVEPOINT/RELEASE pair per
    step fewer, issue 19). Nothing here catches ``perform``'s exceptions: a failing service
    fails the driver's whole transaction, so a rollback point of its own would never be
    used. Only the first such block is spared, and only at the driver's depth; every block
    nested inside it (a receiver that catches its own failure) keeps its savepoint. Were
    that first block one that swallowed its failure, the transaction would be marked for
    rollback and the step fail (Django's ``savepoint=False`` rule), never half-commit."""
    connection = transaction.get_connection()
    depth, create = len(connection.atomic_blocks), connection.savepoint
    outer = connection.__dict__.get("savepoint")  # a driver call inside ``perform`` nests
    spared = False

    def savepoint() -> str | None:
        nonlocal spared
        # ``Atomic.__enter__`` asks for its savepoint before it joins ``atomic_blocks``.
        if not spared and len(connection.atomic_blocks) == depth:
            spared = True
            return None  # ``Atomic`` then treats the block as ``savepoint=False``
        return create()

    connection.savepoint = savepoint
    try:
        yield
    finally:
        if outer is None:
            del connection.savepoint  # the class's method again
        else:
            connection.savepoint = outer


def start_case(start_node: Node, *, user: Staff, perform: Callable) -> object:
    """Run a ``flow.Start`` node as ``user``; returns the new process."""
    if not start_node.can_execute(user):
        raise PermissionDenied(f"{user} may not start {start_node.flow_class.__name__}")
    from .flows import new_case_held

    with transaction.atomic():
        activation = start_node.activation_class.create(start_node, None, None)
        activation.start(SimpleNamespace(user=user))
        unsaved = activation.process.pk is None
        with _one_rollback_point():
            perform(activation.process)
        if unsaved and activation.process.pk is not None:  # inserted by ``perform``, in this transaction
            with new_case_held(activation.process):  # the Start node's lock on it asks nothing
                activation.execute()
        else:
            activation.execute()
    return activation.process


def _locked_task(task: Task) -> Task:
    """``task`` re-read under the case lock, with the case instance the lock read and keeps
    for the transaction (``flows.locked_case``) as its process: no further case read."""
    from .flows import locked_case

    task.refresh_from_db()
    case = locked_case(task.process_id, adopt=True)
    if case is not None:
        task.process = case
    return task


def _claim(node: Node, task: Task, user: Staff) -> None:
    if not node.can_assign(user, task):
        raise PermissionDenied(f"{user} may not claim task {task.pk}")
    task.assigned = timezone.now()  # written by the assign's own save: one UPDATE, not two
    node.activation_class(task).assign(user)


def assign_task(task: Task, *, user: Staff) -> None:
    """Claim a NEW task for ``user`` (the queue's "assign" button)."""
    node = task.flow_task
    with node.flow_class.lock(task.process_id):  # the lock's transaction; no savepoint inside it
        _claim(node, _locked_task(task), user)


def complete_task(task: Task, *, user: Staff, perform: Callable) -> object:
    """Claim (if needed) and complete a human task as ``user``; returns the process.

    Claim, start and complete are one transaction under one case lock (issue 19 item 3):
    a claim that loses a race finds the task taken and is refused before anything is
    written, and a refused or failing step leaves the task unclaimed (nothing of it
    commits). The case row is read once, by the lock, and that instance is the one the
    node checks, the activation and ``perform`` see."""
    node = task.flow_task
    with node.flow_class.lock(task.process_id):
        task = _locked_task(task)
        if task.status == STATUS.NEW:
            _claim(node, task, user)
        if not node.can_execute(user, task):
            raise PermissionDenied(f"{user} may not execute task {task.pk}")
        activation = node.activation_class(task)
        activation.start(SimpleNamespace(user=user))
        with _one_rollback_point():
            perform(activation.process)
        activation.execute()
    return activation.process


def open_tasks(process: Process, node: Node | None = None) -> QuerySet[Task]:
    """Unfinished tasks of a case, optionally of one node."""
    qs = process.flow_class.task_class._default_manager.filter(process_id=process.pk).exclude(
        status__in=[STATUS.DONE, STATUS.CANCELED]
    )
    if node is not None:
        qs = qs.filter(flow_task=node)
    return qs.order_by("pk")
