"""退回 + 直达: send a case back to an earlier step; on resubmission it returns
straight to the step that sent it back.

How it works:

- ``case_send_back`` (the approver, on their assigned task): the task is
  cancelled, a new task of the earlier node is created after it (given back to
  whoever did that step last, if they may still take it), a ``SendBack`` row
  (state OPEN) and a ``case.sent_back`` audit event are written.
- When that re-done task finishes (``task_finished``), the send-back becomes
  RESUBMITTED. The flow asks ``direct_return_node(process)`` right after the
  re-done node: an ``If`` routes to a ``Switch`` that recreates the node which
  sent the case back, skipping the steps in between (notice, earlier
  signatures). When a task of that node is created, the send-back is RETURNED.

The flow declares which steps may send back to which (``send_back_targets`` on
the flow class, the way ``separation_rules`` is declared on the process model),
and, where it wants 直达, the If/Switch after the target node; see
docs/workspace.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process, Task
from viewflow.workflow.signals import task_finished
from viewflow.workflow.status import STATUS

from workflows.core.audit import audit_record

from .models import SendBack
from .receivers import connect_models
from .txmemo import TransactionMemo
from .types import Staff

if TYPE_CHECKING:
    from viewflow.workflow.base import Flow

ERR_SEND_BACK_NOT_YOURS = _("只能退回本人已领取的待办任务。")
ERR_SEND_BACK_TARGET = _("该环节不能退回到所选步骤，或本案件尚未办理过该步骤。")
ERR_SEND_BACK_REASON = _("请填写退回理由。")


def declared_targets(flow_class: type[Flow]) -> dict[str, tuple[str, ...]]:
    """{node: earlier nodes it may send back to}, as the flow declares it
    (``send_back_targets`` on the flow class, next to its nodes)."""
    return getattr(flow_class, "send_back_targets", None) or {}


def send_back_targets(task: Task) -> list[tuple[str, str]]:
    """(node name, title) of the earlier human steps ``task`` may send its case back to."""
    flow_class = task.flow_task.flow_class
    out: list[tuple[str, str]] = []
    for name in declared_targets(flow_class).get(task.flow_task.name, ()):
        node = getattr(flow_class, name, None)
        if node is not None and getattr(node, "task_type", None) == "HUMAN":
            out.append((name, str(node.task_title or name)))
    return out


@transaction.atomic
def case_send_back(*, task: Task, to_node: str, reason: str, actor: Staff) -> SendBack:
    """Send the case of ``task`` (assigned to ``actor``) back to ``to_node`` (退回)."""
    node = task.flow_task
    flow_class = node.flow_class
    with flow_class.lock(task.process_id):
        task = flow_class.task_class._default_manager.get(pk=task.pk)
        if task.status != STATUS.ASSIGNED or not node.can_execute(actor, task):
            raise ValidationError(ERR_SEND_BACK_NOT_YOURS)
        if not (reason or "").strip():
            raise ValidationError(ERR_SEND_BACK_REASON)
        if to_node not in dict(send_back_targets(task)):
            raise ValidationError(ERR_SEND_BACK_TARGET)
        target = getattr(flow_class, to_node)
        previous = (
            Task.objects.filter(process_id=task.process_id, flow_task=target, status=STATUS.DONE)
            .select_related("owner")
            .order_by("-finished", "-pk")
            .first()
        )
        if previous is None:
            raise ValidationError(ERR_SEND_BACK_TARGET)
        activation = node.activation_class(task)
        activation.cancel()
        redo = target.activation_class.create(target, activation, task.token)
        redo.activate()
        new_task = redo.task
        if previous.owner is not None and target.can_assign(previous.owner, new_task):
            redo.assign(previous.owner)
        send_back = SendBack.objects.create(
            process_id=task.process_id,
            from_node=node.name,
            from_task_id=task.pk,
            to_node=to_node,
            to_task_id=new_task.pk,
            reason=reason.strip(),
            sent_by=actor,
        )
        audit_record(
            action="case.sent_back",
            target=task,
            actor=actor,
            process_id=task.process_id,
            changes={"node": [node.name, to_node]},
            data={"reason": reason.strip(), "redo_task": new_task.pk},
        )
    return send_back


def direct_return_node(process: Process) -> str | None:
    """The node to return straight to after a resubmission (直达), or None.

    The flow's routing property calls this right after a send-back target node."""
    if not _may_have_send_back(process.pk):
        return None
    row = (
        SendBack.objects.filter(process_id=process.pk, state=SendBack.State.RESUBMITTED)
        .order_by("-pk")
        .values_list("from_node", flat=True)
        .first()
    )
    return row


def open_send_back(process: Process) -> SendBack | None:
    return (
        SendBack.objects.filter(process_id=process.pk)
        .exclude(state=SendBack.State.RETURNED)
        .select_related("sent_by")
        .order_by("-pk")
        .first()
    )


# --- receivers ---------------------------------------------------------------------

# {case pk: has it any send-back row}, per transaction (``TransactionMemo``). Most cases are
# never sent back: one read per transaction instead of an UPDATE matching nothing on every
# human task created or finished (issue 19). Rows are only ever added by ``create`` (seen
# by ``_on_send_back_saved``); an UPDATE moves a row between states, never makes one.
_HAS_SEND_BACK = TransactionMemo()


def _may_have_send_back(process_id: int) -> bool:
    memo = _HAS_SEND_BACK.current()
    if memo is None:
        return True  # autocommit: nothing remembered, the UPDATE decides
    if process_id not in memo:
        memo[process_id] = SendBack.objects.filter(process_id=process_id).exists()
    return memo[process_id]


def send_back_exists() -> Exists:
    """An ``Exists`` for annotating case rows: has the case any send-back? ``CaseLock`` reads
    it with the locked case and passes it to ``note_send_backs``: no read of its own."""
    return Exists(SendBack.objects.filter(process_id=OuterRef("pk")))


def note_send_backs(process_id: int, exists: bool) -> None:
    """Remember for this transaction whether the case has a send-back (read under its lock)."""
    memo = _HAS_SEND_BACK.current()
    if memo is not None:
        memo[process_id] = memo.get(process_id, False) or exists


def _on_send_back_saved(sender: object, instance: SendBack, raw: bool = False, **kwargs: Any) -> None:
    memo = _HAS_SEND_BACK.current()
    if memo is not None:
        memo[instance.process_id] = True


def _on_task_finished(sender: object, process: Process, task: Task, **kwargs: Any) -> None:
    """The re-done step finished: the send-back becomes RESUBMITTED (same transaction)."""
    if task.flow_task_type != "HUMAN":
        return  # only a human task is ever sent back to; spare machine steps the UPDATE
    if not _may_have_send_back(task.process_id):
        return
    updated = SendBack.objects.filter(process_id=task.process_id, to_task_id=task.pk, state=SendBack.State.OPEN).update(
        state=SendBack.State.RESUBMITTED, resubmitted_at=timezone.now()
    )
    if updated:
        audit_record(
            action="case.resubmitted",
            target=task,
            actor=task.owner,
            process_id=task.process_id,
            data={"node": task.flow_task.name},
        )


def _on_task_created(
    sender: type[Task], instance: Task, created: bool = False, raw: bool = False, **kwargs: Any
) -> None:
    """A task of the sending node was created again: the case is back (RETURNED)."""
    if raw or not created or instance.flow_task_type != "HUMAN":
        return
    if not _may_have_send_back(instance.process_id):
        return
    SendBack.objects.filter(
        process_id=instance.process_id, from_node=instance.flow_task.name, state=SendBack.State.RESUBMITTED
    ).update(state=SendBack.State.RETURNED, returned_at=timezone.now())


def connect() -> None:
    task_finished.connect(_on_task_finished, dispatch_uid="core.sendback.finished")
    connect_models(post_save, _on_task_created, Task, dispatch_uid="core.sendback.created")
    post_save.connect(_on_send_back_saved, sender=SendBack, dispatch_uid="core.sendback.saved")


__all__ = [
    "ERR_SEND_BACK_NOT_YOURS",
    "ERR_SEND_BACK_REASON",
    "ERR_SEND_BACK_TARGET",
    "case_send_back",
    "direct_return_node",
    "open_send_back",
    "send_back_targets",
]
