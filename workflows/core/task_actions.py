"""Approval actions on a case's tasks, beyond doing them: 撤回 (withdraw) and 转办 (transfer).

Engine rules, flow-independent (退回 is ``workflows.core.sendback``; 催办 needs the
workspace's due dates and lives in ``workflows.workspace.services``):

- ``task_withdraw``: the user who finished a human step takes it back while the
  step it led to is still unclaimed (NEW). Only through gateways (If/Switch: no
  side effects) — once a system step ran (a notice posted, a check requested) the
  submission has had effects and is not withdrawn. The open task is cancelled and
  a new task of the sender's step is created and given back to them, under the
  case lock, so a claim racing a withdrawal never both succeed.
- ``task_transfer``: the holder of a claimed task hands it to a colleague who could
  take it themselves (the node's role in the case's region, not excluded by the
  separation rules), with a reason.

Each writes an audit event (``task.withdrawn`` / ``task.transferred``) and sends a
signal (``task_withdrawn`` / ``task_transferred``) for notifications.
"""

from __future__ import annotations

from collections.abc import Iterable

import django.dispatch
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from .audit import audit_record
from .cases import separation_excluded
from .flows import coerce
from .models import SendBack
from .types import AnyUser, Staff

ERR_WITHDRAW_DENIED = _("只能撤回本人提交、且下一环节尚未被领取的办理事项。")
ERR_WITHDRAW_NOT_ALLOWED = _("您已不能办理该环节，无法撤回。")
ERR_TRANSFER_NOT_HOLDER = _("只能转办本人已领取的待办任务。")
ERR_TRANSFER_REASON = _("请填写转办理由。")
ERR_TRANSFER_TARGET = _("转办对象不能办理该环节：须为同一角色、同一辖区的同事，且不在回避范围内。")

#: Nodes that only route (no side effects): a withdrawal may pass back through them.
GATEWAY_TYPES = frozenset({"EXCLUSIVE_GATEWAY", "SWITCH"})

task_withdrawn = django.dispatch.Signal()  # sender=flow class; task (the new one), actor
task_transferred = django.dispatch.Signal()  # sender=flow class; task, previous_owner, actor, reason
task_urged = django.dispatch.Signal()  # sender=flow class; task, actor (sent by the workspace's task_urge)


# --- 撤回 ----------------------------------------------------------------------------


def withdrawable(process_id: int, tasks: Iterable[Task] | None = None) -> dict[int, Task]:
    """{pk of an open NEW human task: the finished human task that led to it}.

    Follows ``Task.previous`` back through gateway tasks only. ``tasks``: the case's
    tasks if already loaded (the case page has them); one query for the links."""
    if tasks is None:
        tasks = list(Task.objects.filter(process_id=process_id).select_related("owner"))
    by_pk = {t.pk: t for t in tasks}
    links: dict[int, list[int]] = {}
    through = Task.previous.through
    for from_id, to_id in through.objects.filter(from_task__process_id=process_id).values_list(
        "from_task_id", "to_task_id"
    ):
        links.setdefault(from_id, []).append(to_id)
    out = {}
    for task in tasks:
        if task.status != STATUS.NEW or task.flow_task_type != "HUMAN":
            continue
        todo, senders = list(links.get(task.pk, ())), []
        while todo:
            prev = by_pk.get(todo.pop())
            if prev is None:
                continue
            if prev.flow_task_type in GATEWAY_TYPES:
                todo.extend(links.get(prev.pk, ()))
            elif prev.flow_task_type == "HUMAN" and prev.status == STATUS.DONE:
                senders.append(prev)
            else:
                senders = []  # a system step ran in between: not withdrawable
                break
        if len(senders) == 1:
            out[task.pk] = senders[0]
    return out


def withdrawable_by(process_id: int, user: AnyUser, tasks: Iterable[Task] | None = None) -> dict[int, Task]:
    """``withdrawable`` restricted to submissions ``user`` made."""
    return {pk: sent for pk, sent in withdrawable(process_id, tasks).items() if sent.owner_id == user.pk}


def task_withdraw(*, task_pk: int, actor: Staff) -> Task:
    """撤回: ``actor`` takes back the submission that created the NEW task ``task_pk``;
    returns the sender's step, newly created and assigned to ``actor``."""
    task = Task.objects.select_related("process").filter(pk=task_pk).first()
    if task is None:
        raise ValidationError(ERR_WITHDRAW_DENIED)
    node = task.flow_task
    flow_class = node.flow_class
    with flow_class.lock(task.process_id), transaction.atomic():
        # Re-read under the lock: a claim that got the lock first leaves it ASSIGNED.
        sent = withdrawable_by(task.process_id, actor).get(task.pk)
        task = flow_class.task_class._default_manager.select_related("process").get(pk=task.pk)
        if sent is None or task.status != STATUS.NEW:
            raise ValidationError(ERR_WITHDRAW_DENIED)
        target = sent.flow_task
        activation = node.activation_class(task)
        activation.cancel()
        redo = target.activation_class.create(target, activation, task.token)
        redo.activate()
        new_task = redo.task
        if not target.can_assign(actor, new_task):
            raise ValidationError(ERR_WITHDRAW_NOT_ALLOWED)  # rolls everything back
        redo.assign(actor)
        new_task.assigned = timezone.now()
        new_task.save(update_fields=["assigned"])
        # A resubmission after a send-back, withdrawn: the send-back is open again and
        # points at the new task, so the next submission still returns directly (直达).
        SendBack.objects.filter(process_id=task.process_id, to_task_id=sent.pk).exclude(
            state=SendBack.State.OPEN
        ).update(state=SendBack.State.OPEN, to_task_id=new_task.pk, resubmitted_at=None, returned_at=None)
        audit_record(
            action="task.withdrawn",
            target=new_task,
            actor=actor,
            process_id=task.process_id,
            changes={"node": [node.name, target.name]},
            data={"withdrawn_task": sent.pk, "cancelled_task": task.pk},
        )
        transaction.on_commit(lambda: task_withdrawn.send(sender=flow_class, task=new_task, actor=actor), robust=True)
    return new_task


# --- 转办 ----------------------------------------------------------------------------


def transfer_candidates(task: Task, *, with_related: tuple[str, ...] = ()) -> list[Staff]:
    """Colleagues who could execute ``task``: the node's permission on the case's region
    object, not excluded by separation of duties; the holder excluded. Two queries.
    ``with_related``: one-to-one relations of the user loaded with them (a caller's own)."""
    from guardian.shortcuts import get_users_with_perms

    node = task.flow_task
    if not task.owner_permission or not callable(getattr(node, "_owner_permission_obj", None)):
        return []
    obj = node._owner_permission_obj(task.process)
    codename = task.owner_permission.split(".", 1)[-1]
    users: QuerySet[Staff] = get_users_with_perms(obj, only_with_perms_in=[codename], with_group_users=True)  # type: ignore[assignment]  # without attach_perms: a user queryset
    if with_related:
        users = users.select_related(*with_related)
    excluded = separation_excluded(coerce(task.process), node.name)
    return sorted(
        (u for u in users if u.is_active and u.pk != task.owner_id and u.pk not in excluded),
        key=lambda u: u.get_full_name() or u.username,
    )


def task_transfer(*, task_pk: int, target_pk: int, reason: str, actor: Staff) -> Task:
    """转办: the holder of an assigned task gives it to ``target`` with a reason."""
    reason = (reason or "").strip()
    task = Task.objects.select_related("process").filter(pk=task_pk).first()
    if task is None or task.flow_task_type != "HUMAN":
        raise ValidationError(ERR_TRANSFER_NOT_HOLDER)
    node = task.flow_task
    with node.flow_class.lock(task.process_id), transaction.atomic():
        task = node.flow_class.task_class._default_manager.select_related("process", "owner").get(pk=task.pk)
        if task.status != STATUS.ASSIGNED or task.owner_id != actor.pk:
            raise ValidationError(ERR_TRANSFER_NOT_HOLDER)
        if not reason:
            raise ValidationError(ERR_TRANSFER_REASON)
        target = get_user_model().objects.filter(pk=target_pk, is_active=True).first()
        if target is None or target.pk == actor.pk:
            raise ValidationError(ERR_TRANSFER_TARGET)
        activation = node.activation_class(task)
        activation.unassign()
        # the node's own check: role on the case's region, separation of duties
        if not node.can_assign(target, task):
            raise ValidationError(ERR_TRANSFER_TARGET)  # rolls the unassign back
        activation.assign(target)
        task.assigned = timezone.now()
        task.save(update_fields=["assigned"])
        audit_record(
            action="task.transferred",
            target=task,
            actor=actor,
            process_id=task.process_id,
            changes={"owner": [actor.pk, target.pk]},
            data={"node": node.name, "reason": reason},
        )
        flow_class = node.flow_class
        transaction.on_commit(
            lambda: task_transferred.send(
                sender=flow_class, task=task, previous_owner=actor, actor=actor, reason=reason
            ),
            robust=True,
        )
    return task


__all__ = [
    "ERR_TRANSFER_NOT_HOLDER",
    "ERR_TRANSFER_REASON",
    "ERR_TRANSFER_TARGET",
    "ERR_WITHDRAW_DENIED",
    "ERR_WITHDRAW_NOT_ALLOWED",
    "task_transfer",
    "task_transferred",
    "task_urged",
    "task_withdraw",
    "task_withdrawn",
    "transfer_candidates",
    "withdrawable",
    "withdrawable_by",
]
