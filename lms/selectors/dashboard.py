"""The learner's "My learning" page, in a fixed number of queries."""

import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import F
from django.db.models.functions import Substr
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from accounts.models import User
from accounts.shared_cache import cache_get_many
from courses.caching import FRAGMENT_TIMEOUT, fragment_key, page_generation
from courses.models import CoursePage, LessonPage
from lms.models import Enrollment, EnrollmentStatus, LessonProgress
from lms.rules import LessonRule
from lms.selectors.lesson_rules import lesson_rule
from lms.selectors.lessons import lesson_progress_row


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
        return _percent(self.enrollment.status, self.lessons_done, self.lessons_total)

    @property
    def overdue(self) -> bool:
        return _overdue(self.enrollment.status, self.enrollment.due_date)


def _percent(status: str, done: int, total: int) -> int:
    if status == EnrollmentStatus.COMPLETED:
        return 100
    return round(100 * done / total) if total else 0


def _overdue(status: str, due: date | None) -> bool:
    return due is not None and status == EnrollmentStatus.ACTIVE and due < timezone.localdate()


def _live_lessons_by_course(courses: list[CoursePage]) -> dict[str, list[LessonPage]]:
    """Each course's live lessons in order, keyed by the course's path. One condition
    on the lessons' parent paths, whatever the number of courses: an OR of one
    condition per course costs the ORM more to compile than the database to run."""
    if not courses:
        return {}
    steplen = LessonPage.steplen
    by_parent: dict[str, list[LessonPage]] = {}
    for lesson in (
        LessonPage.objects.live()
        .filter(depth__in={course.depth + 1 for course in courses})
        .alias(parent_path=Substr("path", 1, (F("depth") - 1) * steplen))
        .filter(parent_path__in={course.path for course in courses})
        .order_by("path")
        .only("title", "path", "depth", "url_path", "slug", "estimated_minutes")
    ):
        by_parent.setdefault(lesson.path[:-steplen], []).append(lesson)
    return by_parent


# Named tuples: fifty of them come from the cache on every view, and a tuple pickles
# smaller and loads faster than a dataclass.
class LessonLink(NamedTuple):
    pk: int
    title: str
    url: str | None


class DashboardCourse(NamedTuple):
    """A course as every learner's dashboard shows it (`_dashboard_courses`)."""

    title: str
    url: str | None
    lessons: tuple[LessonLink, ...]
    exam_url: str  # empty when the course has no final exam
    credits: Decimal


@dataclass(frozen=True)
class DashboardEntry:
    """One course on the dashboard: the course, shared, and this learner's state of it."""

    course: DashboardCourse
    status: str
    source: str
    due_date: date | None
    lessons_done: int
    study_seconds: int
    next_lesson: LessonLink | None
    percent: int
    overdue: bool
    completed_at: datetime | None
    final_score: Decimal | None
    completion_seconds: int | None

    @property
    def lessons_total(self) -> int:
        return len(self.course.lessons)


def _build_dashboard_courses(
    *, request: HttpRequest, course_ids: list[int]
) -> dict[int, DashboardCourse]:
    """Two queries, whatever the number of courses: the courses, then their lessons."""
    courses = list(
        CoursePage.objects.filter(pk__in=course_ids).only(
            "title", "path", "depth", "url_path", "locale_id", "exam_question_count", "credits"
        )
    )
    lessons = _live_lessons_by_course(courses)
    return {
        course.pk: DashboardCourse(
            title=course.title,
            url=course.get_url(request=request),
            lessons=tuple(
                LessonLink(pk=lesson.pk, title=lesson.title, url=lesson.get_url(request=request))
                for lesson in lessons.get(course.path, [])
            ),
            exam_url=reverse("lms:exam", args=[course.pk]) if course.exam_question_count else "",
            credits=course.credits,
        )
        for course in courses
    }


# What `_dashboard_courses` found in the cache, kept in the process as well: a
# dashboard reads fifty of them, and a round trip for them costs more than the
# rest of the selector. Safe for as long as the cache's copy: every key holds the
# publish generation (read from the cache on each view), so nothing outlives a
# publish. Bounded: emptied when full.
_in_process: dict[str, DashboardCourse] = {}
_IN_PROCESS_LIMIT = 2048


def _dashboard_courses(
    *, request: HttpRequest, course_ids: list[int]
) -> dict[int, DashboardCourse]:
    """The courses' titles, links and live lessons, kept per course until the next
    publish (the publish generation is part of each key, with the language and the
    host the links are made for): no query once a course has been shown."""
    if not course_ids:
        return {}
    stamp = (get_language(), request.get_host(), page_generation(request))
    keys = {pk: fragment_key("dashboard-course", pk, *stamp) for pk in course_ids}
    courses: dict[int, DashboardCourse] = {}
    for pk, key in keys.items():
        course = _in_process.get(key)  # one lookup: another thread may empty it meanwhile
        if course is not None:
            courses[pk] = course
    if len(courses) < len(keys):
        found = cache_get_many([key for pk, key in keys.items() if pk not in courses])
        courses.update({pk: found[key] for pk, key in keys.items() if key in found})
        missing = [pk for pk in keys if pk not in courses]
        if missing:
            built = _build_dashboard_courses(request=request, course_ids=missing)
            cache.set_many(
                {keys[pk]: course for pk, course in built.items()}, timeout=FRAGMENT_TIMEOUT
            )
            courses.update(built)
        if len(_in_process) + len(keys) > _IN_PROCESS_LIMIT:
            _in_process.clear()
        _in_process.update({keys[pk]: course for pk, course in courses.items()})
    return courses


# An enrolment and its completion, then one of its progress rows (none: NULLs).
_ENROLLMENT_FIELDS = (
    "pk",
    "course_id",
    "status",
    "source",
    "due_date",
    "completion__completed_at",
    "completion__final_score",
    "completion__study_seconds",
)
_PROGRESS_FIELDS = (
    "lesson_progress__lesson_id",
    "lesson_progress__study_seconds",
    "lesson_progress__completed_at",
)


def learner_dashboard(*, learner: User, request: HttpRequest) -> dict[str, list[DashboardEntry]]:
    """Courses under way (assigned ones with the nearest due date first) and completed.

    One query for the learner's enrolments, their completions and their lessons'
    progress (a row per progress row); what each course shows every learner alike
    comes from `_dashboard_courses`. `request` gives the publish generation and the
    site the links are relative to.
    """
    rows = (
        Enrollment.objects.filter(learner=learner)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .order_by("due_date", "-last_studied_at", "-enrolled_at", "pk")
        .values_list(*_ENROLLMENT_FIELDS, *_PROGRESS_FIELDS)
    )
    split = len(_ENROLLMENT_FIELDS)
    enrollments: dict[int, tuple] = {}
    seconds: dict[int, int] = {}
    done: dict[int, set[int]] = {}
    for row in rows:
        pk = row[0]
        lesson_id, study, lesson_completed_at = row[split:]
        enrollments.setdefault(pk, row[:split])
        seconds[pk] = seconds.get(pk, 0) + (study or 0)
        finished = done.setdefault(pk, set())
        if lesson_id is not None and lesson_completed_at is not None:
            finished.add(lesson_id)
    courses = _dashboard_courses(
        request=request, course_ids=list(dict.fromkeys(row[1] for row in enrollments.values()))
    )
    in_progress: list[DashboardEntry] = []
    completed: list[DashboardEntry] = []
    for (
        pk,
        course_id,
        status,
        source,
        due,
        completed_at,
        score,
        completion_seconds,
    ) in enrollments.values():
        course = courses.get(course_id)
        if course is None:
            continue  # deleted since the enrolments were read
        finished = done[pk]
        lessons_done = sum(1 for lesson in course.lessons if lesson.pk in finished)
        entry = DashboardEntry(
            course=course,
            status=status,
            source=source,
            due_date=due,
            lessons_done=lessons_done,
            study_seconds=seconds[pk],
            next_lesson=next((x for x in course.lessons if x.pk not in finished), None),
            percent=_percent(status, lessons_done, len(course.lessons)),
            overdue=_overdue(status, due),
            completed_at=completed_at,
            final_score=score,
            completion_seconds=completion_seconds,
        )
        if status == EnrollmentStatus.ACTIVE:
            in_progress.append(entry)
        elif status == EnrollmentStatus.COMPLETED:
            completed.append(entry)
    return {"in_progress": in_progress, "completed": completed}


@dataclass(frozen=True)
class LessonState:
    """What a lesson page shows the learner: whether study is recorded, and how far."""

    progress: LessonProgress | None  # unsaved (zero) until the page's script opens it
    course_completed: bool = False
    required_minutes: int = 0  # as the completion rule counts them (scaled in demos)

    @property
    def tracked(self) -> bool:
        return self.progress is not None


def lesson_state_for(
    *, learner: User, lesson: LessonPage, preview: bool = False, request=None
) -> LessonState:
    """One query when the learner has opened the lesson before, two on a first visit.

    The required time is the published lesson's rule, as the heartbeat credits it
    (kept per process until the next publish); a preview shows the draft's."""
    if not learner.is_authenticated:
        return LessonState(progress=None)
    rule = (
        LessonRule.for_lesson(lesson)
        if preview
        else lesson_rule(lesson_id=lesson.pk, request=request)
    )
    minutes = math.ceil(rule.required_seconds / 60)
    row = lesson_progress_row(learner_id=learner.pk, lesson_id=lesson.pk)
    if row is not None:
        progress = LessonProgress(
            pk=row.pk,
            enrollment_id=row.enrollment_id,
            lesson=lesson,
            study_seconds=row.study_seconds,
            last_beat_at=row.last_beat_at,
            completed_at=row.completed_at,
            video_segments=row.video_segments,
            checkpoints=row.checkpoints,
        )
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
