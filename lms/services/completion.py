import logging
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from lms.models import (
    CourseCompletion,
    Enrollment,
    EnrollmentEvent,
    EnrollmentStatus,
    LessonProgress,
)
from lms.selectors.exams import exam_best_passed_score
from lms.selectors.lessons import course_lesson_ids
from lms.signals import course_completed

logger = logging.getLogger(__name__)


def _announce(completion: CourseCompletion) -> None:
    # Robust: one receiver's failure (the broker down while it queues work) must not
    # keep the others (credit, certificate) from running; the sweep mends the failed one.
    enrollment = completion.enrollment
    results = course_completed.send_robust(
        sender=CourseCompletion,
        completion_id=completion.pk,
        enrollment_id=enrollment.pk,
        learner_id=enrollment.learner_id,
        course_id=enrollment.course_id,
    )
    for receiver, outcome in results:
        if isinstance(outcome, Exception):
            logger.error(
                "course_completed receiver %r failed for completion %s",
                receiver,
                completion.pk,
                exc_info=outcome,
            )


def enrollment_complete(*, enrollment_id: int) -> CourseCompletion | None:
    """Record the course as complete if every lesson is complete and the exam (if
    any) is passed; otherwise return None.

    Idempotent and safe when requests race: the enrolment row is locked, and the
    one-to-one completion row makes a second record impossible. The completion is
    announced (`lms.signals.course_completed`) after the transaction commits.
    """
    with transaction.atomic():
        enrollment = (
            Enrollment.objects.select_for_update().select_related("course").get(pk=enrollment_id)
        )
        existing = CourseCompletion.objects.filter(enrollment=enrollment).first()
        if existing is not None:
            return existing
        if enrollment.status == EnrollmentStatus.WITHDRAWN:
            return None
        lesson_ids = set(course_lesson_ids(course=enrollment.course))
        progress = LessonProgress.objects.filter(enrollment=enrollment)
        done = set(
            progress.filter(completed_at__isnull=False, lesson_id__in=lesson_ids).values_list(
                "lesson_id", flat=True
            )
        )
        if not lesson_ids or done != lesson_ids:
            return None
        score: Decimal | None = None
        if enrollment.course.exam_question_count:
            score = exam_best_passed_score(enrollment=enrollment)
            if score is None:
                return None
        now = timezone.now()
        try:
            with transaction.atomic():
                completion = CourseCompletion.objects.create(
                    enrollment=enrollment,
                    completed_at=now,
                    final_score=score,
                    study_seconds=progress.aggregate(total=Sum("study_seconds"))["total"] or 0,
                )
        except IntegrityError:  # another request recorded it first (no row lock on SQLite)
            return CourseCompletion.objects.get(enrollment=enrollment)
        enrollment.status = EnrollmentStatus.COMPLETED
        enrollment.save(update_fields=["status"])
        EnrollmentEvent.objects.create(
            enrollment=enrollment, kind=EnrollmentEvent.Kind.COMPLETED, actor=enrollment.learner
        )
        # Robust: a listener's failure is logged and cannot undo or hide the
        # completion the learner has already earned.
        transaction.on_commit(lambda: _announce(completion), robust=True)
        return completion
