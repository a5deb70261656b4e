"""The credit ledger: append-only awards of CME credit."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from courses.choices import CreditClass, SubjectType


class CreditSource(models.TextChoices):
    COURSE_COMPLETION = "course_completion", _("Course completion")
    EXTERNAL_ACTIVITY = "external_activity", _("Approved external activity")
    ADJUSTMENT = "adjustment", _("Administrator adjustment")
    IMPORT = "import", _("Import")


class CreditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise CreditLedgerIsAppendOnly

    def delete(self):
        raise CreditLedgerIsAppendOnly


class CreditLedgerIsAppendOnly(Exception):
    """Credit entries are never changed or removed: a correction is a reversing entry."""


class CreditEntry(models.Model):
    """One award of CME credit, with everything copied from its source at award time,
    so that later edits of a course never change what was awarded."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="credit_entries",
        verbose_name=_("learner"),
    )
    credits = models.DecimalField(_("credits"), max_digits=6, decimal_places=2)
    study_hours = models.DecimalField(_("study hours"), max_digits=7, decimal_places=2)
    credit_class = models.CharField(_("credit class"), max_length=30, choices=CreditClass.choices)
    subject_type = models.CharField(_("subject type"), max_length=30, choices=SubjectType.choices)
    cme_project_number = models.CharField(_("CME project number"), max_length=60, blank=True)
    activity_title = models.CharField(_("activity"), max_length=255)
    organiser = models.CharField(_("organiser"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("year counted"))
    source = models.CharField(_("source"), max_length=30, choices=CreditSource.choices)
    source_ref = models.CharField(
        _("source reference"),
        max_length=64,
        help_text=_("Identifies the award's source, e.g. the course completion."),
    )
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("awarded by"),
    )
    reason = models.CharField(_("reason"), max_length=500)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = CreditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("credit entry")
        verbose_name_plural = _("credit entries")
        ordering = ["learner_id", "year", "created_at", "pk"]
        constraints = [
            # One award per source, however many completions race to award it.
            models.UniqueConstraint(
                fields=["source", "source_ref"],
                condition=models.Q(reverses__isnull=True),
                name="credit_one_award_per_source",
            )
        ]
        indexes = [models.Index(fields=["learner", "year"], name="credit_learner_year")]
        permissions = [
            ("adjust_credits", _("Can add adjustments to and reverse entries of the credit ledger"))
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} · {self.year} · {self.credits}"

    def save(self, *args, **kwargs):
        # The ledger's one invariant that no code path may skip: rows are only added.
        if not self._state.adding:
            raise CreditLedgerIsAppendOnly
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise CreditLedgerIsAppendOnly
