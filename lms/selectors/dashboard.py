"""The learner's "My learning" page, in a fixed number of queries."""

import math
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from courses.models import CoursePage, LessonPage
from lms.models import Enrollment, EnrollmentStatus, LessonProgress
from lms.rules import LessonRule


@dataclass(frozen=True)
class CourseProgress:
    enrollment: Enrollment
    lessons_total: int
    lessons_done: int
    study_seconds: int
    next_lesson: LessonPage | None
    done_lesson_ids: frozenset[int] = frozenset()

    @property
    def percent(self) -> int:
        if self.enrollment.status == EnrollmentStatus.COMPLETED:
            return 100
        return round(100 * self.lessons_done / self.lessons_total) if self.lessons_total else 0

    @property
    def overdue(self) -> bool:
        due = self.enrollment.due_date
        return (
            due is not None
            and self.enrollment.status == EnrollmentStatus.ACTIVE
            and due < timezone.localdate()
        )


def _live_lessons_by_course(courses: list[CoursePage]) -> dict[str, list[LessonPage]]:
    if not courses:
        return {}
    children = Q()
    for course in courses:
        children |= Q(path__startswith=course.path, depth=course.depth + 1)
    by_parent: dict[str, list[LessonPage]] = {}
    for lesson in (
        LessonPage.objects.live()
        .filter(children)
        .order_by("path")
        .only("title", "path", "depth", "url_path", "slug", "estimated_minutes")
    ):
        by_parent.setdefault(lesson.path[: -lesson.steplen], []).append(lesson)
    return by_parent


def course_progress_for(*, enrollments: list[Enrollment]) -> list[CourseProgress]:
    """Progress of each enrolment: two queries whatever the number of enrolments."""
    lessons = _live_lessons_by_course([e.course for e in enrollments])
    rows = LessonProgress.objects.filter(enrollment__in=enrollments).values_list(
        "enrollment_id", "lesson_id", "study_seconds", "completed_at"
    )
    seconds: dict[int, int] = {}
    done: dict[int, set[int]] = {}
    for enrollment_id, lesson_id, study, completed_at in rows:
        seconds[enrollment_id] = seconds.get(enrollment_id, 0) + study
        if completed_at:
            done.setdefault(enrollment_id, set()).add(lesson_id)
    result = []
    for enrollment in enrollments:
        course_lessons = lessons.get(enrollment.course.path, [])
        finished = done.get(enrollment.pk, set())
        live_done = [lesson for lesson in course_lessons if lesson.pk in finished]
        result.append(
            CourseProgress(
                enrollment=enrollment,
                lessons_total=len(course_lessons),
                lessons_done=len(live_done),
                study_seconds=seconds.get(enrollment.pk, 0),
                next_lesson=next((x for x in course_lessons if x.pk not in finished), None),
                done_lesson_ids=frozenset(finished),
            )
        )
    return result


def learner_dashboard(*, learner: User) -> dict[str, list[CourseProgress]]:
    """Courses under way (assigned ones with the nearest due date first) and completed."""
    enrollments = list(
        Enrollment.objects.filter(learner=learner)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .select_related("course", "course__category", "completion")
        .order_by("due_date", "-last_studied_at", "-enrolled_at")
    )
    progress = course_progress_for(enrollments=enrollments)
    return {
        "in_progress": [p for p in progress if p.enrollment.status == EnrollmentStatus.ACTIVE],
        "completed": [p for p in progress if p.enrollment.status == EnrollmentStatus.COMPLETED],
    }


def enrollment_for(*, learner: User, course: CoursePage) -> Enrollment | None:
    if not learner.is_authenticated:
        return None
    return Enrollment.objects.filter(learner=learner, course=course).first()


@dataclass(frozen=True)
class LessonState:
    """What a lesson page shows the learner: whether study is recorded, and how far."""

    progress: LessonProgress | None  # unsaved (zero) until the page's script opens it
    course_completed: bool = False
    required_minutes: int = 0  # as the completion rule counts them (scaled in demos)

    @property
    def tracked(self) -> bool:
        return self.progress is not None


def lesson_state_for(*, learner: User, lesson: LessonPage) -> LessonState:
    """One query when the learner has opened the lesson before, two on a first visit."""
    if not learner.is_authenticated:
        return LessonState(progress=None)
    minutes = math.ceil(LessonRule.for_lesson(lesson).required_seconds / 60)
    progress = (
        LessonProgress.objects.filter(
            enrollment__learner=learner,
            enrollment__status=EnrollmentStatus.ACTIVE,
            lesson=lesson,
        )
        .select_related("enrollment")
        .first()
    )
    if progress is not None:
        return LessonState(progress=progress, required_minutes=minutes)
    enrollment = (
        Enrollment.objects.filter(learner=learner, course__path=lesson.path[: -lesson.steplen])
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .first()
    )
    if enrollment is None:
        return LessonState(progress=None)
    if enrollment.status == EnrollmentStatus.COMPLETED:
        return LessonState(progress=None, course_completed=True)
    return LessonState(
        progress=LessonProgress(enrollment=enrollment, lesson=lesson), required_minutes=minutes
    )
