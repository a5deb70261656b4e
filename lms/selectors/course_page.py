"""What a course page shows a signed-in learner of their own study of the course."""

from collections.abc import Sequence

from accounts.models import User
from courses.models import CoursePage, LessonPage
from lms.models import Enrollment
from lms.selectors.dashboard import CourseProgress


def course_learning_for(
    *, learner: User, course: CoursePage, lessons: Sequence[LessonPage]
) -> CourseProgress | None:
    """The learner's enrolment in `course` and their progress through `lessons`, its
    live lessons in order, which the page already has (kept per publish): one query,
    the enrolment with its progress rows (a row per progress row, or one of NULLs)."""
    if not learner.is_authenticated:
        return None
    rows = list(
        Enrollment.objects.filter(learner_id=learner.pk, course_id=course.pk).values_list(
            "pk",
            "status",
            "due_date",
            "lesson_progress__lesson_id",
            "lesson_progress__study_seconds",
            "lesson_progress__completed_at",
        )
    )
    if not rows:
        return None
    pk, status, due_date = rows[0][:3]
    # What the page shows of the enrolment; the course is the page at hand.
    enrollment = Enrollment(pk=pk, learner=learner, course=course, status=status, due_date=due_date)
    seconds = 0
    finished: set[int] = set()
    for *_enrollment, lesson_id, study, completed_at in rows:
        seconds += study or 0
        if lesson_id is not None and completed_at is not None:
            finished.add(lesson_id)
    return CourseProgress(
        enrollment=enrollment,
        lessons_total=len(lessons),
        lessons_done=sum(1 for lesson in lessons if lesson.pk in finished),
        study_seconds=seconds,
        next_lesson=next((lesson for lesson in lessons if lesson.pk not in finished), None),
        done_lesson_ids=frozenset(finished),
    )
