"""The learning app's models, one module per concern. Import from here."""

from lms.models.credits import CreditEntry, CreditEntryQuerySet, CreditLedgerIsAppendOnly, CreditSource
from lms.models.learning import (
    CourseCompletion,
    Enrollment,
    EnrollmentEvent,
    EnrollmentSource,
    EnrollmentStatus,
    ExamAttempt,
    LessonProgress,
)
from lms.models.requirements import (
    ClassGroup,
    RequirementRule,
    RequirementRuleKind,
    RequirementRuleSet,
)

__all__ = [
    "ClassGroup",
    "CourseCompletion",
    "CreditEntry",
    "CreditEntryQuerySet",
    "CreditLedgerIsAppendOnly",
    "CreditSource",
    "Enrollment",
    "EnrollmentEvent",
    "EnrollmentSource",
    "EnrollmentStatus",
    "ExamAttempt",
    "LessonProgress",
    "RequirementRule",
    "RequirementRuleKind",
    "RequirementRuleSet",
]
