"""Exports that HR officers ask for: built by a Celery task, downloaded when ready.

A job row is the request (who, what, with which filters) and its progress; the file it
produces lives in private storage (no URL) and is only sent by a view that checks the
requester. `params` holds plain ids and strings only, never objects: the task re-reads
everything, and re-checks the requester's scope, when it runs. SNOWLAND_EXPORT_RETENTION_DAYS
after a job finished, its file is removed and the job marked expired
(`lms.services.exports.export_jobs_purge`); the row stays, as the record of the request.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lms.storage import private_media_storage


class ExportKind(models.TextChoices):
    STAFF_CSV = "staff_csv", _("Staff table (CSV)")
    STAFF_XLSX = "staff_xlsx", _("Staff table (Excel)")
    PERSON_FILE_CSV = "person_file_csv", _("Yearly continuing-education file (CSV)")
    PERSON_FILE_XLSX = "person_file_xlsx", _("Yearly continuing-education file (Excel)")
    CERTIFICATES_ZIP = "certificates_zip", _("Certificates (ZIP)")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
    # Past SNOWLAND_EXPORT_RETENTION_DAYS: the file is gone, the row stays for the record.
    EXPIRED = "expired", _("Expired")


class ExportJob(models.Model):
    token = models.UUIDField(_("token"), default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="export_jobs",
        verbose_name=_("requested by"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=ExportKind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # The requester's interface language: the file's headings and messages use it.
    language = models.CharField(_("language"), max_length=15, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    progress_done = models.PositiveIntegerField(_("rows done"), default=0)
    progress_total = models.PositiveIntegerField(_("rows in all"), default=0)
    file = models.FileField(
        _("file"), storage=private_media_storage, upload_to="exports/%Y/", blank=True
    )
    file_name = models.CharField(_("file name for download"), max_length=200, blank=True)
    # Plain-language messages in the requester's language: why it failed, or what was
    # left out (e.g. people who left the requester's scope before it ran).
    error = models.CharField(_("error message"), max_length=500, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expired_at = models.DateTimeField(_("file removed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="export_job_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.token})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED, ExportStatus.EXPIRED)

    @property
    def is_expired(self) -> bool:
        return self.status == ExportStatus.EXPIRED

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)
