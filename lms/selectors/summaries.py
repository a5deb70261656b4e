"""Compliance of many learners at once, for the per-learner-year summaries.

`learner_compliance` judges one learner in three queries; the HR lists need
thousands. `learners_compliance` reads the rule sets in effect and their rules once
and the ledger sums of every learner given in ONE grouped query, then judges each
learner with the pure engine (`lms.compliance`).
"""

import calendar
import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import translation

from accounts.models import User
from lms.compliance import (
    ComplianceReport,
    ComplianceStatus,
    LedgerLine,
    RuleSetSpec,
    evaluate_compliance,
)
from lms.models import CreditEntry, RequirementRule, RequirementRuleSet
from lms.selectors.compliance import (
    _in_effect_on,
    _rank,
    _reference_day,
    rule_set_fits,
    rule_set_spec,
)

# A month number for ledger lines of the years before the one judged (a rolling
# window): they count from the start.
_BEFORE_THE_YEAR = 0


@dataclass(frozen=True)
class LearnerYear:
    """One learner's verdict for a year, with what the summary row stores besides."""

    learner_id: int
    report: ComplianceReport
    rule_set_id: int | None
    gaps: dict[str, list[str]]
    compliant_since: datetime.date | None


def rule_sets_in_effect(*, year: int) -> list[RequirementRuleSet]:
    """The rule sets that may judge `year`, with their institution and rules (two queries)."""
    return list(
        RequirementRuleSet.objects.filter(_in_effect_on(_reference_day(year)))
        .select_related("institution")
        .prefetch_related(
            Prefetch("rules", queryset=RequirementRule.objects.order_by("sort_order", "pk"))
        )
    )


def _month_counted(*, year: int, line_year: int, recorded_year: int, recorded_month: int) -> int:
    """From which month of `year` an entry counts, by the date it was recorded: entries
    of earlier years from the start; entries recorded after the year at its end."""
    if line_year < year or recorded_year < year:
        return _BEFORE_THE_YEAR
    if recorded_year > year:
        return 12
    return recorded_month


def ledger_lines_by_month(
    *, learner_ids: list[int], first_year: int, year: int
) -> dict[int, dict[int, list[LedgerLine]]]:
    """Net ledger sums of many learners, grouped by learner and by the month of `year`
    from which they count (one query)."""
    rows = (
        CreditEntry.objects.filter(learner_id__in=learner_ids, year__gte=first_year, year__lte=year)
        .annotate(
            recorded_year=ExtractYear("created_at"), recorded_month=ExtractMonth("created_at")
        )
        .values(
            "learner_id",
            "year",
            "credit_class",
            "subject_type",
            "cme_project_number",
            "recorded_year",
            "recorded_month",
        )
        .annotate(total_credits=Sum("credits"), total_hours=Sum("study_hours"))
        .order_by()
    )
    lines: dict[int, dict[int, list[LedgerLine]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        month = _month_counted(
            year=year,
            line_year=row["year"],
            recorded_year=row["recorded_year"],
            recorded_month=row["recorded_month"],
        )
        lines[row["learner_id"]][month].append(
            LedgerLine(
                year=row["year"],
                credit_class=row["credit_class"],
                subject_type=row["subject_type"],
                project_number=row["cme_project_number"],
                credits=row["total_credits"] or Decimal(0),
                study_hours=row["total_hours"] or Decimal(0),
            )
        )
    return lines


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _compliant_since(
    *, spec: RuleSetSpec, by_month: dict[int, list[LedgerLine]], year: int, last_month: int
) -> datetime.date | None:
    """The end of the earliest month from which the learner stayed compliant through
    `last_month`, judging the ledger as recorded by the end of each month."""
    day = datetime.date(year, 12, 31)  # compliance does not depend on the day
    since = None
    for month in range(last_month, 0, -1):
        lines = [line for m, month_lines in by_month.items() if m <= month for line in month_lines]
        report = evaluate_compliance(rule_set=spec, lines=lines, year=year, today=day)
        if report.status != ComplianceStatus.COMPLIANT:
            break
        since = _month_end(year, month)
    return since


def _gaps_by_language(
    *, spec: RuleSetSpec | None, lines: list[LedgerLine], year: int, today: datetime.date
) -> dict[str, list[str]]:
    """The gaps in every interface language: the engine words them as it judges."""
    gaps = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            report = evaluate_compliance(rule_set=spec, lines=lines, year=year, today=today)
            gaps[code] = report.gaps
    return gaps


def learners_compliance(
    *, learners: Iterable[User], year: int, today: datetime.date
) -> list[LearnerYear]:
    """Judge many learners' `year` in three queries whatever their number (pass learners
    with their institution loaded: `select_related("institution")`)."""
    learners = list(learners)
    rule_sets = rule_sets_in_effect(year=year)
    specs = {rs.pk: rule_set_spec(rs) for rs in rule_sets}
    years = max([1, *(spec.years_needed for spec in specs.values())])
    by_learner = ledger_lines_by_month(
        learner_ids=[learner.pk for learner in learners], first_year=year - years + 1, year=year
    )
    lag = Decimal(str(settings.SNOWLAND_COMPLIANCE_AT_RISK_LAG))
    if today.year > year:
        last_month = 12
    elif today.year == year:
        last_month = today.month
    else:
        last_month = 0
    results = []
    for learner in learners:
        institution = learner.institution if learner.institution_id else None
        fitting = [
            rs
            for rs in rule_sets
            if rule_set_fits(rule_set=rs, learner=learner, institution=institution)
        ]
        chosen = max(fitting, key=_rank, default=None)
        spec = specs[chosen.pk] if chosen else None
        by_month = by_learner.get(learner.pk, {})
        if spec is not None and spec.years_needed < years:
            first = year - spec.years_needed + 1
            by_month = {
                m: [line for line in month_lines if line.year >= first]
                for m, month_lines in by_month.items()
            }
        lines = [line for month_lines in by_month.values() for line in month_lines]
        report = evaluate_compliance(
            rule_set=spec, lines=lines, year=year, today=today, at_risk_lag=lag
        )
        since = None
        if report.status == ComplianceStatus.COMPLIANT and spec is not None and last_month:
            since = _compliant_since(spec=spec, by_month=by_month, year=year, last_month=last_month)
        gaps = (
            _gaps_by_language(spec=spec, lines=lines, year=year, today=today) if report.gaps else {}
        )
        results.append(
            LearnerYear(
                learner_id=learner.pk,
                report=report,
                rule_set_id=chosen.pk if chosen else None,
                gaps=gaps,
                compliant_since=since,
            )
        )
    return results
