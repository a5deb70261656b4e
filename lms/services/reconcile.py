"""Repair of awards that a failed completion listener left out.

Awarding runs after the completion commits; if it fails (the database went away,
a bug), the completion stands and the credit is missing. This finds completions of
courses with credits that have no award and awards them, idempotently.
"""

import logging

from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat

from lms.models import CourseCompletion, CreditEntry, CreditSource
from lms.services.credits import credit_award_for_completion

logger = logging.getLogger(__name__)


def credit_reconcile_completions() -> int:
    """Award every missing completion credit; returns how many were awarded."""
    awarded = CreditEntry.objects.filter(
        source=CreditSource.COURSE_COMPLETION,
        reverses__isnull=True,
        source_ref=OuterRef("ref"),
    )
    missing = (
        CourseCompletion.objects.filter(enrollment__course__credits__gt=0)
        .annotate(ref=Concat(Value("completion:"), Cast("pk", CharField())))
        .filter(~Exists(awarded))
        .values_list("pk", flat=True)
    )
    count = 0
    for completion_id in missing.iterator():
        if credit_award_for_completion(completion_id=completion_id):
            count += 1
            logger.warning("Awarded missing credits for completion %s", completion_id)
    return count
