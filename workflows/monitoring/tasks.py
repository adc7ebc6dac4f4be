"""Beat job of the monitoring list: no logic here, it calls one service."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from workflows.core.tasks import periodic


@periodic
@shared_task(acks_late=True)
def raise_overdue_signals() -> int:
    """Daily: flag the signals past their due date and tell their townships (LI23)."""
    from .services import signals_raise_overdue

    return signals_raise_overdue(today=timezone.localdate())
