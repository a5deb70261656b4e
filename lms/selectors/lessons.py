from courses.models import CoursePage
from courses.selectors import course_lessons


def course_lesson_ids(*, course: CoursePage) -> list[int]:
    """The live lessons a learner must complete, in course order."""
    return list(course_lessons(course=course).values_list("pk", flat=True))
