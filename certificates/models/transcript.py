"""A learner's yearly transcript as a signed PDF, prepared on request by a task."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lms.storage import private_media_storage


class TranscriptDocument(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="transcript_documents",
        verbose_name=_("learner"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    verification_code = models.CharField(_("verification code"), max_length=64, unique=True)
    payload = models.JSONField(_("signed data"), default=dict)
    key_id = models.CharField(_("key id"), max_length=32, blank=True)
    signature = models.CharField(_("signature"), max_length=128, blank=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    # Who asked for it: the learner, or an HR officer whose scope covers them (null for
    # documents made before this was recorded).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    pdf = models.FileField(
        _("PDF"), storage=private_media_storage, upload_to="transcripts/%Y/", blank=True
    )
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("transcript document")
        verbose_name_plural = _("transcript documents")
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.learner_id} · {self.year}"
