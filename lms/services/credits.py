"""Writes of the credit ledger: awards and reversing corrections, never edits."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from lms.errors import CreditCorrectionRejected, ExternalActivityNotAllowed
from lms.models import ActivityStatus, CourseCompletion, CreditEntry, CreditSource, ExternalActivity


def _completion_ref(completion: CourseCompletion) -> str:
    return f"completion:{completion.pk}"


def credit_award_for_completion(*, completion_id: int) -> CreditEntry | None:
    """Award the course's credits for a completion; None for a course without credits.

    Idempotent: the ledger's unique (source, reference) makes a second award
    impossible, so racing calls return the one entry.
    """
    completion = CourseCompletion.objects.select_related(
        "enrollment__course", "enrollment__learner"
    ).get(pk=completion_id)
    course = completion.enrollment.course
    if not course.credits:
        return None
    reference = _completion_ref(completion)
    existing = CreditEntry.objects.filter(
        source=CreditSource.COURSE_COMPLETION, source_ref=reference, reverses__isnull=True
    ).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return CreditEntry.objects.create(
                learner=completion.enrollment.learner,
                credits=course.credits,
                study_hours=course.study_hours,
                credit_class=course.credit_class,
                subject_type=course.subject_type,
                cme_project_number=course.cme_project_number,
                activity_title=course.title,
                organiser=course.organiser or settings.SNOWLAND_DEFAULT_ORGANISER,
                year=timezone.localtime(completion.completed_at).year,
                source=CreditSource.COURSE_COMPLETION,
                source_ref=reference,
                reason=str(CreditSource.COURSE_COMPLETION.label),
            )
    except IntegrityError:  # a concurrent award won
        return CreditEntry.objects.get(
            source=CreditSource.COURSE_COMPLETION, source_ref=reference, reverses__isnull=True
        )


def _external_ref(activity: ExternalActivity) -> str:
    return f"external:{activity.pk}"


def credit_award_for_external_activity(*, activity_id: int, approved_by: User) -> CreditEntry:
    """Award an approved external activity's credits, copied from the claim, with the
    final approver as the one who awarded them.

    Idempotent like the completion award: the ledger's unique (source, reference)
    makes a second award impossible, so a repeated call returns the one entry.
    """
    activity = ExternalActivity.objects.get(pk=activity_id)
    if activity.status != ActivityStatus.APPROVED:
        raise ExternalActivityNotAllowed(
            ExternalActivityNotAllowed.NOT_APPROVED, code="not_approved"
        )
    reference = _external_ref(activity)
    existing = CreditEntry.objects.filter(
        source=CreditSource.EXTERNAL_ACTIVITY, source_ref=reference, reverses__isnull=True
    ).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return CreditEntry.objects.create(
                learner_id=activity.learner_id,
                credits=activity.credits,
                study_hours=activity.study_hours,
                credit_class=activity.credit_class,
                subject_type=activity.subject_type,
                cme_project_number=activity.cme_project_number,
                activity_title=activity.title,
                organiser=activity.organiser,
                year=activity.year,
                source=CreditSource.EXTERNAL_ACTIVITY,
                source_ref=reference,
                awarded_by=approved_by,
                reason=str(CreditSource.EXTERNAL_ACTIVITY.label),
            )
    except IntegrityError:  # a concurrent award won
        return CreditEntry.objects.get(
            source=CreditSource.EXTERNAL_ACTIVITY, source_ref=reference, reverses__isnull=True
        )


@transaction.atomic
def credit_reverse(*, entry: CreditEntry, acting_user: User, reason: str) -> CreditEntry:
    """Correct an award by a new entry of the opposite sign, with who and why."""
    reason = reason.strip()
    if not reason:
        raise CreditCorrectionRejected(CreditCorrectionRejected.REASON_REQUIRED, code="reason")
    entry = CreditEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.reverses_id is not None:
        raise CreditCorrectionRejected(CreditCorrectionRejected.NOT_AN_AWARD, code="reversal")
    if CreditEntry.objects.filter(reverses=entry).exists():
        raise CreditCorrectionRejected(CreditCorrectionRejected.ALREADY_REVERSED, code="reversed")
    return CreditEntry.objects.create(
        learner_id=entry.learner_id,
        credits=-entry.credits,
        study_hours=-entry.study_hours,
        credit_class=entry.credit_class,
        subject_type=entry.subject_type,
        cme_project_number=entry.cme_project_number,
        activity_title=entry.activity_title,
        organiser=entry.organiser,
        year=entry.year,
        source=entry.source,
        source_ref=entry.source_ref,
        reverses=entry,
        awarded_by=acting_user,
        reason=reason,
    )
