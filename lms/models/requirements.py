"""Yearly CME requirements as data: rule sets with a scope, an effective period and rules.

Rules change by year, region, title and workplace, so none of their figures live in
code. Each rule set is one version: a new regulation is a new rule set from its
effective date, and the old one keeps applying to the years before it.
"""

from decimal import Decimal

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable, RevisionMixin

from accounts.models import Institution
from lms.compliance import rule_field_errors

POSITIVE = [MinValueValidator(Decimal("0.01"))]
NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]


class StudyHourLength(models.IntegerChoices):
    SIXTY = 60, _("60 minutes")
    FORTY_FIVE = 45, _("45 minutes")


class RequirementRuleKind(models.TextChoices):
    CREDITS_TOTAL = "credits_total", _("Minimum total credits per year")
    CREDITS_CLASS = "credits_class", _("Credits of one class per year (minimum and/or maximum)")
    NATIONAL_WINDOW = (
        "national_window",
        _("Minimum national-project Class I credits over a rolling window of years"),
    )
    STUDY_HOURS = (
        "study_hours",
        _("Minimum study hours per year (with an optional share of professional subjects)"),
    )
    PUBLIC_COMPULSORY_HOURS = (
        "public_compulsory_hours",
        _("Minimum public-compulsory study hours per year"),
    )


class ClassGroup(models.TextChoices):
    """The two credit classes that requirements name; Class I holds both project levels."""

    CLASS_1 = "class_1", _("Class I")
    CLASS_2 = "class_2", _("Class II")


class RequirementRuleSet(RevisionMixin, ClusterableModel):
    name = models.CharField(_("name"), max_length=120)
    version = models.CharField(
        _("version"),
        max_length=40,
        help_text=_("Which regulation or edition this is, e.g. “2026”."),
    )
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive rule sets never apply. Retire a rule set rather than delete it."),
    )
    effective_from = models.DateField(_("effective from"))
    effective_until = models.DateField(
        _("effective until"), null=True, blank=True, help_text=_("Leave empty if open-ended.")
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"),
        default=0,
        help_text=_(
            "When several rule sets fit a person, the one with the highest priority applies; "
            "at equal priority, the one with the narrower scope."
        ),
    )
    # Scope: empty means "everyone" on that dimension.
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region or institution"),
        help_text=_(
            "Applies to staff of this area or institution and everything under it. "
            "Leave empty for everywhere."
        ),
    )
    institution_kinds = models.JSONField(
        _("institution types"), default=list, blank=True, help_text=_("Empty: every type.")
    )
    professions = models.JSONField(
        _("professions"), default=list, blank=True, help_text=_("Empty: every profession.")
    )
    title_levels = models.JSONField(
        _("title levels"), default=list, blank=True, help_text=_("Empty: every title level.")
    )
    # How activities are counted under this rule set.
    study_hour_minutes = models.PositiveSmallIntegerField(
        _("length of a study hour"), choices=StudyHourLength.choices, default=StudyHourLength.SIXTY
    )
    substitution_cap_percent = models.PositiveSmallIntegerField(
        _("substitution between classes (%)"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_(
            "0: Class I and Class II do not substitute for each other. 50: up to half of a "
            "class's minimum may be made up by credits of the other class beyond its minimum."
        ),
    )
    national_hours_per_credit = models.DecimalField(
        _("hours per credit, national projects"),
        max_digits=4,
        decimal_places=1,
        default=Decimal(3),
        validators=POSITIVE,
    )
    provincial_hours_per_credit = models.DecimalField(
        _("hours per credit, provincial projects"),
        max_digits=4,
        decimal_places=1,
        default=Decimal(6),
        validators=POSITIVE,
    )
    class_2_hours_per_credit = models.DecimalField(
        _("hours per credit, Class II"),
        max_digits=4,
        decimal_places=1,
        default=Decimal(3),
        validators=POSITIVE,
    )
    project_credit_cap = models.DecimalField(
        _("maximum credits per project"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(25),
        validators=POSITIVE,
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="requirementruleset")

    class Meta:
        verbose_name = _("requirement rule set")
        verbose_name_plural = _("requirement rule sets")
        ordering = ["-priority", "name", "-effective_from"]

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"

    @property
    def revisions(self):
        return self._revisions

    def clean(self):
        super().clean()
        if self.effective_until and self.effective_until < self.effective_from:
            raise ValidationError(
                {"effective_until": _("The end of the effective period is before its start.")}
            )


class RequirementRule(Orderable):
    rule_set = ParentalKey(RequirementRuleSet, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(_("rule"), max_length=30, choices=RequirementRuleKind.choices)
    credit_class = models.CharField(
        _("credit class"),
        max_length=20,
        choices=ClassGroup.choices,
        blank=True,
        help_text=_("Only for a rule on one class's credits."),
    )
    minimum = models.DecimalField(
        _("minimum"), max_digits=6, decimal_places=2, null=True, blank=True, validators=NOT_NEGATIVE
    )
    maximum = models.DecimalField(
        _("maximum counted"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
        help_text=_("Only for a rule on one class's credits: credits beyond it do not count."),
    )
    window_years = models.PositiveSmallIntegerField(
        _("window (years)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("Only for the national-project rule: the year counted and those before it."),
    )
    professional_share_percent = models.DecimalField(
        _("professional share (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text=_(
            "Only for the study-hours rule: the share of the minimum that must be "
            "professional subjects, e.g. 66.67 for two thirds."
        ),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("requirement rule")
        verbose_name_plural = _("requirement rules")

    def __str__(self) -> str:
        return str(self.get_kind_display())

    def clean(self):
        super().clean()
        errors = rule_field_errors(
            kind=self.kind,
            credit_class=self.credit_class,
            minimum=self.minimum,
            maximum=self.maximum,
            window_years=self.window_years,
            professional_share_percent=self.professional_share_percent,
        )
        if errors:
            raise ValidationError(errors)
