"""Study time, video watching and checkpoint answers, as reported by the lesson page."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connections, router, transaction
from django.utils import timezone

from accounts.models import User
from courses.grading import answer_is_correct
from courses.models import LessonPage
from lms.errors import CheckpointRejected, HeartbeatRejected
from lms.models import Enrollment, EnrollmentStatus, LessonProgress
from lms.rules import (
    MAX_VIDEO_SECONDS,
    LessonRule,
    allowed_segment_end,
    credit_seconds,
    merge_segments,
)
from lms.selectors.lesson_rules import lesson_rule
from lms.selectors.lessons import LessonProgressRow, lesson_progress_row
from lms.services.completion import enrollment_complete


@dataclass(frozen=True)
class VideoReport:
    """A stretch the player really played since its previous report."""

    block_id: str
    start: float
    end: float
    duration: float


@dataclass(frozen=True)
class HeartbeatResult:
    credited_seconds: int
    study_seconds: int
    lesson_complete: bool
    course_complete: bool


# Conditional on the row's last beat being still the one read. A video report's merged
# segments replace the stored ones (NULL: no report); a lesson completes once.
_BEAT_WRITE = """
UPDATE lms_lessonprogress
SET study_seconds = study_seconds + %s, last_beat_at = %s,
    video_segments = COALESCE(%s, video_segments), completed_at = COALESCE(completed_at, %s)
WHERE id = %s AND last_beat_at = %s
"""
_FIRST_BEAT_WRITE = """
UPDATE lms_lessonprogress
SET study_seconds = study_seconds + %s, last_beat_at = %s,
    video_segments = COALESCE(%s, video_segments), completed_at = COALESCE(completed_at, %s)
WHERE id = %s AND last_beat_at IS NULL
"""


def _beat_write(
    *, beat: LessonProgressRow, credited: int, now: datetime, videos: dict | None, complete: bool
) -> bool:
    """Whether this beat was accepted: False when another beat was accepted since the
    read (of two racing beats, only one is credited)."""
    connection = connections[router.db_for_write(LessonProgress)]
    field = LessonProgress._meta.get_field
    stamp = field("last_beat_at").get_db_prep_value(now, connection)
    params = [
        credited,
        stamp,
        None if videos is None else field("video_segments").get_db_prep_value(videos, connection),
        stamp if complete else None,
        beat.pk,
    ]
    if beat.last_beat_at is None:
        sql = _FIRST_BEAT_WRITE
    else:
        sql = _BEAT_WRITE
        params.append(field("last_beat_at").get_db_prep_value(beat.last_beat_at, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount > 0


def _merge_video(*, videos: dict, rule: LessonRule, report: VideoReport, elapsed: float) -> dict:
    if report.block_id not in rule.video_ids:
        raise HeartbeatRejected(HeartbeatRejected.UNKNOWN_VIDEO, code="unknown_video")
    if not (0 <= report.start <= report.end <= report.duration <= MAX_VIDEO_SECONDS):
        raise HeartbeatRejected(HeartbeatRejected.BAD_POSITION, code="bad_position")
    videos = dict(videos)
    record = dict(videos.get(report.block_id) or {"segments": [], "duration": 0})
    end = allowed_segment_end(start=report.start, end=report.end, elapsed_seconds=elapsed)
    if end > report.start:
        record["segments"] = merge_segments([*record["segments"], [report.start, end]])
    record["duration"] = max(record.get("duration", 0), report.duration)
    videos[report.block_id] = record
    return videos


def heartbeat_record(
    *,
    learner: User,
    lesson_id: int,
    video: VideoReport | None = None,
    restart: bool = False,
    now: datetime | None = None,
) -> HeartbeatResult:
    """Credit real study time for a visible lesson page: one read and one small write
    (the lesson's rule is kept until its next publish, lms.selectors.lesson_rules).

    `restart` (the page was hidden, or has just opened) starts the clock anew
    without credit. The write is conditional on the previous beat's time, so of two
    racing beats only one is credited; the previous beat is the learner's latest on
    any lesson, so that two open tabs cannot both be credited for the same minute.
    """
    now = now or timezone.now()
    beat = lesson_progress_row(learner_id=learner.pk, lesson_id=lesson_id)
    if beat is None:
        raise LessonProgress.DoesNotExist("No active enrolment for this lesson.")
    try:
        rule = lesson_rule(lesson_id=lesson_id)
    except LessonPage.DoesNotExist:  # deleted since the read, with its progress rows
        raise LessonProgress.DoesNotExist("No active enrolment for this lesson.") from None
    last = max(filter(None, [beat.last_beat_at, beat.learner_last_beat]), default=None)
    credited = 0 if restart else credit_seconds(now=now, last_beat_at=last)
    videos = beat.video_segments
    if video is not None:
        elapsed = (now - last).total_seconds() if last and not restart else 0.0
        videos = _merge_video(videos=videos, rule=rule, report=video, elapsed=elapsed)
    study_seconds = beat.study_seconds + credited
    newly_complete = beat.completed_at is None and rule.met(
        study_seconds=study_seconds, video_segments=videos, checkpoints=beat.checkpoints
    )
    accepted = _beat_write(
        beat=beat,
        credited=credited,
        now=now,
        videos=videos if video is not None else None,
        complete=newly_complete,
    )
    if not accepted:  # a concurrent beat was accepted first; this one credits nothing
        return HeartbeatResult(0, beat.study_seconds, beat.completed_at is not None, False)
    course_complete = False
    if newly_complete:
        course_complete = enrollment_complete(enrollment_id=beat.enrollment_id) is not None
    return HeartbeatResult(
        credited_seconds=credited,
        study_seconds=study_seconds,
        lesson_complete=beat.completed_at is not None or newly_complete,
        course_complete=course_complete,
    )


@transaction.atomic
def lesson_open(*, learner: User, lesson: LessonPage) -> LessonProgress | None:
    """The learner opened a lesson: make sure its progress row exists and remember it
    as the place to resume. Returns None when the learner is not enrolled."""
    enrollment = (
        Enrollment.objects.filter(
            learner=learner,
            course__path=lesson.path[: -lesson.steplen],
            status=EnrollmentStatus.ACTIVE,
        )
        .only("pk")
        .first()
    )
    if enrollment is None:
        return None
    progress, _created = LessonProgress.objects.get_or_create(enrollment=enrollment, lesson=lesson)
    Enrollment.objects.filter(pk=enrollment.pk).update(
        last_lesson=lesson, last_studied_at=timezone.now()
    )
    return progress


@dataclass(frozen=True)
class CheckpointResult:
    correct: bool
    explanation: str
    lesson_complete: bool


@transaction.atomic
def checkpoint_answer(
    *, learner: User, lesson_id: int, block_id: str, answer: list[int]
) -> CheckpointResult:
    """Record the learner's answer to a checkpoint; any answer counts towards completion,
    and the explanation is returned either way."""
    progress = (
        LessonProgress.objects.select_for_update()
        .select_related("lesson")
        .filter(
            enrollment__learner_id=learner.pk,
            enrollment__status=EnrollmentStatus.ACTIVE,
            lesson_id=lesson_id,
        )
        .first()
    )
    if progress is None:
        raise LessonProgress.DoesNotExist("No active enrolment for this lesson.")
    block = next(
        (b for b in progress.lesson.body if b.block_type == "checkpoint" and b.id == block_id),
        None,
    )
    if block is None:
        raise CheckpointRejected(CheckpointRejected.UNKNOWN, code="unknown")
    choices = block.value["choices"]
    if (
        not answer
        or any(not 0 <= i < len(choices) for i in answer)
        or len(set(answer)) != len(answer)
    ):
        raise CheckpointRejected(CheckpointRejected.BAD_ANSWER, code="bad_answer")
    if block.value["kind"] != "multiple" and len(answer) != 1:
        raise CheckpointRejected(CheckpointRejected.BAD_ANSWER, code="bad_answer")
    correct = answer_is_correct(
        correct_indexes=[i for i, c in enumerate(choices) if c["correct"]], given_indexes=answer
    )
    progress.checkpoints = {
        **progress.checkpoints,
        block_id: {"answer": sorted(answer), "correct": correct, "at": timezone.now().isoformat()},
    }
    rule = LessonRule.for_lesson(progress.lesson)
    newly_complete = progress.completed_at is None and rule.met(
        study_seconds=progress.study_seconds,
        video_segments=progress.video_segments,
        checkpoints=progress.checkpoints,
    )
    if newly_complete:
        progress.completed_at = timezone.now()
    progress.save(update_fields=["checkpoints", "completed_at"])
    if newly_complete:
        enrollment_complete(enrollment_id=progress.enrollment_id)
    return CheckpointResult(
        correct=correct,
        explanation=block.value["explanation"].source,
        lesson_complete=progress.completed_at is not None,
    )
