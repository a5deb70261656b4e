"""What a course page shows a signed-in learner of their own study of the course."""

from collections.abc import Sequence

from accounts.models import User
from courses.models import CoursePage, LessonPage
from lms.models import Enrollment, LessonProgress
from lms.selectors.dashboard import CourseProgress


def course_learning_for(
    *, learner: User, course: CoursePage, lessons: Sequence[LessonPage]
) -> CourseProgress | None:
    """The learner's enrolment in `course` and their progress through `lessons`, its
    live lessons in order, which the page already has (kept per publish): one query
    for a visitor who is not enrolled, two for a learner."""
    if not learner.is_authenticated:
        return None
    enrollment = Enrollment.objects.filter(learner=learner, course=course).first()
    if enrollment is None:
        return None
    enrollment.course = course  # the page at hand, not read again
    seconds = 0
    finished: set[int] = set()
    for lesson_id, study, completed_at in LessonProgress.objects.filter(
        enrollment=enrollment
    ).values_list("lesson_id", "study_seconds", "completed_at"):
        seconds += study
        if completed_at:
            finished.add(lesson_id)
    return CourseProgress(
        enrollment=enrollment,
        lessons_total=len(lessons),
        lessons_done=sum(1 for lesson in lessons if lesson.pk in finished),
        study_seconds=seconds,
        next_lesson=next((lesson for lesson in lessons if lesson.pk not in finished), None),
        done_lesson_ids=frozenset(finished),
    )
