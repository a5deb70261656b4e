"""Study time, video watching and checkpoint answers, as reported by the lesson page."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q, Subquery
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


def _progress_for_beat(*, learner: User, lesson_id: int) -> LessonProgress:
    """The learner's progress row for an active enrolment, in one query.

    It carries the lesson (for its rule) and the learner's latest accepted beat on
    any lesson, so that two open tabs cannot both be credited for the same minute.
    """
    latest_beat = (
        LessonProgress.objects.filter(enrollment__learner_id=learner.pk, last_beat_at__isnull=False)
        .order_by("-last_beat_at")
        .values("last_beat_at")[:1]
    )
    progress = (
        LessonProgress.objects.select_related("lesson")
        .filter(
            enrollment__learner_id=learner.pk,
            enrollment__status=EnrollmentStatus.ACTIVE,
            lesson_id=lesson_id,
        )
        .annotate(learner_last_beat=Subquery(latest_beat))
        .first()
    )
    if progress is None:
        raise LessonProgress.DoesNotExist("No active enrolment for this lesson.")
    return progress


def _merge_video(
    *, progress: LessonProgress, rule: LessonRule, report: VideoReport, elapsed: float
) -> dict:
    if report.block_id not in rule.video_ids:
        raise HeartbeatRejected(HeartbeatRejected.UNKNOWN_VIDEO, code="unknown_video")
    if not (0 <= report.start <= report.end <= report.duration <= MAX_VIDEO_SECONDS):
        raise HeartbeatRejected(HeartbeatRejected.BAD_POSITION, code="bad_position")
    videos = dict(progress.video_segments)
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
    """Credit real study time for a visible lesson page: two reads and one small write.

    `restart` (the page was hidden, or has just opened) starts the clock anew
    without credit. The write is conditional on the previous beat's time, so of two
    racing beats only one is credited.
    """
    now = now or timezone.now()
    progress = _progress_for_beat(learner=learner, lesson_id=lesson_id)
    rule = LessonRule.for_lesson(progress.lesson)
    last = max(filter(None, [progress.last_beat_at, progress.learner_last_beat]), default=None)
    credited = 0 if restart else credit_seconds(now=now, last_beat_at=last)
    videos = progress.video_segments
    if video is not None:
        elapsed = (now - last).total_seconds() if last and not restart else 0.0
        videos = _merge_video(progress=progress, rule=rule, report=video, elapsed=elapsed)
    study_seconds = progress.study_seconds + credited
    newly_complete = progress.completed_at is None and rule.met(
        study_seconds=study_seconds, video_segments=videos, checkpoints=progress.checkpoints
    )
    changes = {"study_seconds": F("study_seconds") + credited, "last_beat_at": now}
    if video is not None:
        changes["video_segments"] = videos
    if newly_complete:
        changes["completed_at"] = now
    same_beat = (
        Q(last_beat_at=progress.last_beat_at)
        if progress.last_beat_at
        else Q(last_beat_at__isnull=True)
    )
    updated = LessonProgress.objects.filter(same_beat, pk=progress.pk).update(**changes)
    if not updated:  # a concurrent beat was accepted first; this one credits nothing
        return HeartbeatResult(0, progress.study_seconds, progress.completed_at is not None, False)
    course_complete = False
    if newly_complete:
        course_complete = enrollment_complete(enrollment_id=progress.enrollment_id) is not None
    return HeartbeatResult(
        credited_seconds=credited,
        study_seconds=study_seconds,
        lesson_complete=progress.completed_at is not None or newly_complete,
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
