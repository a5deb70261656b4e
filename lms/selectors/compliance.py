"""Which requirement rule set applies to whom, and how a learner stands against it."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, Q, Sum
from django.utils import timezone

from accounts.models import Institution, User
from lms.compliance import (
    ComplianceReport,
    LedgerLine,
    RuleSetSpec,
    RuleSpec,
    evaluate_compliance,
)
from lms.models import CreditEntry, RequirementRule, RequirementRuleSet


def _reference_day(year: int) -> datetime.date:
    # The rule set in effect on the year's last day judges the year: a regulation
    # taking effect mid-year applies to that whole year.
    return datetime.date(year, 12, 31)


def _in_effect_on(day: datetime.date) -> Q:
    return Q(active=True, effective_from__lte=day) & (
        Q(effective_until__isnull=True) | Q(effective_until__gte=day)
    )


def _specificity(rule_set: RequirementRuleSet) -> tuple[int, int]:
    depth = rule_set.institution.depth if rule_set.institution_id else 0
    restrictions = sum(
        bool(values)
        for values in (rule_set.institution_kinds, rule_set.professions, rule_set.title_levels)
    )
    return depth, restrictions


def _rank(rule_set: RequirementRuleSet) -> tuple:
    return (rule_set.priority, *_specificity(rule_set), rule_set.effective_from, rule_set.pk)


def rule_set_fits(
    *, rule_set: RequirementRuleSet, learner: User, institution: Institution | None
) -> bool:
    if rule_set.institution_id and (
        institution is None or not institution.path.startswith(rule_set.institution.path)
    ):
        return False
    if rule_set.institution_kinds and (
        institution is None or institution.kind not in rule_set.institution_kinds
    ):
        return False
    if rule_set.professions and learner.profession not in rule_set.professions:
        return False
    return not (rule_set.title_levels and learner.title_level not in rule_set.title_levels)


def requirement_rule_set_for(*, learner: User, year: int) -> RequirementRuleSet | None:
    """The rule set that judges `learner`'s `year`: of those that fit, the highest
    priority, then the narrowest scope (deeper institution, more restrictions)."""
    institution = learner.institution  # usually cached by the caller's select_related
    candidates = (
        RequirementRuleSet.objects.filter(_in_effect_on(_reference_day(year)))
        .select_related("institution")
        .prefetch_related(
            Prefetch("rules", queryset=RequirementRule.objects.order_by("sort_order", "pk"))
        )
    )
    fitting = [
        rs
        for rs in candidates
        if rule_set_fits(rule_set=rs, learner=learner, institution=institution)
    ]
    return max(fitting, key=_rank, default=None)


def rule_set_spec(rule_set: RequirementRuleSet) -> RuleSetSpec:
    return RuleSetSpec(
        pk=rule_set.pk,
        name=rule_set.name,
        version=rule_set.version,
        study_hour_minutes=rule_set.study_hour_minutes,
        substitution_cap_percent=rule_set.substitution_cap_percent,
        project_credit_cap=rule_set.project_credit_cap,
        rules=tuple(
            RuleSpec(
                kind=rule.kind,
                credit_class=rule.credit_class,
                minimum=rule.minimum,
                maximum=rule.maximum,
                window_years=rule.window_years,
                professional_share_percent=rule.professional_share_percent,
            )
            for rule in rule_set.rules.all()
        ),
    )


def ledger_lines(*, learner: User, first_year: int, last_year: int) -> list[LedgerLine]:
    """Net ledger sums per year, class, subject and project (reversals included)."""
    rows = (
        CreditEntry.objects.filter(learner=learner, year__gte=first_year, year__lte=last_year)
        .values("year", "credit_class", "subject_type", "cme_project_number")
        .annotate(total_credits=Sum("credits"), total_hours=Sum("study_hours"))
        .order_by()
    )
    return [
        LedgerLine(
            year=row["year"],
            credit_class=row["credit_class"],
            subject_type=row["subject_type"],
            project_number=row["cme_project_number"],
            credits=row["total_credits"] or Decimal(0),
            study_hours=row["total_hours"] or Decimal(0),
        )
        for row in rows
    ]


def learner_compliance(
    *, learner: User, year: int, today: datetime.date | None = None
) -> ComplianceReport:
    """How `learner` stands in `year`; a fixed number of queries whatever the ledger holds."""
    rule_set = requirement_rule_set_for(learner=learner, year=year)
    spec = rule_set_spec(rule_set) if rule_set else None
    years = spec.years_needed if spec else 1
    return evaluate_compliance(
        rule_set=spec,
        lines=ledger_lines(learner=learner, first_year=year - years + 1, last_year=year),
        year=year,
        today=today or timezone.localdate(),
        at_risk_lag=Decimal(str(settings.SNOWLAND_COMPLIANCE_AT_RISK_LAG)),
    )


def _scopes_overlap(a: RequirementRuleSet, b: RequirementRuleSet) -> bool:
    if a.institution_id and b.institution_id:
        pa, pb = a.institution.path, b.institution.path
        if not (pa.startswith(pb) or pb.startswith(pa)):
            return False
    for first, second in (
        (a.institution_kinds, b.institution_kinds),
        (a.professions, b.professions),
        (a.title_levels, b.title_levels),
    ):
        if first and second and not set(first) & set(second):
            return False
    return True


def _periods_overlap(a: RequirementRuleSet, b: RequirementRuleSet) -> bool:
    far = datetime.date.max
    return a.effective_from <= (b.effective_until or far) and b.effective_from <= (
        a.effective_until or far
    )


def requirement_rule_set_conflicts(*, rule_set: RequirementRuleSet) -> list[RequirementRuleSet]:
    """Active rule sets that could judge the same person in the same period with no
    way to choose between them (same priority, equally narrow scope)."""
    if not rule_set.active:
        return []
    others = RequirementRuleSet.objects.filter(active=True, priority=rule_set.priority)
    if rule_set.pk:
        others = others.exclude(pk=rule_set.pk)
    return [
        other
        for other in others.select_related("institution")
        if _specificity(other) == _specificity(rule_set)
        and _periods_overlap(other, rule_set)
        and _scopes_overlap(other, rule_set)
    ]
