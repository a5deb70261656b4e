"""Writes of the learning app. Import from here: `from lms.services import ...`."""

from lms.services.completion import enrollment_complete
from lms.services.credits import credit_award_for_completion, credit_reverse
from lms.services.enrollment import course_assign, enrollment_create, enrollment_withdraw
from lms.services.exams import (
    exam_attempt_expire,
    exam_attempt_save,
    exam_attempt_start,
    exam_attempt_submit,
)
from lms.services.progress import VideoReport, checkpoint_answer, heartbeat_record, lesson_open

__all__ = [
    "VideoReport",
    "checkpoint_answer",
    "course_assign",
    "credit_award_for_completion",
    "credit_reverse",
    "enrollment_complete",
    "enrollment_create",
    "enrollment_withdraw",
    "exam_attempt_expire",
    "exam_attempt_save",
    "exam_attempt_start",
    "exam_attempt_submit",
    "heartbeat_record",
    "lesson_open",
]
