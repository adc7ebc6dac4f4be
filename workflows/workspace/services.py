"""Claim, release and reassign tasks, one by one or in bulk.

Each task is checked on its own, under the case lock, with the node's own
permission checks (``node.can_assign`` / ``can_unassign``: region, role,
separation of duties); a bulk action reports per task what was done and why
the rest was refused. Claims and releases are audited by core's task receivers (task.assigned /
task.unassigned); a reassignment adds ``task.reassigned`` naming the supervisor.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.status import STATUS

from workflows.core.access import holds
from workflows.core.audit import audit_record
from workflows.core.cases import CaseTask
from workflows.core.flows import case_visible
from workflows.core.models import County
from workflows.core.scope import held_region_pks, user_scope
from workflows.core.types import AnyUser, Staff

from .indexing import case_flows
from .selectors import IDX, supervised_township_ids

if TYPE_CHECKING:
    from .models import CaseIndex

ERR_TASK_UNKNOWN = _("任务不存在或不在您的管辖范围内。")
ERR_CLAIM_DENIED = _("无权领取：任务已被领取，或您没有该环节的办理权限（含回避规定）。")
ERR_RELEASE_DENIED = _("只能退回本人已领取、尚未开始办理的任务。")
ERR_REASSIGN_NOT_SUPERVISOR = _("只有本乡镇（街道）的审批人可以改派任务。")
ERR_REASSIGN_OUTSIDE = _("改派对象不是该乡镇（街道）的工作人员。")
ERR_REASSIGN_TARGET_DENIED = _("改派对象没有该环节的办理权限（含回避规定）。")
ERR_REASSIGN_STATE = _("只能改派尚未办结的任务。")
ERR_URGE_NOT_SUPERVISOR = _("只有本乡镇（街道）的审批人或本县民政部门经办人可以催办。")
ERR_URGE_NOT_OVERDUE = _("只能催办已超过办理期限的待办任务。")
ERR_URGE_STATE = _("只能催办尚未办结的任务。")


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # (task pk, case number, reason)


def _load(task_pk: int, actor: Staff) -> CaseTask:
    task = (
        CaseTask.objects.filter(pk=task_pk, process__flow_class__in=case_flows(), flow_task_type="HUMAN")
        .select_related("process")
        .first()
    )
    if task is None or not case_visible(actor, task.process):
        raise ValidationError(ERR_TASK_UNKNOWN)
    return task


def _locked(task: CaseTask) -> CaseTask:
    """Re-read ``task`` under the case lock (call inside the atomic block)."""
    return CaseTask.objects.select_related("process", "owner").get(pk=task.pk)


def task_claim(*, task_pk: int, actor: Staff) -> CaseTask:
    """Claim a NEW task (领取), if the node lets ``actor`` take it."""
    task = _load(task_pk, actor)
    node = task.flow_task
    with node.flow_class.lock(task.process_id), transaction.atomic():
        task = _locked(task)
        if task.status != STATUS.NEW or not node.can_assign(actor, task):
            raise ValidationError(ERR_CLAIM_DENIED)
        node.activation_class(task).assign(actor)
        task.assigned = timezone.now()
        task.save(update_fields=["assigned"])  # audited as task.assigned by core
    return task


def task_release(*, task_pk: int, actor: Staff) -> CaseTask:
    """Put an assigned, not started task back in the queue (退回待领)."""
    task = _load(task_pk, actor)
    node = task.flow_task
    with node.flow_class.lock(task.process_id), transaction.atomic():
        task = _locked(task)
        if task.status != STATUS.ASSIGNED or task.owner_id != actor.pk:
            raise ValidationError(ERR_RELEASE_DENIED)
        node.activation_class(task).unassign()
        task.assigned = None
        task.save(update_fields=["assigned"])  # audited as task.unassigned by core
    return task


def _township_staff(user: Staff, township_id: int) -> bool:
    """Holds a township role (case worker or approver) in that township: "within the township"."""
    return holds(user, "view_township_cases", township=township_id)


def task_reassign(*, task_pk: int, target: Staff, actor: Staff) -> CaseTask:
    """A township approver gives an open task of their township to another of its staff (改派).

    The target must be staff of the case's township and pass the node's own
    assignment check (role, region, separation of duties) for this task."""
    task = _load(task_pk, actor)
    node = task.flow_task
    township_id = task.process.case_index.township_id
    if township_id not in supervised_township_ids(actor):
        raise ValidationError(ERR_REASSIGN_NOT_SUPERVISOR)
    if not _township_staff(target, township_id):
        raise ValidationError(ERR_REASSIGN_OUTSIDE)
    with node.flow_class.lock(task.process_id), transaction.atomic():
        task = _locked(task)
        if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
            raise ValidationError(ERR_REASSIGN_STATE)
        previous = task.owner_id
        activation = node.activation_class(task)
        if task.status == STATUS.ASSIGNED:
            activation.unassign()
        if not node.can_assign(target, task):
            raise ValidationError(ERR_REASSIGN_TARGET_DENIED)  # rolls the unassign back
        activation.assign(target)
        task.assigned = timezone.now()
        task.save(update_fields=["assigned"])
        audit_record(
            action="task.reassigned",
            target=task,
            actor=actor,
            process_id=task.process_id,
            changes={"owner": [previous, target.pk]},
            data={"node": node.name},
        )
    return task


def may_urge(user: AnyUser, index: CaseIndex) -> bool:
    """催办 is for whoever supervises the case's region: an approver of its township, a
    county officer of its county."""
    if index.township_id in supervised_township_ids(user):
        return True
    return index.county_id in held_region_pks(user, "act_county_officer", County)


def task_overdue(index: CaseIndex, today: datetime.date | None = None) -> bool:
    """The case's deadline still runs and has passed (the lists' ``overdue`` filter)."""
    today = today or timezone.localdate()
    return index.deadline_running and index.due_on is not None and index.due_on < today


def task_urge(*, task_pk: int, actor: Staff, note: str = "") -> CaseTask:
    """催办: a supervisor urges an open, overdue task. The holder (if claimed) is notified
    (``task_urged`` signal); the task carries the count and the last time (``task.data``),
    shown on the lists and the case page; ``task.urged`` in the case history.

    Here rather than in core: "overdue" is the workspace's read model (``CaseIndex``)."""
    from workflows.core.task_actions import task_urged

    task = _load(task_pk, actor)
    index = task.process.case_index
    if not may_urge(actor, index):
        raise ValidationError(ERR_URGE_NOT_SUPERVISOR)
    node = task.flow_task
    with node.flow_class.lock(task.process_id), transaction.atomic():
        task = _locked(task)
        if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
            raise ValidationError(ERR_URGE_STATE)
        if not task_overdue(index):
            raise ValidationError(ERR_URGE_NOT_OVERDUE)
        data = dict(task.data or {})
        before = dict(data.get("urged") or {})
        now = timezone.now()
        data["urged"] = {"count": int(before.get("count", 0)) + 1, "last": now.isoformat(), "by": actor.pk}
        task.data = data
        task.save(update_fields=["data"])
        audit_record(
            action="task.urged",
            target=task,
            actor=actor,
            process_id=task.process_id,
            changes={"urged": [before.get("count", 0), data["urged"]["count"]]},
            data={"node": node.name, "owner": task.owner_id, "note": (note or "").strip()[:200]},
        )
        flow_class = node.flow_class
        transaction.on_commit(lambda: task_urged.send(sender=flow_class, task=task, actor=actor), robust=True)
    return task


def _bulk(task_pks: Iterable[int], fn: Callable[..., CaseTask], actor: Staff, **kwargs: Any) -> BulkResult:
    from .models import CaseIndex

    pks = sorted({int(pk) for pk in task_pks})
    # Case numbers only of tasks in the actor's regions (the lists' own scope
    # filter), read before anything else: an out-of-scope task is reported as
    # "#pk" with the same reason as a nonexistent one, so posting another
    # township's task ids discloses none of its case numbers.
    visible = CaseTask.objects.filter(pk__in=pks).filter(user_scope(actor).case_filter(prefix=IDX))
    numbers = dict(visible.values_list("pk", f"{IDX}case_number")) if pks else {}
    result = BulkResult()
    for pk in pks:
        try:
            fn(task_pk=pk, actor=actor, **kwargs)
        except (ValidationError, CaseIndex.DoesNotExist) as exc:
            reason = exc.messages[0] if isinstance(exc, ValidationError) else str(ERR_TASK_UNKNOWN)
            result.refused.append((pk, numbers.get(pk) or f"#{pk}", reason))
        else:
            result.done.append(pk)
    return result


def tasks_claim(*, task_pks: Iterable[int], actor: Staff) -> BulkResult:
    """Bulk claim: each task re-checked on its own."""
    return _bulk(task_pks, task_claim, actor)


def tasks_release(*, task_pks: Iterable[int], actor: Staff) -> BulkResult:
    return _bulk(task_pks, task_release, actor)


def tasks_reassign(*, task_pks: Iterable[int], target: Staff, actor: Staff) -> BulkResult:
    """Bulk reassign: each task re-checked (supervisor, target in the township, node permission)."""
    return _bulk(task_pks, task_reassign, actor, target=target)
