"""Writes of the learning app. Import from here: `from lms.services import ...`."""

from lms.services.completion import enrollment_complete
from lms.services.credits import (
    credit_adjust,
    credit_award_for_completion,
    credit_award_for_external_activity,
    credit_correct,
    credit_reverse,
)
from lms.services.enrollment import course_assign, enrollment_create, enrollment_withdraw
from lms.services.exams import (
    exam_attempt_expire,
    exam_attempt_save,
    exam_attempt_start,
    exam_attempt_submit,
)
from lms.services.external_activities import (
    ActivityReport,
    approval_chain_save,
    external_activity_decide,
    external_activity_resubmit,
    external_activity_submit,
    external_activity_withdraw,
)
from lms.services.progress import VideoReport, checkpoint_answer, heartbeat_record, lesson_open

__all__ = [
    "ActivityReport",
    "VideoReport",
    "approval_chain_save",
    "checkpoint_answer",
    "course_assign",
    "credit_adjust",
    "credit_award_for_completion",
    "credit_award_for_external_activity",
    "credit_correct",
    "credit_reverse",
    "enrollment_complete",
    "enrollment_create",
    "enrollment_withdraw",
    "exam_attempt_expire",
    "exam_attempt_save",
    "exam_attempt_start",
    "exam_attempt_submit",
    "external_activity_decide",
    "external_activity_resubmit",
    "external_activity_submit",
    "external_activity_withdraw",
    "heartbeat_record",
    "lesson_open",
]
