"""Builders for learning tests: a course with lessons and an enrolled learner."""

from courses.models import CourseIndexPage
from lms.models import Enrollment, LessonProgress
from tests.courses.factories import CoursePageFactory, LessonPageFactory


def course_with_lessons(catalogue: CourseIndexPage, *, lessons: int = 2, minutes: int = 1, **kw):
    course = CoursePageFactory(parent=catalogue, **kw)
    made = [LessonPageFactory(parent=course, estimated_minutes=minutes) for _ in range(lessons)]
    return course, made


def enrolled(learner, course) -> Enrollment:
    return Enrollment.objects.create(learner=learner, course=course)


def opened(enrollment: Enrollment, lesson) -> LessonProgress:
    return LessonProgress.objects.create(enrollment=enrollment, lesson=lesson)
