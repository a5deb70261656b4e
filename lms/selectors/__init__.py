"""Reads of the learning app. Import from here: `from lms.selectors import ...`."""

from lms.selectors.assignment import assignment_learners, institutions_assignable_by
from lms.selectors.compliance import (
    learner_compliance,
    requirement_rule_set_conflicts,
    requirement_rule_set_for,
)
from lms.selectors.dashboard import (
    course_progress_for,
    enrollment_for,
    learner_dashboard,
    lesson_state_for,
)
from lms.selectors.exams import (
    exam_attempt_is_due,
    exam_attempt_of_learner,
    exam_attempts,
    exam_best_passed_score,
    exam_enrollment,
    exam_open_attempt,
    exam_overview,
    exam_paper,
    exam_result,
)
from lms.selectors.lessons import course_lesson_ids

__all__ = [
    "assignment_learners",
    "course_lesson_ids",
    "course_progress_for",
    "enrollment_for",
    "exam_attempt_is_due",
    "exam_attempt_of_learner",
    "exam_attempts",
    "exam_best_passed_score",
    "exam_enrollment",
    "exam_open_attempt",
    "exam_overview",
    "exam_paper",
    "exam_result",
    "institutions_assignable_by",
    "learner_compliance",
    "learner_dashboard",
    "lesson_state_for",
    "requirement_rule_set_conflicts",
    "requirement_rule_set_for",
]
