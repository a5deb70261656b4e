"""The learning app's models, one module per concern. Import from here."""

from lms.models.credits import (
    CreditEntry,
    CreditEntryQuerySet,
    CreditLedgerIsAppendOnly,
    CreditSource,
)
from lms.models.exports import ExportJob, ExportKind, ExportStatus
from lms.models.external import (
    ActivityAction,
    ActivityAuditIsAppendOnly,
    ActivityDecision,
    ActivityKind,
    ActivityStatus,
    ApprovalChain,
    ApprovalChainStep,
    ApprovalLevel,
    EvidenceFile,
    ExternalActivity,
    ExternalActivityEvent,
    SkipReason,
)
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
from lms.models.summaries import ComplianceSummary

__all__ = [
    "ActivityAction",
    "ActivityAuditIsAppendOnly",
    "ActivityDecision",
    "ActivityKind",
    "ActivityStatus",
    "ApprovalChain",
    "ApprovalChainStep",
    "ApprovalLevel",
    "ClassGroup",
    "ComplianceSummary",
    "CourseCompletion",
    "CreditEntry",
    "CreditEntryQuerySet",
    "CreditLedgerIsAppendOnly",
    "CreditSource",
    "Enrollment",
    "EnrollmentEvent",
    "EnrollmentSource",
    "EnrollmentStatus",
    "EvidenceFile",
    "ExamAttempt",
    "ExportJob",
    "ExportKind",
    "ExportStatus",
    "ExternalActivity",
    "ExternalActivityEvent",
    "LessonProgress",
    "RequirementRule",
    "RequirementRuleKind",
    "RequirementRuleSet",
    "SkipReason",
]
