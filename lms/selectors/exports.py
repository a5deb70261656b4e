"""Reads of HR export jobs: a job is only ever its requester's (and superusers')."""

from accounts.models import User
from lms.models import ExportJob


def export_job_for(*, user: User, token) -> ExportJob | None:
    """The job if this user asked for it (or is a superuser), else None (so: a 404)."""
    job = ExportJob.objects.filter(token=token).first()
    if job is None or (job.requested_by_id != user.pk and not user.is_superuser):
        return None
    return job


def recent_export_jobs(*, user: User, limit: int) -> list[ExportJob]:
    """The user's latest export jobs, newest first."""
    return list(ExportJob.objects.filter(requested_by=user).order_by("-created_at", "-pk")[:limit])
