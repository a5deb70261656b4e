from collections.abc import Iterable
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.selectors import institutions_in_hr_scope
from courses.models import CoursePage
from lms.errors import AssignmentNotAllowed, EnrollmentNotAllowed
from lms.models import Enrollment, EnrollmentEvent, EnrollmentSource, EnrollmentStatus


def _check_can_enrol(*, learner: User, course: CoursePage, today: date) -> None:
    if not course.live:
        raise EnrollmentNotAllowed(EnrollmentNotAllowed.NOT_PUBLISHED, code="not_published")
    if course.enrolment_opens and today < course.enrolment_opens:
        raise EnrollmentNotAllowed(
            EnrollmentNotAllowed.NOT_OPEN_YET,
            code="not_open",
            params={"date": course.enrolment_opens},
        )
    if course.enrolment_closes and today > course.enrolment_closes:
        raise EnrollmentNotAllowed(
            EnrollmentNotAllowed.CLOSED, code="closed", params={"date": course.enrolment_closes}
        )
    professions = {p.code for p in course.target_professions.all()}
    if professions and learner.profession not in professions:
        raise EnrollmentNotAllowed(EnrollmentNotAllowed.WRONG_PROFESSION, code="profession")
    levels = {t.code for t in course.target_title_levels.all()}
    if levels and learner.title_level not in levels:
        raise EnrollmentNotAllowed(EnrollmentNotAllowed.WRONG_TITLE_LEVEL, code="title_level")


def _log(enrollment: Enrollment, kind: str, actor: User | None, note: str = "") -> None:
    EnrollmentEvent.objects.create(enrollment=enrollment, kind=kind, actor=actor, note=note)


@transaction.atomic
def enrollment_create(
    *, learner: User, course: CoursePage, today: date | None = None
) -> Enrollment:
    """Enrol a learner; enrolling again is harmless and revives a withdrawn enrolment."""
    existing = Enrollment.objects.select_for_update().filter(learner=learner, course=course).first()
    if existing and existing.status != EnrollmentStatus.WITHDRAWN:
        return existing
    _check_can_enrol(learner=learner, course=course, today=today or timezone.localdate())
    if existing:
        existing.status = EnrollmentStatus.ACTIVE
        existing.save(update_fields=["status"])
        _log(existing, EnrollmentEvent.Kind.REENROLLED, learner)
        return existing
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(learner=learner, course=course)
    except IntegrityError:  # a concurrent request enrolled first
        return Enrollment.objects.get(learner=learner, course=course)
    _log(enrollment, EnrollmentEvent.Kind.ENROLLED, learner)
    return enrollment


@transaction.atomic
def enrollment_withdraw(*, enrollment: Enrollment, actor: User) -> Enrollment:
    """Withdraw, keeping the enrolment, its progress and its history."""
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.status == EnrollmentStatus.COMPLETED:
        raise EnrollmentNotAllowed(EnrollmentNotAllowed.COMPLETED, code="completed")
    if enrollment.status == EnrollmentStatus.ACTIVE:
        enrollment.status = EnrollmentStatus.WITHDRAWN
        enrollment.save(update_fields=["status"])
        _log(enrollment, EnrollmentEvent.Kind.WITHDRAWN, actor)
    return enrollment


def _check_can_assign(*, assigned_by: User, learners: list[User]) -> None:
    if assigned_by.is_superuser:
        return
    if not assigned_by.has_perm("accounts.assign_courses"):
        raise AssignmentNotAllowed(AssignmentNotAllowed.NO_RIGHT, code="no_right")
    allowed = set(institutions_in_hr_scope(user=assigned_by).values_list("pk", flat=True))
    if any(learner.institution_id not in allowed for learner in learners):
        raise AssignmentNotAllowed(AssignmentNotAllowed.OUTSIDE_SCOPE, code="outside_scope")


@transaction.atomic
def course_assign(
    *,
    course: CoursePage,
    learners: Iterable[User],
    due_date: date | None,
    assigned_by: User,
    today: date | None = None,
) -> list[Enrollment]:
    """Assign a course to staff with a due date: the learners see it on their dashboard.

    The officer's scope is checked for every learner; an enrolment already under way
    keeps its progress and takes the new due date.
    """
    learners = list(learners)
    if not learners:
        raise AssignmentNotAllowed(AssignmentNotAllowed.NO_TARGET, code="no_target")
    if due_date and due_date < (today or timezone.localdate()):
        raise AssignmentNotAllowed(AssignmentNotAllowed.DUE_IN_PAST, code="due_in_past")
    if not course.live:
        raise EnrollmentNotAllowed(EnrollmentNotAllowed.NOT_PUBLISHED, code="not_published")
    _check_can_assign(assigned_by=assigned_by, learners=learners)
    existing = {
        e.learner_id: e
        for e in Enrollment.objects.select_for_update().filter(course=course, learner__in=learners)
    }
    enrollments = []
    for learner in learners:
        enrollment = existing.get(learner.pk)
        if enrollment is None:
            enrollment = Enrollment.objects.create(
                learner=learner,
                course=course,
                source=EnrollmentSource.ASSIGNED,
                assigned_by=assigned_by,
                due_date=due_date,
            )
        elif enrollment.status != EnrollmentStatus.COMPLETED:
            enrollment.status = EnrollmentStatus.ACTIVE
            enrollment.source = EnrollmentSource.ASSIGNED
            enrollment.assigned_by = assigned_by
            enrollment.due_date = due_date
            enrollment.save(update_fields=["status", "source", "assigned_by", "due_date"])
        else:
            enrollments.append(enrollment)
            continue
        _log(
            enrollment,
            EnrollmentEvent.Kind.ASSIGNED,
            assigned_by,
            note=f"due {due_date.isoformat()}" if due_date else "",
        )
        enrollments.append(enrollment)
    return enrollments
