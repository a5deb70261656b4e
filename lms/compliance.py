"""The compliance engine: pure functions from a rule set and ledger totals to a verdict.

Nothing here reads the database, so the arithmetic is tested directly, including by
property-based tests; `lms.selectors.compliance` gathers the inputs in a fixed number
of queries. Amounts are Decimals throughout: credits decide promotions, so no floats.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from courses.choices import CreditClass, SubjectType

ZERO = Decimal(0)
ONE_DECIMAL = Decimal("0.1")
TWO_DECIMALS = Decimal("0.01")

# The values of lms.models.RequirementRuleKind and ClassGroup, repeated here so that
# the engine needs no model import; a test keeps the two in step.
CREDITS_TOTAL = "credits_total"
CREDITS_CLASS = "credits_class"
NATIONAL_WINDOW = "national_window"
STUDY_HOURS = "study_hours"
PUBLIC_COMPULSORY_HOURS = "public_compulsory_hours"
CLASS_1 = "class_1"
CLASS_2 = "class_2"

CLASS_GROUP_OF = {
    CreditClass.CLASS_1_NATIONAL: CLASS_1,
    CreditClass.CLASS_1_PROVINCIAL: CLASS_1,
    CreditClass.CLASS_2: CLASS_2,
}
CLASS_GROUP_LABELS = {CLASS_1: _("Class I"), CLASS_2: _("Class II")}
CLASS_CHECK_LABELS = {CLASS_1: _("Class I credits"), CLASS_2: _("Class II credits")}
CLASS_GAPS = {
    CLASS_1: _("%(amount)s more Class I credits"),
    CLASS_2: _("%(amount)s more Class II credits"),
}


class ComplianceStatus(models.TextChoices):
    """Ordered from worst to best; `rank` compares them."""

    NO_RULES = "no_rules", _("No requirement applies")
    NOT_COMPLIANT = "not_compliant", _("Not compliant")
    AT_RISK = "at_risk", _("At risk")
    ON_TRACK = "on_track", _("On track")
    COMPLIANT = "compliant", _("Compliant")

    @classmethod
    def rank(cls, value: str) -> int:
        return cls.values.index(value)


# --- Inputs -------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSpec:
    kind: str
    credit_class: str = ""
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    window_years: int | None = None
    professional_share_percent: Decimal | None = None


@dataclass(frozen=True)
class RuleSetSpec:
    name: str
    version: str
    rules: tuple[RuleSpec, ...]
    study_hour_minutes: int = 60
    substitution_cap_percent: int = 0
    project_credit_cap: Decimal = Decimal(25)
    pk: int | None = None

    @property
    def years_needed(self) -> int:
        """How many years of ledger, ending with the year evaluated, the rules look at."""
        windows = [r.window_years or 1 for r in self.rules if r.kind == NATIONAL_WINDOW]
        return max([1, *windows])


@dataclass(frozen=True)
class LedgerLine:
    """Net credits and hours of the ledger for one year, class, subject and project."""

    year: int
    credit_class: str
    subject_type: str
    project_number: str
    credits: Decimal
    study_hours: Decimal


# --- Outputs ------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    code: str
    label: str
    unit: str  # "credits" or "hours"
    required: Decimal
    earned: Decimal
    met: bool
    gap: str
    maximum: Decimal | None = None
    substituted: Decimal = ZERO
    first_year: int | None = None
    expected_share: Decimal = Decimal(1)

    @property
    def progress(self) -> Decimal:
        if self.required <= 0:
            return Decimal(1)
        return min(Decimal(1), max(ZERO, self.earned / self.required))

    @property
    def percent(self) -> int:
        return int((self.progress * 100).to_integral_value(rounding=ROUND_FLOOR))


@dataclass(frozen=True)
class ComplianceReport:
    year: int
    status: str
    rule_set: RuleSetSpec | None
    checks: tuple[CheckResult, ...] = ()
    credits_by_class: dict[str, Decimal] = field(default_factory=dict)
    hours_by_subject: dict[str, Decimal] = field(default_factory=dict)
    year_elapsed: Decimal = ZERO

    @property
    def gaps(self) -> list[str]:
        return [check.gap for check in self.checks if not check.met]

    @property
    def status_label(self) -> str:
        return str(ComplianceStatus(self.status).label)


# --- Validation of rules (used by the models and the admin form) ---------------------


def rule_field_errors(
    *,
    kind: str,
    credit_class: str,
    minimum: Decimal | None,
    maximum: Decimal | None,
    window_years: int | None,
    professional_share_percent: Decimal | None,
) -> dict[str, str]:
    """Which fields a rule of this kind needs, and which it must leave empty."""
    errors: dict[str, str] = {}
    needs = {
        CREDITS_TOTAL: {"minimum"},
        CREDITS_CLASS: {"credit_class"},
        NATIONAL_WINDOW: {"minimum", "window_years"},
        STUDY_HOURS: {"minimum"},
        PUBLIC_COMPULSORY_HOURS: {"minimum"},
    }.get(kind)
    if needs is None:
        return {"kind": str(_("Choose a rule."))}
    allowed = needs | {
        CREDITS_CLASS: {"minimum", "maximum"},
        STUDY_HOURS: {"professional_share_percent"},
    }.get(kind, set())
    values = {
        "credit_class": credit_class or None,
        "minimum": minimum,
        "maximum": maximum,
        "window_years": window_years,
        "professional_share_percent": professional_share_percent,
    }
    for name, value in values.items():
        if name in needs and value is None:
            errors[name] = str(_("This rule needs a value here."))
        elif name not in allowed and value is not None:
            errors[name] = str(_("This rule does not use this field; leave it empty."))
    if kind == CREDITS_CLASS and minimum is None and maximum is None and "minimum" not in errors:
        errors["minimum"] = str(_("Give a minimum, a maximum or both."))
    if minimum is not None and maximum is not None and maximum < minimum:
        errors["maximum"] = str(_("The maximum is below the minimum."))
    return errors


def rule_set_errors(rules: Iterable[RuleSpec]) -> list[str]:
    """Problems between the rules of one set: repeats and requirements nobody can meet."""
    errors: list[str] = []
    seen: set[tuple[str, str]] = set()
    rules = list(rules)
    for rule in rules:
        key = (rule.kind, rule.credit_class if rule.kind == CREDITS_CLASS else "")
        if key in seen:
            errors.append(
                str(_("A rule set may hold each rule once (for class rules: once per class)."))
            )
            break
        seen.add(key)
    class_rules = {r.credit_class: r for r in rules if r.kind == CREDITS_CLASS}
    total = next((r for r in rules if r.kind == CREDITS_TOTAL), None)
    if total is not None and len(class_rules) == len(CLASS_GROUP_LABELS):
        maxima = [r.maximum for r in class_rules.values()]
        if all(m is not None for m in maxima) and sum(maxima) < total.minimum:
            errors.append(
                str(
                    _(
                        "The class maxima add up to %(sum)s credits, less than the minimum "
                        "total of %(total)s: nobody could comply."
                    )
                    % {"sum": format_amount(sum(maxima)), "total": format_amount(total.minimum)}
                )
            )
    return errors


# --- Evaluation ---------------------------------------------------------------------


def format_amount(value: Decimal) -> str:
    """3 → "3", 2.50 → "2.5": amounts as people write them."""
    text = f"{value.quantize(TWO_DECIMALS):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _gap_up(value: Decimal) -> Decimal:
    # A gap is rounded up, so that "0.1 more hours" never shows as "0 more".
    return value.quantize(ONE_DECIMAL, rounding=ROUND_CEILING)


def year_elapsed_share(*, year: int, today: datetime.date) -> Decimal:
    """How much of `year` has passed on `today`: 0 before it starts, 1 once it is over."""
    start = datetime.date(year, 1, 1)
    end = datetime.date(year + 1, 1, 1)
    if today < start:
        return ZERO
    if today >= end:
        return Decimal(1)
    return Decimal((today - start).days + 1) / Decimal((end - start).days)


class _Totals:
    """Net ledger sums, with the per-project cap applied, for the years a rule set needs."""

    def __init__(self, lines: Iterable[LedgerLine], *, project_cap: Decimal):
        project: dict[tuple[int, str, str], Decimal] = defaultdict(Decimal)
        self.credits: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
        self.hours: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
        for line in lines:
            self.hours[(line.year, line.subject_type)] += line.study_hours
            if line.project_number:
                project[(line.year, line.credit_class, line.project_number)] += line.credits
            else:
                self.credits[(line.year, line.credit_class)] += line.credits
        for (year, credit_class, _number), credits in project.items():
            self.credits[(year, credit_class)] += min(credits, project_cap)

    def class_credits(self, year: int, credit_class: str) -> Decimal:
        return self.credits[(year, credit_class)]

    def group_credits(self, year: int, group: str) -> Decimal:
        return sum((self.credits[(year, c)] for c, g in CLASS_GROUP_OF.items() if g == group), ZERO)

    def subject_hours(self, year: int, subject: str) -> Decimal:
        return self.hours[(year, subject)]


def _check(
    *,
    code: str,
    label: str,
    unit: str,
    required: Decimal,
    earned: Decimal,
    gap_message: str,
    expected_share: Decimal,
    gap_params: dict | None = None,
    **extra,
) -> CheckResult:
    met = earned >= required
    amount = format_amount(_gap_up(required - earned))
    gap = "" if met else gap_message % {"amount": amount, **(gap_params or {})}
    return CheckResult(
        code=code,
        label=str(label),
        unit=unit,
        required=required,
        earned=earned,
        met=met,
        gap=gap,
        expected_share=expected_share,
        **extra,
    )


def evaluate_compliance(
    *,
    rule_set: RuleSetSpec | None,
    lines: Iterable[LedgerLine],
    year: int,
    today: datetime.date,
    at_risk_lag: Decimal = Decimal("0.25"),
) -> ComplianceReport:
    """Judge one learner-year against one rule set.

    Status: compliant when every check is met; once the year is over, anything else
    is not compliant; during the year a learner is at risk when, on some check, the
    share achieved lags the share of the period already passed by more than
    `at_risk_lag`, and on track otherwise.
    """
    lines = list(lines)
    elapsed = year_elapsed_share(year=year, today=today)
    cap = rule_set.project_credit_cap if rule_set else Decimal(25)
    totals = _Totals(lines, project_cap=cap)
    credits_by_class = {c: totals.class_credits(year, c) for c in CreditClass.values}
    minutes = Decimal(rule_set.study_hour_minutes if rule_set else 60)
    hours_by_subject = {s: totals.subject_hours(year, s) * 60 / minutes for s in SubjectType.values}
    if rule_set is None:
        return ComplianceReport(
            year=year,
            status=ComplianceStatus.NO_RULES,
            rule_set=None,
            credits_by_class=credits_by_class,
            hours_by_subject=hours_by_subject,
            year_elapsed=elapsed,
        )

    checks = [
        *_credit_checks(rule_set, totals, year, elapsed),
        *_window_checks(rule_set, totals, year, elapsed),
        *_hour_checks(rule_set, hours_by_subject, elapsed),
    ]
    if all(check.met for check in checks):
        status = ComplianceStatus.COMPLIANT
    elif elapsed >= 1:
        status = ComplianceStatus.NOT_COMPLIANT
    elif any(check.progress < check.expected_share - at_risk_lag for check in checks):
        status = ComplianceStatus.AT_RISK
    else:
        status = ComplianceStatus.ON_TRACK
    return ComplianceReport(
        year=year,
        status=status,
        rule_set=rule_set,
        checks=tuple(checks),
        credits_by_class=credits_by_class,
        hours_by_subject=hours_by_subject,
        year_elapsed=elapsed,
    )


def _credit_checks(rule_set: RuleSetSpec, totals: _Totals, year: int, elapsed: Decimal):
    class_rules = {r.credit_class: r for r in rule_set.rules if r.kind == CREDITS_CLASS}
    counted = {}
    for group in CLASS_GROUP_LABELS:
        earned = totals.group_credits(year, group)
        rule = class_rules.get(group)
        counted[group] = min(earned, rule.maximum) if rule and rule.maximum is not None else earned

    def surplus(group: str) -> Decimal:
        rule = class_rules.get(group)
        floor = rule.minimum if rule and rule.minimum is not None else ZERO
        return max(ZERO, counted[group] - floor)

    share = Decimal(rule_set.substitution_cap_percent) / 100
    for group in CLASS_GROUP_LABELS:
        rule = class_rules.get(group)
        if rule is None:
            continue
        minimum = rule.minimum or ZERO
        other = CLASS_2 if group == CLASS_1 else CLASS_1
        shortfall = max(ZERO, minimum - counted[group])
        substituted = min(shortfall, minimum * share, surplus(other))
        yield _check(
            code=f"credits_{group}",
            label=CLASS_CHECK_LABELS[group],
            unit="credits",
            required=minimum,
            earned=counted[group] + substituted,
            maximum=rule.maximum,
            substituted=substituted,
            gap_message=CLASS_GAPS[group],
            expected_share=elapsed,
        )
    for rule in rule_set.rules:
        if rule.kind == CREDITS_TOTAL:
            yield _check(
                code=CREDITS_TOTAL,
                label=_("Total credits"),
                unit="credits",
                required=rule.minimum,
                earned=counted[CLASS_1] + counted[CLASS_2],
                gap_message=_("%(amount)s more credits"),
                expected_share=elapsed,
            )


def _window_checks(rule_set: RuleSetSpec, totals: _Totals, year: int, elapsed: Decimal):
    for rule in rule_set.rules:
        if rule.kind != NATIONAL_WINDOW:
            continue
        years = rule.window_years or 1
        first = year - years + 1
        earned = sum(
            (totals.class_credits(y, CreditClass.CLASS_1_NATIONAL) for y in range(first, year + 1)),
            ZERO,
        )
        yield _check(
            code=NATIONAL_WINDOW,
            label=_("National-project Class I credits, %(first)s–%(last)s")
            % {"first": first, "last": year},
            unit="credits",
            required=rule.minimum,
            earned=earned,
            first_year=first,
            gap_message=_(
                "%(amount)s more national-project Class I credits by the end of %(year)s"
            ),
            gap_params={"year": year},
            # The window's earlier years have passed: by its last year most should be done.
            expected_share=(Decimal(years - 1) + elapsed) / Decimal(years),
        )


def _hour_checks(rule_set: RuleSetSpec, hours: dict[str, Decimal], elapsed: Decimal):
    professional = hours[SubjectType.PROFESSIONAL]
    public = hours[SubjectType.PUBLIC_COMPULSORY]
    for rule in rule_set.rules:
        if rule.kind == STUDY_HOURS:
            yield _check(
                code=STUDY_HOURS,
                label=_("Study hours"),
                unit="hours",
                required=rule.minimum,
                earned=professional + public,
                gap_message=_("%(amount)s more study hours"),
                expected_share=elapsed,
            )
            if rule.professional_share_percent:
                yield _check(
                    code="professional_hours",
                    label=_("Professional study hours"),
                    unit="hours",
                    required=(rule.minimum * rule.professional_share_percent / 100).quantize(
                        ONE_DECIMAL
                    ),
                    earned=professional,
                    gap_message=_("%(amount)s more professional study hours"),
                    expected_share=elapsed,
                )
        elif rule.kind == PUBLIC_COMPULSORY_HOURS:
            yield _check(
                code=PUBLIC_COMPULSORY_HOURS,
                label=_("Public-compulsory study hours"),
                unit="hours",
                required=rule.minimum,
                earned=public,
                gap_message=_("%(amount)s more public-compulsory study hours"),
                expected_share=elapsed,
            )
