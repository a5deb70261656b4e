"""Reads of lessons and of a learner's progress through them."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connections, router

from courses.models import CoursePage
from courses.selectors import course_lessons
from lms.models import EnrollmentStatus, LessonProgress


def course_lesson_ids(*, course: CoursePage) -> list[int]:
    """The live lessons a learner must complete, in course order."""
    return list(course_lessons(course=course).values_list("pk", flat=True))


@dataclass(frozen=True)
class LessonProgressRow:
    """The learner's progress row for a lesson of an active enrolment, as the lesson page
    and the heartbeat read it."""

    pk: int
    enrollment_id: int
    study_seconds: int
    last_beat_at: datetime | None
    completed_at: datetime | None
    video_segments: dict
    checkpoints: dict
    learner_last_beat: datetime | None  # the latest accepted beat on any of their lessons


# Hand-written: the ORM spent longer building this statement than the database spent
# running it (the heartbeat and the lesson page are the most frequent requests). It makes
# one pass over the learner's progress rows (their enrolments by learner, then the rows
# by enrolment, both indexed) for the lesson's row and the latest beat on any lesson. One
# row at most but for a lesson moved to another course: the lowest id then, as before.
_PROGRESS_ROW_READ = """
SELECT id, enrollment_id, study_seconds, last_beat_at, completed_at,
       video_segments, checkpoints, learner_last_beat
FROM (SELECT p.id, p.enrollment_id, p.study_seconds, p.last_beat_at, p.completed_at,
             p.video_segments, p.checkpoints, p.lesson_id, e.status,
             MAX(p.last_beat_at) OVER () AS learner_last_beat
      FROM lms_lessonprogress p
      INNER JOIN lms_enrollment e ON e.id = p.enrollment_id
      WHERE e.learner_id = %s) mine
WHERE lesson_id = %s AND status = %s
ORDER BY id LIMIT 1
"""
# The columns _PROGRESS_ROW_READ returns, for the conversions the ORM would apply to them
# (SQLite returns dates as text; both return JSON as text).
_PROGRESS_ROW_COLUMNS = (
    "id",
    "enrollment",
    "study_seconds",
    "last_beat_at",
    "completed_at",
    "video_segments",
    "checkpoints",
    "last_beat_at",
)
# Per database vendor: each column's converters, built once.
_converters: dict[str, list] = {}


def _progress_row_converters(connection) -> list:
    found = _converters.get(connection.vendor)
    if found is None:
        found = []
        for index, name in enumerate(_PROGRESS_ROW_COLUMNS):
            col = LessonProgress._meta.get_field(name).get_col("p")
            steps = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if steps:
                found.append((index, steps, col))
        _converters[connection.vendor] = found
    return found


def lesson_progress_row(*, learner_id: int, lesson_id: int) -> LessonProgressRow | None:
    """The progress row of the learner's active enrolment for the lesson, with their
    latest accepted beat on any lesson: one query (None: no such row)."""
    # The primary, as the write: a read replica's copy may lag behind the last beat.
    connection = connections[router.db_for_write(LessonProgress)]
    with connection.cursor() as cursor:
        cursor.execute(_PROGRESS_ROW_READ, [learner_id, lesson_id, EnrollmentStatus.ACTIVE.value])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, steps, col in _progress_row_converters(connection):
        for step in steps:
            values[index] = step(values[index], col, connection)
    return LessonProgressRow(*values)
