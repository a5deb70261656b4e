"""Writes of the per-learner-year compliance summaries (a derived table).

A summary is rewritten from the ledger and the rule sets whenever something that
decides it changes: a ledger entry (one learner, after commit), a learner's profile
(one learner), a rule set (the whole year, as a task) and every night (the whole
year: with the date alone "on track" becomes "at risk" and, after 31 December,
"not compliant"). Rewriting is idempotent, so a repeated or late refresh does no
harm. See docs/decisions/0009-hr-staff-table.md.
"""

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from courses.choices import CreditClass, SubjectType
from lms.models import ComplianceSummary
from lms.selectors.summaries import learners_compliance

# Learners judged per batch: one ledger query per batch keeps memory flat.
REFRESH_BATCH = 1000

_UPDATED = [
    "status",
    "rule_set",
    "credits_class_1_national",
    "credits_class_1_provincial",
    "credits_class_2",
    "credits_total",
    "hours_professional",
    "hours_public_compulsory",
    "hours_total",
    "gaps",
    "compliant_since",
    "computed_at",
]


def _refresh_batch(*, learners: list[User], year: int, today: datetime.date) -> int:
    now = timezone.now()
    rows = []
    for result in learners_compliance(learners=learners, year=year, today=today):
        credits = result.report.credits_by_class
        hours = result.report.hours_by_subject
        rows.append(
            ComplianceSummary(
                learner_id=result.learner_id,
                year=year,
                status=result.report.status,
                rule_set_id=result.rule_set_id,
                credits_class_1_national=credits[CreditClass.CLASS_1_NATIONAL],
                credits_class_1_provincial=credits[CreditClass.CLASS_1_PROVINCIAL],
                credits_class_2=credits[CreditClass.CLASS_2],
                credits_total=sum(credits.values()),
                hours_professional=round(hours[SubjectType.PROFESSIONAL], 2),
                hours_public_compulsory=round(hours[SubjectType.PUBLIC_COMPULSORY], 2),
                hours_total=round(sum(hours.values()), 2),
                gaps=result.gaps,
                compliant_since=result.compliant_since,
                computed_at=now,
            )
        )
    with transaction.atomic():
        ComplianceSummary.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["learner", "year"],
            update_fields=_UPDATED,
        )
    return len(rows)


def compliance_summary_refresh(
    *, learner_ids: Iterable[int], year: int, today: datetime.date | None = None
) -> int:
    """Recompute the summaries of these learners for `year`, creating missing rows.

    Four queries per batch of learners (learners, rule sets, rules, ledger) plus the
    upsert. Returns the number of rows written.
    """
    today = today or timezone.localdate()
    ids = sorted(set(learner_ids))
    written = 0
    for start in range(0, len(ids), REFRESH_BATCH):
        learners = list(
            User.objects.filter(pk__in=ids[start : start + REFRESH_BATCH]).select_related(
                "institution"
            )
        )
        written += _refresh_batch(learners=learners, year=year, today=today)
    return written


def compliance_summaries_refresh_year(*, year: int, today: datetime.date | None = None) -> int:
    """Recompute every active user's summary for `year` (the nightly run): afterwards
    every member of staff has a row, entries or not."""
    ids = User.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    return compliance_summary_refresh(learner_ids=list(ids), year=year, today=today)


def compliance_summary_refresh_on_commit(*, learner_id: int, years: Iterable[int]) -> None:
    """After the current transaction commits, refresh one learner's summaries (a task,
    run in-process without a broker)."""
    from lms.tasks import compliance_summary_refresh_task

    for year in sorted(set(years)):
        # Robust: a broker outage must not fail the write that changed the ledger; the
        # nightly refresh recomputes every summary anyway.
        transaction.on_commit(
            lambda year=year: compliance_summary_refresh_task.delay([learner_id], year),
            robust=True,
        )
