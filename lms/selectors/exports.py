"""Reads of HR export jobs: a job is only ever its requester's (and superusers')."""

import datetime

from django.conf import settings
from django.db.models import Q, QuerySet

from accounts.models import User
from lms.models import ExportJob, ExportStatus

# The states whose file (if any) the retention removes; queued and running jobs are
# never touched, however old: a worker may be writing their file.
PURGEABLE_STATUSES = (ExportStatus.DONE, ExportStatus.FAILED)


def export_job_for(*, user: User, token) -> ExportJob | None:
    """The job if this user asked for it (or is a superuser), else None (so: a 404)."""
    job = ExportJob.objects.filter(token=token).first()
    if job is None or (job.requested_by_id != user.pk and not user.is_superuser):
        return None
    return job


def recent_export_jobs(*, user: User, limit: int) -> list[ExportJob]:
    """The user's latest export jobs, newest first."""
    return list(ExportJob.objects.filter(requested_by=user).order_by("-created_at", "-pk")[:limit])


def export_retention() -> datetime.timedelta:
    return datetime.timedelta(days=settings.SNOWLAND_EXPORT_RETENTION_DAYS)


def export_jobs_to_purge(*, now: datetime.datetime) -> QuerySet[ExportJob]:
    """Finished or failed jobs that finished longer than the retention ago (a job with
    no finish time, which only a hand-edited row has, counts from its request)."""
    cutoff = now - export_retention()
    return ExportJob.objects.filter(
        Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff),
        status__in=PURGEABLE_STATUSES,
    ).order_by("pk")
