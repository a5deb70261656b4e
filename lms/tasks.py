"""Background work of the learning app. Tasks take ids, load and call a service."""

from smtplib import SMTPException

from celery import shared_task
from django.utils import timezone

from lms.services.activity_mail import external_activity_event_notify
from lms.services.exports import export_jobs_purge, export_run
from lms.services.summaries import compliance_summaries_refresh_year, compliance_summary_refresh


@shared_task(
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def external_activity_notify_task(event_id: int) -> int:
    """E-mail what an external activity's audit event calls for (idempotent)."""
    return external_activity_event_notify(event_id=event_id)


@shared_task(acks_late=True)
def compliance_summary_refresh_task(learner_ids: list[int], year: int) -> int:
    """Recompute some learners' compliance summaries for a year (idempotent)."""
    return compliance_summary_refresh(learner_ids=learner_ids, year=year)


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=2000)
def compliance_summaries_refresh_year_task(year: int | None = None) -> int:
    """Recompute every active user's summary for a year, by default the current one:
    the nightly run (statuses move with the date) and after a rule set changes."""
    return compliance_summaries_refresh_year(year=year or timezone.localdate().year)


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=600, time_limit=660)
def export_run_task(job_id: int) -> str | None:
    """Build an HR export's file (idempotent: a finished job is left as it is; a
    failure marks the job failed with a message rather than retrying)."""
    job = export_run(job_id=job_id)
    return job.status if job else None


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=600, time_limit=660)
def export_jobs_purge_task() -> int:
    """Remove HR export files past their retention, marking the jobs expired: the nightly
    run of the beat schedule (idempotent: a re-run finds nothing left to do)."""
    return export_jobs_purge()
