"""Celery jobs of the documents app: orchestration only, idempotent, acks_late."""

import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from workflows.core.tasks import periodic


@shared_task(acks_late=True, bind=True, max_retries=None)
def render_document(self, pending_pk: int) -> str:
    """Render one requested document after the asking transaction committed.

    The service counts every attempt and gives up (``failed``, shown to the office) after
    ``DOCUMENT_RENDER_ATTEMPTS``, so retrying while it raises is bounded.
    """
    from .services import RenderFailed, document_render

    try:
        return document_render(pending_pk=pending_pk)
    except RenderFailed as exc:
        if self.request.is_eager:  # no broker (tests, local dev): the next attempt runs at once
            return render_document.apply(args=[pending_pk], retries=self.request.retries + 1).get()
        raise self.retry(exc=exc, countdown=settings.DOCUMENT_RENDER_RETRY_SECONDS * 2**self.request.retries) from exc


@periodic
@shared_task(acks_late=True)
def requeue_pending_documents(older_than_minutes: float | None = None) -> int:
    """Queue again documents still pending long after they were asked for (the publish after
    commit failed, or the worker lost the message). Safe to over-send: a rendered one is skipped."""
    from .models import PendingDocument

    if older_than_minutes is None:
        older_than_minutes = settings.QUEUED_HANDLE_STALE_MINUTES
    cutoff = timezone.now() - datetime.timedelta(minutes=older_than_minutes)
    ids = list(
        PendingDocument.objects.filter(status=PendingDocument.Status.PENDING, updated_at__lt=cutoff)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        render_document.delay(pk)
    return len(ids)
