"""Reads of the learning app. Import from here: `from lms.selectors import ...`."""

from lms.selectors.assignment import assignment_learners, institutions_assignable_by
from lms.selectors.compliance import (
    learner_compliance,
    requirement_rule_set_conflicts,
    requirement_rule_set_for,
)
from lms.selectors.dashboard import (
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
from lms.selectors.external_activities import (
    activity_counting_rules,
    activity_for_viewer,
    activity_of_learner,
    activity_record,
    approval_chain_for,
    approval_queue,
    approver_profile,
    claims_for_bulk_approval,
    claims_visible_to,
    eligible_approvers,
    evidence_for_viewer,
    learner_activities,
    learner_audit,
    may_act_on_level,
    may_decide,
    may_review_activities,
    may_view_audit,
)
from lms.selectors.ledger import may_correct_credits
from lms.selectors.lessons import course_lesson_ids

__all__ = [
    "activity_counting_rules",
    "activity_for_viewer",
    "activity_of_learner",
    "activity_record",
    "approval_chain_for",
    "approval_queue",
    "approver_profile",
    "assignment_learners",
    "claims_for_bulk_approval",
    "claims_visible_to",
    "course_lesson_ids",
    "eligible_approvers",
    "evidence_for_viewer",
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
    "learner_activities",
    "learner_audit",
    "learner_compliance",
    "learner_dashboard",
    "lesson_state_for",
    "may_act_on_level",
    "may_correct_credits",
    "may_decide",
    "may_review_activities",
    "may_view_audit",
    "requirement_rule_set_conflicts",
    "requirement_rule_set_for",
]
