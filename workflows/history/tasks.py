"""Celery beat job: the periodic anchor (hourly by default). No business logic here."""

import logging

from celery import shared_task

from workflows.core.tasks import periodic

logger = logging.getLogger(__name__)


@periodic
@shared_task(acks_late=True)
def anchor_history() -> str:
    """Record an anchor; log its hash so it also lives outside the database."""
    from .services import anchor_create

    anchor = anchor_create()
    logger.info("history anchor %s day=%s chains=%s hash=%s", anchor.pk, anchor.day, anchor.chain_count, anchor.hash)
    return anchor.hash


@shared_task(acks_late=True)
def anchor_history_daily() -> str:
    """The former daily job's name, kept for messages queued and beat rows stored under it."""
    return anchor_history()
