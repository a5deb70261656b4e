"""Writes of the learning app. Import from here: `from lms.services import ...`."""

from lms.services.completion import enrollment_complete
from lms.services.enrollment import course_assign, enrollment_create, enrollment_withdraw
from lms.services.progress import checkpoint_answer, heartbeat_record

__all__ = [
    "checkpoint_answer",
    "course_assign",
    "enrollment_complete",
    "enrollment_create",
    "enrollment_withdraw",
    "heartbeat_record",
]
