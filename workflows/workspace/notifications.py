"""Staff notifications: a new task in my queue, a task urged (催办), a task transferred to me
(转办), a case of my tasks overdue (dibao's overdue alert) — in the workspace (nav badge, 消息 page) and by e-mail (Django's e-mail backend,
the console in the demo), each channel with a per-user opt-out (``NotificationSettings``).

Fed by the engine's signals (``workflows.core.task_actions``, sent after the action
commits) and by task creation (after the task's transaction commits: a rolled-back step
notifies nobody). E-mail always waits for the commit; a failing mail server never undoes an
action (``fail_silently``, robust callbacks).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows.core.receivers import connect_models
from workflows.core.task_actions import task_transferred, task_urged

from .models import Notification, NotificationSettings

logger = logging.getLogger(__name__)


def _case_number(task) -> str:
    from workflows.core.flows import coerce

    return getattr(coerce(task.process), "case_number", "") or ""


# The users' side of ``NotificationSettings.user`` (``user.notification_settings``).
_SETTINGS_OF_USER = NotificationSettings._meta.get_field("user").remote_field


def _settings_of(users) -> dict:
    """``{user pk: settings}`` of ``users``: from the users themselves when they were read
    with their settings (``queue_holders``), else one query."""
    if all(_SETTINGS_OF_USER.is_cached(u) for u in users):
        loaded = (_SETTINGS_OF_USER.get_cached_value(u) for u in users)
        return {s.user_id: s for s in loaded if s is not None}
    return {s.user_id: s for s in NotificationSettings.objects.filter(user__in=users)}


def notify(*, users, kind: str, task, actor=None, note: str = "") -> list[Notification]:
    """Notify ``users`` of ``kind`` about ``task``, on the channels each has not opted out of.
    In-app rows are written in the caller's transaction (rolled back with it); e-mails wait
    for the commit, registered only when someone is to get one. Three queries at most whatever
    the number of users (settings, unless the users came with theirs; insert; the case number)."""
    users = [u for u in users if u is not None and u.is_active and (actor is None or u.pk != actor.pk)]
    if not users:
        return []
    opted = _settings_of(users)
    case_number = _case_number(task)
    step = str(task.flow_task.task_title or "")
    in_app = [u for u in users if opted.get(u.pk) is None or opted[u.pk].in_app]
    rows = Notification.objects.bulk_create(
        [
            Notification(
                user=u,
                kind=kind,
                process_id=task.process_id,
                task_id=task.pk,
                case_number=case_number,
                step_title=step,
                actor=actor,
                note=note[:500],
            )
            for u in in_app
        ]
    )
    mail = [u.email for u in users if u.email and (opted.get(u.pk) is None or opted[u.pk].email)]
    if mail:
        label = Notification.Kind(kind).label
        subject = _("【社会救助】%(kind)s：%(number)s %(step)s") % {"kind": label, "number": case_number, "step": step}
        messages = [(subject, note or subject, settings.DEFAULT_FROM_EMAIL, [to]) for to in mail]
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True), robust=True)
    return rows


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(*, user, pks=None) -> int:
    """Mark ``user``'s notifications read (all, or ``pks``); never anyone else's."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if pks is not None:
        qs = qs.filter(pk__in=list(pks))
    return qs.update(read_at=timezone.now())


# --- receivers -------------------------------------------------------------------------


def _on_urged(sender, task, actor, **kwargs):
    if task.owner_id:
        notify(users=[task.owner], kind=Notification.Kind.URGED, task=task, actor=actor)


def _on_transferred(sender, task, actor, reason="", **kwargs):
    notify(users=[task.owner], kind=Notification.Kind.TRANSFERRED, task=task, actor=actor, note=reason)


def queue_holders(task) -> list:
    """Who may claim ``task``: holders of its node permission on the case's region, minus
    separation-of-duty exclusions (the queue's own rule)."""
    from workflows.core.task_actions import transfer_candidates

    # the holder is None for a NEW task: nobody left out; their settings read with them
    return transfer_candidates(task, with_related=(_SETTINGS_OF_USER.get_accessor_name(),))


def _on_task_saved(sender, instance, created=False, raw=False, **kwargs):
    """A new human task waits in a queue: tell whoever may claim it, once the task's
    transaction commits (notifications are side effects: the house rule). A rolled-back
    step, or a rolled-back savepoint the task was made in, notifies nobody (Django drops
    the callback with it); the step pays no savepoint and no holder query inside its case
    lock (issue 19). Who is told is decided as before: the queue's own rule, read after the
    commit. A task the engine gives straight to someone (a send-back's or withdrawal's
    redo) is assigned only after this runs; its queue is told too, and the message leads to
    a case where the task is already taken — harmless, and cheaper than a check on every
    claim."""
    if raw or not created or instance.flow_task_type != "HUMAN":
        return
    if instance.status != STATUS.NEW or instance.owner_id:
        return
    transaction.on_commit(lambda: _notify_new_task(instance), robust=True)


def _notify_new_task(task) -> None:
    """After the commit: a failure here is logged and never reaches the flow."""
    try:
        notify(users=queue_holders(task), kind=Notification.Kind.NEW_TASK, task=task)
    except Exception:
        logger.exception("new-task notification for task %s failed", task.pk)


def _notify_overdue(process_id: int) -> None:
    """Each open human task of the case: its holder, else whoever may claim it."""
    tasks = Task.objects.filter(
        process_id=process_id, flow_task_type="HUMAN", status__in=[STATUS.NEW, STATUS.ASSIGNED]
    ).select_related("process", "owner")
    for task in tasks:
        try:
            users = [task.owner] if task.owner_id else queue_holders(task)
            notify(users=users, kind=Notification.Kind.OVERDUE, task=task)
        except Exception:
            logger.exception("overdue notification for task %s failed", task.pk)


def _on_overdue_alert(sender, instance, created=False, raw=False, **kwargs):
    """A programme raised an overdue alert (dibao's ``OverdueAlert``, once per case, kind and
    due date): tell the people holding the case's open tasks, after the commit."""
    if raw or not created:
        return
    process_id = instance.process_id
    transaction.on_commit(lambda: _notify_overdue(process_id))


def _on_emergency_place_case(sender, process_pk: int, **kwargs):
    """A household of a township was helped where its emergency happened (急难发生地, TA18; ZB20):
    its registration township's case workers and approvers, and its county's officers, get an
    in-app message leading to the case's read-only page. Sent after the case's commit."""
    from guardian.shortcuts import get_users_with_perms

    from workflows.temporary_assistance.models import TemporaryAssistanceProcess

    process = (
        TemporaryAssistanceProcess.objects.filter(pk=process_pk)
        .select_related("registration_township__county", "township")
        .first()
    )
    if process is None or process.registration_township is None:
        return
    township = process.registration_township
    users = set(get_users_with_perms(township, only_with_perms_in=["act_case_worker", "act_approver"]))
    users |= set(get_users_with_perms(township.county, only_with_perms_in=["act_county_officer"]))
    note = _("%(household)s（户籍%(home)s）在%(place)s获急难救助。") % {
        "household": process.household.head.name if process.household.head else "",
        "home": township.name,
        "place": process.township.name,
    }
    Notification.objects.bulk_create(
        [
            Notification(
                user=u,
                kind=Notification.Kind.SHARED_CASE,
                process_id=process.pk,
                case_number=process.case_number or "",
                actor=process.opened_by,
                note=note[:500],
            )
            for u in sorted(users, key=lambda u: u.pk)
            if u.is_active
        ]
    )


def connect() -> None:
    # by label: the workspace reacts to the programme's alert without importing it
    post_save.connect(_on_overdue_alert, sender="dibao.OverdueAlert", dispatch_uid="workspace.notifications.overdue")
    task_urged.connect(_on_urged, dispatch_uid="workspace.notifications.urged")
    task_transferred.connect(_on_transferred, dispatch_uid="workspace.notifications.transferred")
    connect_models(post_save, _on_task_saved, Task, dispatch_uid="workspace.notifications.new_task")
    from workflows.temporary_assistance.signals import emergency_place_case_opened

    emergency_place_case_opened.connect(_on_emergency_place_case, dispatch_uid="workspace.notifications.shared_case")
