"""Writes of the credit ledger: awards and reversing corrections, never edits."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from courses.choices import CreditClass, SubjectType
from lms.errors import CreditCorrectionRejected, ExternalActivityNotAllowed
from lms.models import ActivityStatus, CourseCompletion, CreditEntry, CreditSource, ExternalActivity
from lms.selectors.ledger import may_correct_credits


def _award_once(*, source: str, source_ref: str, **values) -> CreditEntry:
    """The one award of a source: the ledger's unique (source, reference) makes a
    second impossible, so repeated or racing calls all return the same entry."""
    existing = CreditEntry.objects.filter(
        source=source, source_ref=source_ref, reverses__isnull=True
    ).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return CreditEntry.objects.create(source=source, source_ref=source_ref, **values)
    except IntegrityError:  # a concurrent award won
        return CreditEntry.objects.get(source=source, source_ref=source_ref, reverses__isnull=True)


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
    return _award_once(
        source=CreditSource.COURSE_COMPLETION,
        source_ref=_completion_ref(completion),
        learner_id=completion.enrollment.learner_id,
        credits=course.credits,
        study_hours=course.study_hours,
        credit_class=course.credit_class,
        subject_type=course.subject_type,
        cme_project_number=course.cme_project_number,
        activity_title=course.title,
        organiser=course.organiser or settings.SNOWLAND_DEFAULT_ORGANISER,
        year=timezone.localtime(completion.completed_at).year,
        reason=str(CreditSource.COURSE_COMPLETION.label),
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
    return _award_once(
        source=CreditSource.EXTERNAL_ACTIVITY,
        source_ref=_external_ref(activity),
        learner_id=activity.learner_id,
        credits=activity.credits,
        study_hours=activity.study_hours,
        credit_class=activity.credit_class,
        subject_type=activity.subject_type,
        cme_project_number=activity.cme_project_number,
        activity_title=activity.title,
        organiser=activity.organiser,
        year=activity.year,
        awarded_by=approved_by,
        reason=str(CreditSource.EXTERNAL_ACTIVITY.label),
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


# The oldest year an adjustment may count for: records before it are out of any review.
ADJUSTMENT_FIRST_YEAR = 2000


def _check_may_correct(*, acting_user: User, learner: User) -> None:
    if acting_user.pk == learner.pk:
        raise CreditCorrectionRejected(CreditCorrectionRejected.OWN_RECORD, code="own")
    if not may_correct_credits(user=acting_user, learner=learner):
        raise CreditCorrectionRejected(CreditCorrectionRejected.NOT_ALLOWED, code="scope")


def credit_correct(*, entry: CreditEntry, acting_user: User, reason: str) -> CreditEntry:
    """An officer's reversal of an entry: scope-checked, then `credit_reverse`."""
    _check_may_correct(acting_user=acting_user, learner=entry.learner)
    return credit_reverse(entry=entry, acting_user=acting_user, reason=reason)


def credit_adjust(
    *,
    learner: User,
    acting_user: User,
    credits: Decimal,
    study_hours: Decimal,
    credit_class: str,
    subject_type: str,
    year: int,
    activity_title: str,
    reason: str,
    cme_project_number: str = "",
    organiser: str = "",
) -> CreditEntry:
    """Record an administrator's adjustment: credits recognised (or taken away, with a
    negative amount) outside the platform's own awards, always with who and why."""
    _check_may_correct(acting_user=acting_user, learner=learner)
    reason, activity_title = reason.strip(), activity_title.strip()
    this_year = timezone.localdate().year
    error = CreditCorrectionRejected
    if not reason:
        raise error(error.REASON_REQUIRED, code="reason")
    if not activity_title:
        raise error(error.TITLE_REQUIRED, code="title")
    if not credits and not study_hours:
        raise error(error.ZERO, code="zero")
    if not ADJUSTMENT_FIRST_YEAR <= year <= this_year:
        params = {"first": ADJUSTMENT_FIRST_YEAR, "last": this_year}
        raise error(error.BAD_YEAR, code="year", params=params)
    if credit_class not in CreditClass.values:
        raise error(error.UNKNOWN_CLASS, code="class")
    if subject_type not in SubjectType.values:
        raise error(error.UNKNOWN_SUBJECT, code="subject")
    return CreditEntry.objects.create(
        learner=learner,
        credits=credits,
        study_hours=study_hours,
        credit_class=credit_class,
        subject_type=subject_type,
        cme_project_number=cme_project_number.strip(),
        activity_title=activity_title,
        organiser=organiser.strip(),
        year=year,
        source=CreditSource.ADJUSTMENT,
        source_ref=f"adjustment:{uuid.uuid4().hex}",
        awarded_by=acting_user,
        reason=reason,
    )
