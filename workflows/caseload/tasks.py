"""Beat jobs of the caseload: no logic here, each calls one service."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from workflows.core.tasks import periodic


@periodic
@shared_task(acks_late=True)
def open_due_rechecks() -> int:
    """Daily: open the re-checks coming due (MSL 31)."""
    from .services import recheck_open_due

    return recheck_open_due(today=timezone.localdate())


@periodic
@shared_task(acks_late=True)
def end_phase_outs() -> int:
    """Daily: stop, with a letter, the benefits whose phase-out ends this month (N22 1(3))."""
    from .services import phase_outs_end

    return phase_outs_end(today=timezone.localdate())
