"""Background work of the learning app. Tasks take ids, load and call a service."""

from smtplib import SMTPException

from celery import shared_task

from lms.services.activity_mail import external_activity_event_notify


@shared_task(
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def external_activity_notify_task(event_id: int) -> int:
    """E-mail what an external activity's audit event calls for (idempotent)."""
    return external_activity_event_notify(event_id=event_id)
