"""A per-learner-year summary of compliance: a derived, rebuildable table for HR lists."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lms.compliance import ComplianceStatus


class ComplianceSummary(models.Model):
    """How one learner stands in one year, as last computed from the ledger.

    Derived data: `lms.services.compliance_summary_refresh` rewrites a row from the
    ledger and the rule sets at any time, so it is never the record of truth (the
    ledger is). The HR staff table filters and sorts over these columns in SQL.
    `gaps` holds the plain-language gaps per interface language, e.g.
    {"zh-hans": ["还差 3 个 I 类学分"], "en": ["3 more Class I credits"]}.
    `compliant_since` is the end of the month from which the learner stayed
    compliant (from the ledger's entry dates); it draws the year's trend.
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="compliance_summaries",
        verbose_name=_("learner"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=20, choices=ComplianceStatus.choices)
    rule_set = models.ForeignKey(
        "lms.RequirementRuleSet",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rule set"),
    )
    credits_class_1_national = models.DecimalField(
        _("Class I (national project) credits"), max_digits=8, decimal_places=2, default=0
    )
    credits_class_1_provincial = models.DecimalField(
        _("Class I (provincial project) credits"), max_digits=8, decimal_places=2, default=0
    )
    credits_class_2 = models.DecimalField(
        _("Class II credits"), max_digits=8, decimal_places=2, default=0
    )
    credits_total = models.DecimalField(_("net credits"), max_digits=8, decimal_places=2, default=0)
    hours_professional = models.DecimalField(
        _("professional study hours"), max_digits=9, decimal_places=2, default=0
    )
    hours_public_compulsory = models.DecimalField(
        _("public-compulsory study hours"), max_digits=9, decimal_places=2, default=0
    )
    hours_total = models.DecimalField(_("study hours"), max_digits=9, decimal_places=2, default=0)
    gaps = models.JSONField(_("gaps"), default=dict, blank=True)
    compliant_since = models.DateField(_("compliant since"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("compliance summary")
        verbose_name_plural = _("compliance summaries")
        constraints = [
            models.UniqueConstraint(fields=["learner", "year"], name="summary_one_per_learner_year")
        ]
        indexes = [
            models.Index(fields=["year", "status"], name="summary_year_status"),
            models.Index(fields=["year", "credits_total"], name="summary_year_credits"),
            models.Index(fields=["year", "hours_total"], name="summary_year_hours"),
            models.Index(fields=["year", "compliant_since"], name="summary_year_since"),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} · {self.year} · {self.status}"
