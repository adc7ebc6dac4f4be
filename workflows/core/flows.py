"""Base flow and node classes every case flow uses.

Viewflow checks only model-wide permissions out of the box: any user who may
view the app may open any case. ``CaseFlow`` ties visibility to the user's
regions; ``CaseScopeMiddleware`` turns every out-of-scope case URL into a 404
before any view runs; the node classes add region and separation-of-duty
checks to assigning and executing a task.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, transaction
from django.db.models import Value
from django.http import HttpRequest
from viewflow.workflow import flow, lock
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Process, Task
from viewflow.workflow.nodes.view import ViewActivation

from . import audit, separation  # noqa: F401  (separation: connects the task_finished receiver)
from .cases import CaseTask, separation_excluded
from .models import County, Township, Village
from .scope import has_owner_permission, user_scope
from .sendback import note_send_backs, send_back_exists
from .standins import begin_acting, stands_in_for
from .txmemo import TransactionMemo
from .types import AnyUser

if TYPE_CHECKING:
    from celery import Task as CeleryTask

# The case rows locked by ``CaseLock`` in the current transaction: {process pk: instance}.
_LOCKED_CASES = TransactionMemo()


def locked_case(process_pk: int, *, adopt: bool = False) -> Process | None:
    """The case instance ``CaseLock`` read and locked in the current transaction, or ``None``.

    ``coerce()`` serves it only once the caller adopted it (``adopt=True``: the driver, which
    makes it the task's process, so the activation and the service share it). viewflow's own
    paths (a Handle run, a Start) build their activation's process themselves; serving them
    a second instance of the case would let one go stale, so there ``coerce()`` reads."""
    memo = _LOCKED_CASES.current()
    if not memo:
        return None
    if adopt and ("read", process_pk) in memo:
        memo[process_pk] = memo[("read", process_pk)]
    return memo.get(process_pk)


def coerce(process: Process) -> Process:
    """The flow's own process subclass for a base ``Process`` row: the instance locked in this
    transaction when there is one (issue 19 item 3: the case is read once per transaction,
    not once per node check, activation and service)."""
    if type(process) is Process:
        kept = locked_case(process.pk)
        return kept if kept is not None else process.coerced
    return process


class CaseLock(lock.SelectForUpdateLock):
    """viewflow's ``SELECT … FOR UPDATE NOWAIT`` on the case row (same retries), reading the
    whole case row in that statement instead of ``SELECT 1``, and keeping the instance while
    the lock is held (``locked_case``, ``coerce``): on the service path the lock spans the
    transaction (``driving.complete_task``). Taken again in the same transaction
    (viewflow's nodes lock inside the driver's lock), it asks nothing: the row is ours until
    the transaction ends. A savepoint rollback or the end of the transaction forgets the
    instance (``TransactionMemo``), so a rolled-back change is never served."""

    @contextmanager
    def __call__(self, flow_class: type[flow.Flow], process_pk: int) -> Iterator[None]:
        memo = _LOCKED_CASES.current()
        if memo is not None and ("read", process_pk) in memo:
            with transaction.atomic():  # viewflow's nesting: a failing node still rolls back only its own part
                yield
            return
        model = flow_class.process_class
        rows = model._default_manager.select_for_update(nowait=self.nowait, of=("self",))
        # The township and household rows come with the case (not locked: ``of=self``): the
        # task's permission object, the applicant's messages and the services read them.
        wanted = {"township", getattr(model, "household_field", None)}
        related = [f.name for f in model._meta.fields if f.is_relation and f.name in wanted]
        if related:
            rows = rows.select_related(*related)
        # Whether the case was ever sent back, for the send-back receivers of this transaction
        # (``sendback.note_send_backs``): in the lock's statement, not a read per task event.
        rows = rows.annotate(_has_send_back=send_back_exists())
        # The case's audit chain head, locked in the same statement: every task action writes
        # to that chain, and its first event then needs no locked read of its own.
        chain = audit.case_chain(process_pk)
        rows = rows.annotate(_audit_head=audit.locked_head_column(Value(chain)))
        for attempt in range(self.attempts):
            with transaction.atomic():
                try:
                    with audit.reading_locked_heads():
                        case = rows.filter(pk=process_pk).first()
                except DatabaseError:
                    if attempt != self.attempts - 1:
                        time.sleep((((attempt + 1) * random.random()) + 2**attempt) / 2.5)
                        continue
                    raise FlowLockFailed(f"Lock failed for {flow_class}") from None
                if case is not None:
                    _LOCKED_CASES.current()[("read", process_pk)] = case  # type: ignore[index]  # inside atomic(): never None
                    note_send_backs(process_pk, case._has_send_back)
                    audit.note_locked_head(chain, case._audit_head)
                try:
                    yield
                finally:
                    # Kept while the outermost lock on the case is held, not beyond: code after
                    # it (a test's next "request" in the same transaction) reads the row afresh.
                    _release(process_pk)
                break


def _release(process_pk: int) -> None:
    """Forget the kept instance of the case (its lock, or ``new_case_held``, ended)."""
    held = _LOCKED_CASES.current()
    if held is not None:
        held.pop(process_pk, None)
        held.pop(("read", process_pk), None)


case_lock = CaseLock()


@contextmanager
def new_case_held(process: Process) -> Iterator[None]:
    """``process`` was inserted by the current transaction: no other transaction sees its row,
    let alone locks it, before this one commits, so inside the block ``CaseLock`` on it asks
    nothing (the Start node locks the case it starts: a read and a savepoint pair fewer). Not
    beyond the block, like the lock's own instance. A new case has no send-back either."""
    memo = _LOCKED_CASES.current()
    key = ("read", process.pk)
    if memo is None or key in memo:
        yield
        return
    memo[key] = process
    note_send_backs(process.pk, False)
    try:
        yield
    finally:
        _release(process.pk)


def case_visible(user: AnyUser, process: Process) -> bool:
    process = coerce(process)
    township_id = getattr(process, "township_id", None)
    if township_id is None:
        return False
    return user_scope(user).covers(township_id=township_id, village_id=getattr(process, "village_id", None))


def case_readable(user: AnyUser, process: Process) -> bool:
    """May ``user`` see this case? Acting scope (``case_visible``) or a read-only share of exactly
    this case with one of the user's townships (or their county's): a process model declares it
    with ``read_only_township_ids()`` (temporary assistance at the place of emergency, TA18; ZB20).
    Never grants acting: every node and service checks ``case_visible`` / the region permission."""
    process = coerce(process)
    if case_visible(user, process):
        return True
    shared = getattr(process, "read_only_township_ids", None)
    if shared is None:
        return False
    ids = shared()
    return bool(ids) and not user_scope(user).township_ids.isdisjoint(ids)


class CaseFlow(flow.Flow):
    lock_impl = case_lock
    task_class = CaseTask

    def has_view_permission(self, user: AnyUser, obj: Process | None = None) -> bool:
        if not getattr(user, "is_authenticated", False):
            return False
        if obj is None:
            # Opening the app: anyone with a region. Which cases they see is
            # decided per object and by the scoped list querysets.
            return not user_scope(user).is_empty
        return case_readable(user, obj)

    def has_manage_permission(self, user: AnyUser, obj: Process | None = None) -> bool:
        # Cancelling, undoing or reviving a case by hand bypasses the legal
        # procedure (termination needs its own recorded decision, MSL 29).
        return False


class CaseNodeMixin:
    """Region, separation-of-duty and stand-in checks on top of viewflow's permission check.

    - out of the user's regions: never (the middleware already answered 404);
    - excluded by separation of duties (``excluded_actor_ids``): never;
    - execute: the owner, or today's deputy of the owner (same township) who
      holds the node's permission themselves.
    """

    # Set by viewflow's node class this mixes into.
    name: str
    _owner_permission_obj: Any

    def _allowed(self, user: AnyUser, task: Task) -> bool:
        process = coerce(task.process)
        if not case_visible(user, process):
            return False
        return user.pk not in separation_excluded(process, self.name)

    def is_separated(self, user: AnyUser, task: Task) -> bool:
        """In scope, but excluded from this task by separation of duties."""
        process = coerce(task.process)
        return case_visible(user, process) and user.pk in separation_excluded(process, self.name)

    def _owner_permission_pk(self, task: Task) -> int | None:
        """Pk of the region the node's permission is checked on (``None``: model-wide only).
        ``township_of`` and its siblings name the column (``pk_of``): no region row is read."""
        obj = self._owner_permission_obj
        if not obj:
            return None
        if callable(obj):
            pk_of = getattr(obj, "pk_of", None)
            if pk_of is not None:
                return pk_of(coerce(task.process))
            obj = obj(task.process)
        return getattr(obj, "pk", None)

    def _holds_node_permission(self, user: AnyUser, task: Task) -> bool:
        if not task.owner_permission:
            return True
        return has_owner_permission(user, task.owner_permission, self._owner_permission_pk(task))

    def can_assign(self, user: AnyUser | None, task: Task) -> bool:
        """viewflow's test (unclaimed, signed in, the node's permission on the case's region,
        or model-wide), answered from the permission rows read once per request or transaction
        (``scope.has_owner_permission``), after the region and separation checks."""
        if task.owner_id or user is None or user.is_anonymous:
            return False
        return self._allowed(user, task) and self._holds_node_permission(user, task)

    def can_execute(self, user: AnyUser, task: Task) -> bool:
        if not self._allowed(user, task):
            return False
        if super().can_execute(user, task):  # type: ignore[misc]  # a mixin: the node class supplies it
            return True
        return (
            task.owner_id is not None
            and stands_in_for(user, task.owner_id, coerce(task.process).township_id)
            and self._holds_node_permission(user, task)
        )

    def can_view(self, user: AnyUser, task: Task) -> bool:
        return case_visible(user, task.process)


class CaseViewActivation(ViewActivation):
    @ViewActivation.status.super()
    def start(self, request: HttpRequest) -> None:
        # A deputy starting the principal's task takes it over "on behalf of"
        # the principal (recorded on the task, the actor record and the audit).
        begin_acting(task=self.task, user=getattr(request, "user", None))
        super().start.original(request)


class View(CaseNodeMixin, flow.View):
    """A human task. Declare ``.Permission("core.act_...", obj=township_of)``."""

    activation_class = CaseViewActivation


def township_of(process: Process) -> Township:
    """Permission object for township-scoped tasks (receives the base Process)."""
    return coerce(process).township


def county_of(process: Process) -> County:
    return coerce(process).county


def village_of(process: Process) -> Village:
    return coerce(process).village


# The region's pk without reading the region (``CaseNodeMixin._owner_permission_pk``).
township_of.pk_of = lambda process: process.township_id  # type: ignore[attr-defined]
county_of.pk_of = lambda process: process.county_id  # type: ignore[attr-defined]
village_of.pk_of = lambda process: process.village_id  # type: ignore[attr-defined]


# --- Handle nodes advanced from Celery -------------------------------------
# viewflow open-source has no Celery node. A ``QueuedHandle`` is a plain
# Handle whose activation queues a Celery job *after the transaction that
# created it commits*; the job does its slow work outside any lock, then
# advances the node with ``Flow.node.run(task, ...)``. A job that finds the
# task already done does nothing, so a redelivered message (acks_late, a
# killed worker) is harmless, and ``requeue_stale_handles`` re-queues a task
# whose message was lost between commit and publish.

from viewflow.workflow.activation import Activation  # noqa: E402
from viewflow.workflow.nodes.handle import HandleActivation  # noqa: E402

from .queueing import enqueue_on_commit  # noqa: E402


class QueuedHandleActivation(HandleActivation):
    @Activation.status.super()
    def activate(self) -> None:
        job = self.flow_task._job
        if job is None:
            return
        # After commit, and robust: a broker outage is logged and healed by requeue_stale_handles.
        enqueue_on_commit(job, self.task.pk)


class QueuedHandle(flow.Handle):
    activation_class = QueuedHandleActivation
    _job = None

    def Job(self, celery_task: CeleryTask) -> QueuedHandle:
        """The Celery task (taking the task pk) that advances this node."""
        self._job = celery_task
        return self
