"""The learner's transcript: the ledger of one year with the compliance verdict."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from lms.compliance import ComplianceReport
from lms.models import CreditEntry
from lms.selectors.compliance import learner_compliance


@dataclass(frozen=True)
class TranscriptEntry:
    entry: CreditEntry
    reversed: bool  # a later entry of the ledger cancels this one


@dataclass(frozen=True)
class Transcript:
    year: int
    years: list[int]
    entries: list[TranscriptEntry]
    compliance: ComplianceReport

    @property
    def net_credits(self) -> Decimal:
        return sum((item.entry.credits for item in self.entries), Decimal(0))

    @property
    def net_study_hours(self) -> Decimal:
        return sum((item.entry.study_hours for item in self.entries), Decimal(0))


def transcript_years(*, learner: User, today: datetime.date | None = None) -> list[int]:
    """Years with ledger entries, and the current year, newest first."""
    current = (today or timezone.localdate()).year
    years = set(
        CreditEntry.objects.filter(learner=learner)
        .order_by()
        .values_list("year", flat=True)
        .distinct()
    )
    return sorted(years | {current}, reverse=True)


def learner_transcript(
    *, learner: User, year: int, today: datetime.date | None = None
) -> Transcript:
    entries = list(
        CreditEntry.objects.filter(learner=learner, year=year)
        .select_related("awarded_by")
        .order_by("created_at", "pk")
    )
    reversed_ids = {entry.reverses_id for entry in entries if entry.reverses_id}
    return Transcript(
        year=year,
        years=transcript_years(learner=learner, today=today),
        entries=[TranscriptEntry(entry=e, reversed=e.pk in reversed_ids) for e in entries],
        compliance=learner_compliance(learner=learner, year=year, today=today),
    )
