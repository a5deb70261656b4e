"""External CME activities that learners report, and the chains that approve them.

A learner reports an activity done elsewhere (a conference, further study at a
mainland hospital, a paper) with evidence; it climbs its institution's approval
chain (department head → the institution's CME or HR office → the supervising
health commission) and, once approved at the last step, becomes a credit entry.
"""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from accounts.models import Institution
from courses.choices import CreditClass, SubjectType
from lms.models.credits import CreditEntry
from lms.storage import private_media_storage


class ApprovalLevel(models.TextChoices):
    DEPARTMENT_HEAD = "department_head", _("Head of the learner's department")
    INSTITUTION_OFFICE = "institution_office", _("The institution's CME or HR office")
    HEALTH_COMMISSION = "health_commission", _("Supervising health commission")


class ApprovalChain(ClusterableModel):
    """The steps that approve external activities of an institution's staff.

    Applies to the institution and every institution under it, unless a deeper one
    has its own chain. Where no chain applies, the institution's office decides alone.
    """

    institution = models.OneToOneField(
        Institution,
        on_delete=models.CASCADE,
        related_name="approval_chain",
        verbose_name=_("region or institution"),
        help_text=_(
            "Applies to staff of this area or institution and everything under it, "
            "unless an institution under it has its own chain."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("approval chain")
        verbose_name_plural = _("approval chains")
        ordering = ["institution__path"]

    def __str__(self) -> str:
        return str(self.institution)


class ApprovalChainStep(Orderable):
    chain = ParentalKey(ApprovalChain, on_delete=models.CASCADE, related_name="steps")
    level = models.CharField(_("who decides"), max_length=30, choices=ApprovalLevel.choices)

    class Meta(Orderable.Meta):
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")

    def __str__(self) -> str:
        return str(self.get_level_display())


class ActivityKind(models.TextChoices):
    CONFERENCE = "conference", _("Academic conference")
    FURTHER_STUDY = "further_study", _("Further study at another hospital")
    PAPER = "paper", _("Published paper")
    TRAINING = "training", _("In-person training")
    OTHER = "other", _("Other activity")


class ActivityStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Under review")
    RETURNED = "returned", _("Returned for changes")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn by the learner")


class ActivityDecision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    RETURN = "return", _("Return for changes")
    REJECT = "reject", _("Reject")


class ExternalActivity(models.Model):
    """A learner's claim for credit for an activity done elsewhere.

    The chain's levels are copied here when the claim is submitted, so that editing a
    chain later never changes claims already on their way. `current_step` is the
    position in that copy; `current_level` repeats its level while the claim waits,
    so that approval queues are one indexed query.
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="external_activities",
        verbose_name=_("learner"),
    )
    kind = models.CharField(_("kind of activity"), max_length=30, choices=ActivityKind.choices)
    title = models.CharField(_("title"), max_length=255)
    organiser = models.CharField(_("organiser"), max_length=200)
    cme_project_number = models.CharField(_("CME project number"), max_length=60, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    credit_class = models.CharField(_("credit class"), max_length=30, choices=CreditClass.choices)
    subject_type = models.CharField(_("subject type"), max_length=30, choices=SubjectType.choices)
    credits = models.DecimalField(_("credits"), max_digits=6, decimal_places=2)
    study_hours = models.DecimalField(_("study hours"), max_digits=7, decimal_places=2)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ActivityStatus.choices,
        default=ActivityStatus.SUBMITTED,
    )
    chain_levels = models.JSONField(_("approval steps"), default=list)
    current_step = models.PositiveSmallIntegerField(_("current step"), default=0)
    current_level = models.CharField(
        _("waiting for"), max_length=30, choices=ApprovalLevel.choices, blank=True
    )
    credit_entry = models.ForeignKey(
        CreditEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="external_activities",
        verbose_name=_("credit entry"),
    )
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("last submitted at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("external activity")
        verbose_name_plural = _("external activities")
        ordering = ["-created_at", "-pk"]
        permissions = [
            (
                "approve_external_activities",
                _("Can approve external CME activities of staff in their scope"),
            )
        ]
        indexes = [
            models.Index(fields=["learner", "-created_at"], name="external_learner_created"),
            models.Index(fields=["status", "current_level"], name="external_waiting"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def year(self) -> int:
        """The year the activity counts for: the year it ended."""
        return self.end_date.year

    @property
    def is_waiting(self) -> bool:
        return self.status == ActivityStatus.SUBMITTED


def evidence_upload_to(instance: "EvidenceFile", filename: str) -> str:
    # Random names: nothing about the learner or the file's own name is on disk.
    suffix = PurePath(filename).suffix.lower()
    return f"evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class EvidenceFile(models.Model):
    activity = models.ForeignKey(
        ExternalActivity,
        on_delete=models.PROTECT,
        related_name="evidence",
        verbose_name=_("external activity"),
    )
    file = models.FileField(
        _("file"), storage=private_media_storage, upload_to=evidence_upload_to, max_length=200
    )
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    removed_at = models.DateTimeField(
        _("removed at"),
        null=True,
        blank=True,
        help_text=_("Removed by the learner when resubmitting; kept for the audit trail."),
    )

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["activity_id", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class ActivityAction(models.TextChoices):
    SUBMITTED = "submitted", _("Reported")
    RESUBMITTED = "resubmitted", _("Resubmitted after changes")
    AWAITING = "awaiting", _("Waiting for a decision")
    STEP_SKIPPED = "step_skipped", _("Step skipped")
    STEP_APPROVED = "step_approved", _("Step approved")
    APPROVED = "approved", _("Approved; credit recorded")
    RETURNED = "returned", _("Returned for changes")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn by the learner")
    EVIDENCE_ADDED = "evidence_added", _("Evidence added")
    EVIDENCE_REMOVED = "evidence_removed", _("Evidence removed")


class SkipReason(models.TextChoices):
    """Why the platform skipped a department-head step (kept as a code, shown translated)."""

    NO_DEPARTMENT = (
        "no_department",
        _("The learner belongs to no department, so there is no department head."),
    )
    NO_HEAD = "no_head", _("The department “%(department)s” has no head.")
    LEARNER_IS_HEAD = (
        "learner_is_head",
        _("The learner is the head of the department “%(department)s”."),
    )


class ExternalActivityEventQuerySet(models.QuerySet):
    def delete(self):
        raise ActivityAuditIsAppendOnly


class ActivityAuditIsAppendOnly(Exception):
    """Audit events of external activities are only ever added."""


class ExternalActivityEvent(models.Model):
    """One line of a claim's audit trail: who did what, at which step, and why."""

    activity = models.ForeignKey(
        ExternalActivity,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("external activity"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty for what the platform did itself, such as skipping a step."),
    )
    action = models.CharField(_("action"), max_length=30, choices=ActivityAction.choices)
    step = models.PositiveSmallIntegerField(_("step"), null=True, blank=True)
    level = models.CharField(_("level"), max_length=30, choices=ApprovalLevel.choices, blank=True)
    from_status = models.CharField(
        _("from status"), max_length=20, choices=ActivityStatus.choices, blank=True
    )
    to_status = models.CharField(
        _("to status"), max_length=20, choices=ActivityStatus.choices, blank=True
    )
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    # Delivery bookkeeping of the e-mail the event causes, not part of the record.
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)

    objects = ExternalActivityEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("external activity event")
        verbose_name_plural = _("external activity events")
        ordering = ["activity_id", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.activity_id} · {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ActivityAuditIsAppendOnly
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ActivityAuditIsAppendOnly

    @property
    def note(self) -> str:
        """What the platform says about an event it made itself, in the reader's language."""
        code = self.details.get("skip")
        if code not in SkipReason.values:
            return ""
        return SkipReason(code).label % {"department": self.details.get("department", "")}

    @property
    def step_number(self) -> int | None:
        return None if self.step is None else self.step + 1
