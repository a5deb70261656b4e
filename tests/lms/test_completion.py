"""A course completes once, records its facts, and says so after commit."""

import pytest
from django.utils import timezone

from lms.models import CourseCompletion, EnrollmentStatus, LessonProgress
from lms.services import enrollment_complete
from lms.signals import course_completed
from tests.concurrency import require_postgresql, run_at_once
from tests.lms.builders import course_with_lessons, enrolled


def _finish_lessons(enrollment, lessons, seconds=120):
    for lesson in lessons:
        LessonProgress.objects.update_or_create(
            enrollment=enrollment,
            lesson=lesson,
            defaults={"completed_at": timezone.now(), "study_seconds": seconds},
        )


@pytest.mark.django_db
def test_incomplete_course_does_not_complete(catalogue, learner):
    course, lessons = course_with_lessons(catalogue, lessons=3)
    enrollment = enrolled(learner, course)
    _finish_lessons(enrollment, lessons[:2])
    assert enrollment_complete(enrollment_id=enrollment.pk) is None
    assert not CourseCompletion.objects.exists()


@pytest.mark.django_db
def test_completion_records_facts_once_and_announces_after_commit(
    catalogue, learner, django_capture_on_commit_callbacks
):
    course, lessons = course_with_lessons(catalogue, lessons=2)
    enrollment = enrolled(learner, course)
    _finish_lessons(enrollment, lessons, seconds=300)
    heard = []

    def listener(sender, **kwargs):
        heard.append(kwargs)

    course_completed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            completion = enrollment_complete(enrollment_id=enrollment.pk)
            again = enrollment_complete(enrollment_id=enrollment.pk)
        assert heard == []  # nothing is announced before the commit
        for callback in callbacks:
            callback()
    finally:
        course_completed.disconnect(listener)
    assert completion.pk == again.pk
    assert completion.study_seconds == 600
    assert completion.final_score is None
    assert len(callbacks) == 1
    assert heard == [
        {
            "signal": course_completed,
            "completion_id": completion.pk,
            "enrollment_id": enrollment.pk,
            "learner_id": learner.pk,
            "course_id": course.pk,
        }
    ]
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED


@pytest.mark.django_db
def test_a_course_with_an_exam_needs_a_passed_attempt(catalogue, learner):
    from decimal import Decimal

    from lms.models import ExamAttempt

    course, lessons = course_with_lessons(catalogue, lessons=1, exam_question_count=2)
    enrollment = enrolled(learner, course)
    _finish_lessons(enrollment, lessons)
    assert enrollment_complete(enrollment_id=enrollment.pk) is None
    now = timezone.now()
    ExamAttempt.objects.create(
        enrollment=enrollment,
        number=1,
        started_at=now,
        submitted_at=now,
        score=Decimal("50"),
        passed=False,
    )
    assert enrollment_complete(enrollment_id=enrollment.pk) is None
    ExamAttempt.objects.create(
        enrollment=enrollment,
        number=2,
        started_at=now,
        submitted_at=now,
        score=Decimal("90"),
        passed=True,
    )
    assert enrollment_complete(enrollment_id=enrollment.pk).final_score == Decimal("90")


@pytest.mark.django_db(transaction=True)
def test_racing_completions_give_one_record(migration_data, catalogue, learner):
    require_postgresql()
    course, lessons = course_with_lessons(catalogue, lessons=2)
    enrollment = enrolled(learner, course)
    _finish_lessons(enrollment, lessons)
    results, errors = run_at_once(lambda: enrollment_complete(enrollment_id=enrollment.pk).pk)
    assert errors == []
    assert len(set(results)) == 1
    assert CourseCompletion.objects.filter(enrollment=enrollment).count() == 1
