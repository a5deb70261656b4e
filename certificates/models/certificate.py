"""The certificate record: the truth that its PDF renders and its signature seals."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from courses.choices import CreditClass, SubjectType
from lms.models import Enrollment
from lms.storage import private_media_storage


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")


class SerialCounter(models.Model):
    """The last sequence number issued per year, locked while a serial is taken."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("serial counter")
        verbose_name_plural = _("serial counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Certificate(models.Model):
    # One certificate per completed enrolment, whatever the races.
    enrollment = models.OneToOneField(
        Enrollment, on_delete=models.PROTECT, related_name="certificate"
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("learner"),
    )
    template = models.ForeignKey(
        "certificates.CertificateTemplate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("template"),
    )
    serial_number = models.CharField(_("serial number"), max_length=32, unique=True)
    serial_year = models.PositiveSmallIntegerField(_("serial year"))
    serial_sequence = models.PositiveIntegerField(_("serial sequence"))
    verification_code = models.CharField(_("verification code"), max_length=64, unique=True)

    # Snapshots at issue time: later edits of the learner or course change nothing.
    learner_name = models.CharField(_("name"), max_length=150)
    learner_institution = models.CharField(_("institution"), max_length=200, blank=True)
    learner_title = models.CharField(_("professional title"), max_length=100, blank=True)
    course_title = models.CharField(_("course"), max_length=255)
    cme_project_number = models.CharField(_("CME project number"), max_length=60, blank=True)
    credit_class = models.CharField(_("credit class"), max_length=30, choices=CreditClass.choices)
    credits = models.DecimalField(_("credits"), max_digits=6, decimal_places=2)
    study_hours = models.DecimalField(_("study hours"), max_digits=7, decimal_places=2)
    subject_type = models.CharField(_("subject type"), max_length=30, choices=SubjectType.choices)
    organiser = models.CharField(_("organiser"), max_length=200, blank=True)
    completed_on = models.DateField(_("completed on"))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"))
    issuer = models.CharField(_("issuing organisation"), max_length=200, blank=True)

    # The seal: Ed25519 over the canonical serialisation of the fields above.
    key_id = models.CharField(_("key id"), max_length=32)
    signature = models.CharField(_("signature"), max_length=128)

    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CertificateStatus.choices,
        default=CertificateStatus.VALID,
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revocation_reason = models.CharField(_("reason for revocation"), max_length=500, blank=True)

    # The rendering: made by a Celery task after commit, never in a request.
    pdf = models.FileField(
        _("PDF"), storage=private_media_storage, upload_to="certificates/%Y/", blank=True
    )
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["serial_year", "serial_sequence"], name="certificate_serial_unique"
            )
        ]
        # An uploaded PDF is looked up by its hash (public verification).
        indexes = [models.Index(fields=["pdf_sha256"], name="certificate_pdf_sha256")]
        permissions = [("revoke_certificate", _("Can revoke certificates"))]

    def __str__(self) -> str:
        return self.serial_number
