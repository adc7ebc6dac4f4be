"""Demo only: let a case's running timer (the 7-day notice, a paperwork deadline) run out now.

A newcomer trying the demo cannot wait seven days to see a notice end. In a real
deployment nothing may cut a notice short (MSL 19), so this refuses unless
``settings.DEMO_TOOLS`` is on — the demo settings turn it on, production forces it off.

The case is moved as if the time had passed: the timer's due time becomes now and the
process shifts its own dates by the same amount (a dibao notice's posting and end, so
that "notice open" and "objection accepted" still agree with the timer), then the due
timers fire. Each move is an audit event, so a replay shows that the clock was moved.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from .audit import audit_record
from .cases import CaseFields
from .types import Actor

ERR_NOT_DEMO = _("只有演示环境可以快进计时（生产环境中公示期不得缩短）。")
ERR_NO_CASE = _("没有编号为 %(number)s 的案件。")
ERR_NO_TIMER = _("案件 %(number)s 没有正在计时的环节。")


@dataclass(frozen=True)
class FastForward:
    case_number: str
    timers: list[str]  # titles of the timers moved
    fired: int  # timers fired by the sweep (this case's and any other already due)


def case_by_number(case_number: str) -> CaseFields:
    """The case process with this number, whatever its programme."""
    number = (case_number or "").strip().upper()
    for model in apps.get_models():
        if issubclass(model, CaseFields) and not model._meta.abstract:
            found = model._default_manager.filter(case_number=number).first()
            if found is not None:
                return found
    raise ValidationError(ERR_NO_CASE, params={"number": number})


def case_fast_forward(*, case_number: str, actor: Actor = None) -> FastForward:
    """Make the case's scheduled timers due now and fire them (demo only)."""
    if not getattr(settings, "DEMO_TOOLS", False):
        raise PermissionDenied(ERR_NOT_DEMO)
    with transaction.atomic():
        process = case_by_number(case_number)
        now = timezone.now()
        timers = list(
            Task.objects.select_for_update()
            .filter(process_id=process.pk, flow_task_type="TIMER", status=STATUS.SCHEDULED)
            .order_by("scheduled")
        )
        if not timers:
            raise ValidationError(ERR_NO_TIMER, params={"number": process.case_number})
        titles = []
        for task in timers:
            old = task.scheduled
            ahead = max(old - now, datetime.timedelta(0)) if old else datetime.timedelta(0)
            process.shift_clock_back(ahead)
            task.scheduled = now
            task.save(update_fields=["scheduled"])
            title = str(task.flow_task.task_title)
            titles.append(title)
            audit_record(
                action="demo.fast_forward", target=process, actor=actor, process_id=process.pk,
                changes={"scheduled": [old, now]}, data={"timer": title},
            )  # fmt: skip
    from viewflow.workflow.timers import fire_due_timers

    assert process.case_number is not None  # the case was found by its number
    return FastForward(case_number=process.case_number, timers=titles, fired=fire_due_timers())
