"""Data for the integration tests: logged-in sessions and enrolments one beat from done."""

from decimal import Decimal

from django.conf import settings
from django.test import Client

from courses.models import CourseIndexPage, CoursePage, LessonPage
from lms.models import Enrollment, LessonProgress
from lms.rules import LessonRule
from tests.lms.builders import course_with_lessons, enrolled


def session_key(user) -> str:
    """A logged-in session for `user`, stored in the database the servers read."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def course(catalogue: CourseIndexPage, *, lessons: int = 1, credits=Decimal("2")) -> CoursePage:
    made, _lessons = course_with_lessons(catalogue, lessons=lessons, minutes=1, credits=credits)
    return made


def ready_to_complete(learner, course: CoursePage) -> Enrollment:
    """An enrolment whose lessons have had their study time but are not marked complete
    yet: the next heartbeat of a lesson completes it, and the last one the course."""
    enrollment = enrolled(learner, course)
    for lesson in LessonPage.objects.child_of(course):
        LessonProgress.objects.create(
            enrollment=enrollment,
            lesson=lesson,
            study_seconds=LessonRule.for_lesson(lesson).required_seconds,
        )
    return enrollment


def lesson_ids(course: CoursePage) -> list[int]:
    return list(LessonPage.objects.child_of(course).order_by("path").values_list("pk", flat=True))
