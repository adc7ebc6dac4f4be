"""Helpers driving the temporary-assistance flow exactly as its views do."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from workflows.core.driving import complete_task, open_tasks, start_case
from workflows.temporary_assistance import services
from workflows.temporary_assistance.flows import TemporaryAssistanceFlow


def file_case(user, household, **overrides):
    data = {
        "kind": "emergency",
        "cause": "fire",
        "event_date": timezone.localdate() - datetime.timedelta(days=1),
        "cause_detail": "房屋失火",
        "requested_amount": Decimal("1500.00"),
    }
    data.update(overrides)
    return start_case(
        TemporaryAssistanceFlow.start,
        user=user,
        perform=lambda p: services.case_open(process=p, household=household, actor=user, **data),
    )


def do(process, node, user, service, **kwargs):
    """Complete the open task of ``node`` as ``user`` calling ``service`` like the node's view does."""
    task = open_tasks(process, node).get()
    return complete_task(task, user=user, perform=lambda p: service(process=p, actor=user, **kwargs))


def node_names(process, status=None):
    qs = process.task_set.order_by("pk")
    if status:
        qs = qs.filter(status=status)
    return [t.flow_task.name for t in qs]


def paperwork_waived(process, **overrides):
    """Arguments of ``case_complete_paperwork`` completing an assist-first case: registered, signed by
    the township head on the payment day, the paid amount reconciled, every check source waived with a reason."""
    paid_on = timezone.localdate(process.payments.order_by("paid_at").first().paid_at)
    data = {
        "registration": True,
        "head_signer": "王镇长",
        "head_signed_on": paid_on,
        "receipt_amount": process.paid_amount(),
        "after_check": "waived",
        "waivers": dict.fromkeys(services.after_check_sources(), "房屋失火，家庭财产已灭失，无需核对"),
        "note": "",
    }
    data.update(overrides)
    return data
