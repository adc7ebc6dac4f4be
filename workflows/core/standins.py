"""Stand-ins (代理审批): a township approver hands their work to a colleague.

For the stand-in's date range the deputy sees the principal's assigned tasks
in their inbox and may execute them; when they do, the task's owner becomes
the deputy, the task remembers ``on_behalf_of``, the separation-of-duty
record names both, and the case's audit chain gets a ``case.on_behalf``
event (actor = deputy, on_behalf_of = principal). Services that want the
principal on their own audit rows call ``current_on_behalf_of()``.

Decisions:
- deputy and principal must both be active approvers of the same township;
- one principal has at most one stand-in covering any given day (so "who is
  standing in for Y today" has one answer); a deputy may cover several
  principals;
- stand-ins are not transitive (a deputy's own stand-in does not inherit the
  principal's tasks);
- a stand-in is revoked, never deleted; both are audited.
"""

from __future__ import annotations

import contextvars
import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .audit import audit_record
from .models import StandIn, Township
from .types import Actor, AnyUser, Staff

if TYPE_CHECKING:
    from viewflow.workflow.models import Task

ERR_STANDIN_SELF = _("不能指定本人作为自己的代理人。")
ERR_STANDIN_DATES = _("代理结束日期不能早于开始日期。")
ERR_STANDIN_PAST = _("代理结束日期不能早于今天。")
ERR_STANDIN_NOT_APPROVER = _("被代理人和代理人都必须是该乡镇（街道）在岗的审批人。")
ERR_STANDIN_OVERLAP = _("该审批人在所选日期内已有代理安排，请先撤销原安排。")


@dataclass(frozen=True)
class Acting:
    task_id: int
    deputy_id: int
    principal_id: int


_acting: contextvars.ContextVar[Acting | None] = contextvars.ContextVar("core_acting_on_behalf", default=None)


@transaction.atomic
def standin_create(
    *,
    principal: Staff,
    deputy: Staff,
    township: Township,
    start_date: datetime.date,
    end_date: datetime.date,
    actor: Actor,
) -> StandIn:
    """Hand ``principal``'s approvals in ``township`` to ``deputy`` from ``start_date`` to ``end_date``."""
    if principal.pk == deputy.pk:
        raise ValidationError(ERR_STANDIN_SELF)
    if end_date < start_date:
        raise ValidationError(ERR_STANDIN_DATES)
    if end_date < timezone.localdate():
        raise ValidationError(ERR_STANDIN_PAST)
    from .access import holds

    if not (holds(principal, "act_approver", township=township) and holds(deputy, "act_approver", township=township)):
        raise ValidationError(ERR_STANDIN_NOT_APPROVER)
    overlapping = (
        StandIn.objects.select_for_update()
        .filter(principal=principal, revoked_at__isnull=True)
        .filter(start_date__lte=end_date, end_date__gte=start_date)
    )
    if overlapping.exists():
        raise ValidationError(ERR_STANDIN_OVERLAP)
    standin = StandIn.objects.create(
        principal=principal,
        deputy=deputy,
        township=township,
        start_date=start_date,
        end_date=end_date,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        action="standin.create",
        target=standin,
        actor=actor,
        chain=f"staff:{principal.pk}",
        changes={"deputy": [None, deputy.pk], "start_date": [None, start_date], "end_date": [None, end_date]},
        data={"township": township.code},
    )
    return standin


@transaction.atomic
def standin_revoke(*, standin: StandIn, actor: Actor) -> StandIn:
    standin = StandIn.objects.select_for_update().get(pk=standin.pk)
    if standin.revoked_at is not None:
        return standin
    standin.revoked_at = timezone.now()
    standin.save(update_fields=["revoked_at"])
    audit_record(
        action="standin.revoke",
        target=standin,
        actor=actor,
        chain=f"staff:{standin.principal_id}",
        changes={"revoked_at": [None, standin.revoked_at]},
        data={"deputy": standin.deputy_id},
    )
    return standin


# --- reading --------------------------------------------------------------


def active_standins_for_deputy(user: AnyUser | None, on: datetime.date | None = None) -> list[StandIn]:
    """Stand-ins ``user`` holds today (cached on the user for the request)."""
    if user is None or not user.is_authenticated:
        return []
    on = on or timezone.localdate()
    cache = getattr(user, "_standin_cache", None)
    if cache is not None and cache[0] == on:
        return cache[1]
    rows = list(StandIn.objects.active_on(on).filter(deputy=user))
    user._standin_cache = (on, rows)  # type: ignore[attr-defined]  # a cache on the user object
    return rows


def stands_in_for(user: AnyUser | None, principal_id: int, township_id: int | None) -> bool:
    """True if ``user`` is today's deputy of ``principal_id`` for ``township_id``."""
    return any(
        s.principal_id == principal_id and s.township_id == township_id for s in active_standins_for_deputy(user)
    )


def inbox_q(user: AnyUser, township_path: str) -> Q:
    """Q over Task rows assigned to a principal ``user`` stands in for (per township)."""
    q = Q(pk__in=[])
    for s in active_standins_for_deputy(user):
        q |= Q(owner_id=s.principal_id, **{township_path: s.township_id})
    return q


# --- acting on behalf -------------------------------------------------------


def begin_acting(*, task: Task, user: AnyUser | None) -> Acting | None:
    """Called when ``user`` starts ``task``: if they act as a deputy, take the task over.

    Sets the task's owner to the deputy and ``task.data["on_behalf_of"]`` to
    the principal (saved when the task completes), and the context variable
    ``current_on_behalf_of()`` reads for the rest of the action.
    """
    acting = None
    owner_id = task.owner_id
    if owner_id and isinstance(user, User) and owner_id != user.pk:
        township_id = getattr(task.process.coerced, "township_id", None)
        if stands_in_for(user, owner_id, township_id):
            acting = Acting(task_id=task.pk, deputy_id=user.pk, principal_id=owner_id)
            task.owner = user
            task.data = {**(task.data or {}), "on_behalf_of": owner_id}
    _acting.set(acting)
    return acting


def current_on_behalf_of() -> Staff | None:
    """The principal the current action is taken for, or None (pass to ``audit_record``)."""
    acting = _acting.get()
    if acting is None:
        return None
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=acting.principal_id)


def end_acting() -> None:
    _acting.set(None)


def record_on_behalf(*, task: Task, deputy_id: int, principal_id: int) -> None:
    """Audit "deputy on behalf of principal" on the case chain (inside the task's transaction)."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.in_bulk([deputy_id, principal_id])
    audit_record(
        action="case.on_behalf",
        target=task,
        actor=users[deputy_id],
        on_behalf_of=users[principal_id],
        process_id=task.process_id,
        data={"node": task.flow_task.name},
    )
    end_acting()


__all__ = [
    "ERR_STANDIN_DATES",
    "ERR_STANDIN_NOT_APPROVER",
    "ERR_STANDIN_OVERLAP",
    "ERR_STANDIN_PAST",
    "ERR_STANDIN_SELF",
    "active_standins_for_deputy",
    "current_on_behalf_of",
    "standin_create",
    "standin_revoke",
    "stands_in_for",
]
