from decimal import Decimal

from django.db.models import Max

from lms.models import Enrollment, ExamAttempt


def exam_best_passed_score(*, enrollment: Enrollment) -> Decimal | None:
    """The best score of a submitted, passed attempt; None if no attempt passed."""
    return ExamAttempt.objects.filter(
        enrollment=enrollment, submitted_at__isnull=False, passed=True
    ).aggregate(best=Max("score"))["best"]
