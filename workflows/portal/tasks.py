"""Celery jobs of the portal: orchestration only, idempotent, acks_late."""

from celery import shared_task


@shared_task(acks_late=True, bind=True, max_retries=3, default_retry_delay=60)
def send_notification(self, notification_pk: int) -> str:
    """Deliver one queued notification; a sent one is never sent again."""
    from .services import notification_send

    try:
        return notification_send(notification_pk=notification_pk)
    except Exception as exc:  # the service marked the attempt; retry later
        raise self.retry(exc=exc) from exc
