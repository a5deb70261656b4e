"""Writes of the certificates app: issuing (idempotent, race-safe) and revoking."""

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from wagtail.log_actions import log

from accounts.models import User
from certificates.errors import CertificateNotIssued, CertificateRevocationRejected
from certificates.models import Certificate, CertificateStatus, CertificateTemplate, SerialCounter
from certificates.selectors import (
    REVOKE_PERMISSION,
    completions_without_certificate,
    template_for_course,
)
from certificates.signing import active_key_id, certificate_payload, sign_payload
from certificates.verify_cache import verification_stamp_bump
from courses.models import CoursePage
from lms.models import CourseCompletion, CreditEntry, CreditSource, Enrollment
from lms.services import credit_reverse
from lms.services.reconcile import credit_reconcile_completions

logger = logging.getLogger(__name__)

# Wagtail log actions (registered in wagtail_hooks.py): shown in the certificate's history.
LOG_ISSUE = "certificates.issue"
LOG_REVOKE = "certificates.revoke"


def format_serial(*, year: int, sequence: int) -> str:
    return f"{settings.SNOWLAND_CERTIFICATE_PREFIX}-{year}-{sequence:06d}"


def new_verification_code() -> str:
    """256 random bits, URL-safe (43 characters): unguessable, so unlisted."""
    return secrets.token_urlsafe(32)


def _next_sequence(*, year: int) -> int:
    """The year's next sequence number, taken under a row lock (call inside atomic).

    Racing transactions queue on the counter row, so numbers are consecutive and never
    repeat; a rolled-back issue gives its number back.
    """
    counter, _created = SerialCounter.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _snapshot(*, completion: CourseCompletion, template: CertificateTemplate | None) -> Certificate:
    """An unsaved certificate with the learner's and course's values copied (labels in
    the site's language, whatever the language of the request)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _copy(completion=completion, template=template)


def _copy(*, completion: CourseCompletion, template: CertificateTemplate | None) -> Certificate:
    enrollment = completion.enrollment
    learner: User = enrollment.learner
    course: CoursePage = enrollment.course
    return Certificate(
        enrollment=enrollment,
        learner=learner,
        template=template,
        learner_name=learner.real_name or learner.get_full_name(),
        learner_institution=learner.institution.name if learner.institution_id else "",
        learner_title=learner.get_title_level_display() if learner.title_level else "",
        course_title=course.title,
        cme_project_number=course.cme_project_number,
        credit_class=course.credit_class,
        credits=course.credits or 0,
        study_hours=course.study_hours or 0,
        subject_type=course.subject_type,
        organiser=course.organiser or settings.SNOWLAND_DEFAULT_ORGANISER,
        completed_on=timezone.localtime(completion.completed_at).date(),
        score=completion.final_score,
        issuer=(template.issuer_name if template else "") or settings.SNOWLAND_CERTIFICATE_ISSUER,
    )


def _existing(enrollment_id: int) -> Certificate | None:
    return Certificate.objects.filter(enrollment_id=enrollment_id).first()


def certificate_issue(*, completion_id: int) -> Certificate:
    """Issue the certificate of a course completion, or return the one already issued.

    Idempotent and race-safe: the enrolment row is locked while issuing, and the
    one-to-one certificate row makes a second certificate impossible (a loser of a race
    on SQLite, which has no row locks, gets the winner's certificate). The PDF is
    rendered by a task after commit.
    """
    completion = (
        CourseCompletion.objects.select_related(
            "enrollment__course", "enrollment__learner__institution"
        )
        .filter(pk=completion_id)
        .first()
    )
    if completion is None:
        raise CertificateNotIssued(CertificateNotIssued.NO_COMPLETION, code="no_completion")
    existing = _existing(completion.enrollment_id)
    if existing is not None:
        return existing
    template = template_for_course(course=completion.enrollment.course)
    try:
        with transaction.atomic():
            # Issues of one enrolment queue here (a no-op on SQLite, which locks the file).
            list(
                Enrollment.objects.select_for_update()
                .filter(pk=completion.enrollment_id)
                .values_list("pk", flat=True)
            )
            existing = _existing(completion.enrollment_id)
            if existing is not None:
                return existing
            certificate = _snapshot(completion=completion, template=template)
            certificate.issued_at = timezone.now().replace(microsecond=0)
            year = timezone.localtime(certificate.issued_at).year
            certificate.serial_year = year
            certificate.serial_sequence = _next_sequence(year=year)
            certificate.serial_number = format_serial(
                year=year, sequence=certificate.serial_sequence
            )
            certificate.verification_code = new_verification_code()
            certificate.key_id = active_key_id()
            _key_id, certificate.signature = sign_payload(certificate_payload(certificate))
            certificate.save(force_insert=True)
            log(instance=certificate, action=LOG_ISSUE, user=None)
    except IntegrityError:
        # A concurrent issue for the same enrolment won (SQLite has no row locks).
        winner = _existing(completion.enrollment_id)
        if winner is None:
            raise
        return winner
    transaction.on_commit(lambda: _render_later(certificate.pk), robust=True)
    return certificate


def _render_later(certificate_id: int) -> bool:
    """Queue the rendering; False when the broker cannot take it. An outage is logged,
    never raised: the certificate stands and `completions_sweep` queues it again."""
    from kombu.exceptions import OperationalError

    from certificates.tasks import render_certificate

    try:
        render_certificate.delay(certificate_id)
    except OperationalError:
        logger.warning("Could not queue the rendering of certificate %s", certificate_id)
        return False
    return True


def certificates_issue_missing(*, limit: int | None = None) -> list[Certificate]:
    """Issue the certificates of completions that have none (safe to run any time)."""
    issued = []
    for completion_id in completions_without_certificate(limit=limit):
        try:
            issued.append(certificate_issue(completion_id=completion_id))
        except Exception:  # one failure must not stop the others; it is logged
            logger.exception("Issuing the certificate of completion %s failed", completion_id)
    return issued


def certificates_render_missing() -> int:
    """Queue the rendering of every certificate that has no PDF yet; the number queued."""
    ids = list(Certificate.objects.filter(pdf="").values_list("pk", flat=True))
    for certificate_id in ids:
        _render_later(certificate_id)
    return len(ids)


# A sweep repairs at most this many of each kind; the next one takes the rest.
SWEEP_BATCH = 500


@dataclass(frozen=True)
class SweepResult:
    credits_awarded: int
    certificates_issued: int
    renders_queued: int


def completions_sweep(
    *, older_than: timedelta = timedelta(minutes=2), limit: int = SWEEP_BATCH
) -> SweepResult:
    """Repair what the after-commit steps of completions left undone (beat, every 5 min).

    A completion's credit, certificate and PDF follow it after commit; a crash or a
    broker outage can lose any of them. This awards missing credits, issues missing
    certificates (each queues its rendering) and queues again the rendering of
    certificates still without a PDF `older_than` after issue, oldest first. Idempotent
    and race-safe like the services it calls: run it any time (docs/decisions/0012).
    """
    try:
        awarded = credit_reconcile_completions()
    except Exception:  # the certificates and renderings are still repaired; logged
        logger.exception("Completion sweep: awarding the missing credits failed")
        awarded = 0
    issued = certificates_issue_missing(limit=limit)
    stale = (
        Certificate.objects.filter(pdf="", issued_at__lte=timezone.now() - older_than)
        .order_by("issued_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    queued = sum(_render_later(certificate_id) for certificate_id in list(stale))
    if awarded or issued or queued:
        logger.warning(
            "Completion sweep: %s credit(s) awarded, %s certificate(s) issued, %s "
            "rendering(s) queued again",
            awarded,
            len(issued),
            queued,
        )
    return SweepResult(
        credits_awarded=awarded, certificates_issued=len(issued), renders_queued=queued
    )


def _completion_award(certificate: Certificate) -> CreditEntry | None:
    """The ledger's award for the certificate's completion, if any and still standing."""
    completion_id = (
        CourseCompletion.objects.filter(enrollment_id=certificate.enrollment_id)
        .values_list("pk", flat=True)
        .first()
    )
    if completion_id is None:
        return None
    award = CreditEntry.objects.filter(
        source=CreditSource.COURSE_COMPLETION,
        source_ref=f"completion:{completion_id}",
        reverses__isnull=True,
    ).first()
    if award is None or CreditEntry.objects.filter(reverses=award).exists():
        return None
    return award


def certificate_revoke(*, certificate: Certificate, acting_user: User, reason: str) -> Certificate:
    """Revoke a certificate for good, with who, when and why, and reverse the credits
    its completion earned. Revoking a revoked certificate is an error, not a no-op."""
    reason = (reason or "").strip()
    error = CertificateRevocationRejected
    if not reason:
        raise error(error.REASON_REQUIRED, code="reason")
    if not acting_user.has_perm(REVOKE_PERMISSION):
        raise error(error.NOT_ALLOWED, code="permission")
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.status == CertificateStatus.REVOKED:
            raise error(error.ALREADY_REVOKED, code="revoked")
        certificate.status = CertificateStatus.REVOKED
        certificate.revoked_at = timezone.now()
        certificate.revoked_by = acting_user
        certificate.revocation_reason = reason
        certificate.save(update_fields=["status", "revoked_at", "revoked_by", "revocation_reason"])
        # The public verification page says "revoked" from now on: what it kept of this
        # certificate is dropped now and again at commit.
        verification_stamp_bump(code=certificate.verification_code)
        award = _completion_award(certificate)
        reversal = None
        if award is not None:
            reversal = credit_reverse(entry=award, acting_user=acting_user, reason=reason)
        log(
            instance=certificate,
            action=LOG_REVOKE,
            user=acting_user,
            data={"reason": reason, "credit_reversal_id": reversal.pk if reversal else None},
        )
    return certificate
