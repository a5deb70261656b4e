"""Writes of external activities: report, resubmit, withdraw and decide.

Every change leaves an audit event (who, what, at which step, why). Bad input raises
`ExternalActivityRejected` before anything is written, and a failure while writing
removes the evidence files already stored, so a refused report leaves no trace.
"""

import hashlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from PIL import Image

from accounts.models import Institution, User
from courses.choices import CreditClass, SubjectType
from lms import tasks
from lms.compliance import format_amount
from lms.errors import (
    ApprovalChainRejected,
    BulkApprovalRefused,
    ExternalActivityNotAllowed,
    ExternalActivityRejected,
)
from lms.models import (
    ActivityAction,
    ActivityDecision,
    ActivityKind,
    ActivityStatus,
    ApprovalChain,
    ApprovalChainStep,
    EvidenceFile,
    ExternalActivity,
    ExternalActivityEvent,
)
from lms.selectors.external_activities import (
    activity_counting_rules,
    approval_chain_errors,
    approval_chain_for,
    approver_profile,
    may_act_on_level,
    skip_reason,
)
from lms.services.credits import credit_award_for_external_activity
from lms.storage import private_media_storage

CENT = Decimal("0.01")
# The model's columns hold at most this many study hours (7 digits, 2 decimals).
STUDY_HOURS_LIMIT = Decimal(100_000)
PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg"}
PILLOW_FORMATS = {PNG: "PNG", JPEG: "JPEG"}
MAX_NAME_LENGTH = 200
TEXT_LIMITS = {
    "title": ExternalActivity._meta.get_field("title").max_length,
    "organiser": ExternalActivity._meta.get_field("organiser").max_length,
    "cme_project_number": ExternalActivity._meta.get_field("cme_project_number").max_length,
    "description": 4000,
}


@dataclass(frozen=True)
class ActivityReport:
    """What the learner reports; credits or study hours may be left out (None)."""

    kind: str
    title: str
    organiser: str
    start_date: date | None
    end_date: date | None
    credit_class: str
    subject_type: str
    credits: Decimal | None = None
    study_hours: Decimal | None = None
    cme_project_number: str = ""
    description: str = ""


@dataclass(frozen=True)
class _CheckedFile:
    upload: File
    original_name: str
    content_type: str
    size: int
    sha256: str


class _Errors:
    """Field name → errors, raised together so that a form shows each by its field."""

    def __init__(self):
        self.by_field: dict[str, list[ValidationError]] = defaultdict(list)

    def add(self, name: str, message, code: str, params: dict | None = None) -> None:
        self.by_field[name].append(ValidationError(message, code=code, params=params))

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ExternalActivityRejected(dict(self.by_field))


@transaction.atomic
def approval_chain_save(*, institution: Institution, levels: Sequence[str]) -> ApprovalChain:
    """Give an institution (and everything under it) its approval chain, replacing the
    steps it had. Claims already submitted keep the steps they were submitted with."""
    errors = approval_chain_errors(levels)
    if errors:
        raise ApprovalChainRejected([ValidationError(message) for message in errors])
    chain, _created = ApprovalChain.objects.get_or_create(institution=institution)
    chain.steps.all().delete()
    ApprovalChainStep.objects.bulk_create(
        ApprovalChainStep(chain=chain, level=level, sort_order=position)
        for position, level in enumerate(levels)
    )
    chain.save(update_fields=["updated_at"])
    return chain


# -- Checking what the learner sent -----------------------------------------------------


def _positive(value: Decimal | None) -> bool:
    return value is not None and value.is_finite() and value > 0


def _check_report(*, learner: User, report: ActivityReport, today: date, errors: _Errors) -> dict:
    """The report's values to store, credits and hours completed; errors are collected."""
    title, organiser = report.title.strip(), report.organiser.strip()
    number = report.cme_project_number.strip()
    if not learner.institution_id:
        errors.add(NON_FIELD_ERRORS, ExternalActivityRejected.NO_INSTITUTION, "no_institution")
    if report.kind not in ActivityKind.values:
        errors.add("kind", ExternalActivityRejected.UNKNOWN_KIND, "unknown_kind")
    if not title:
        errors.add("title", ExternalActivityRejected.TITLE_REQUIRED, "title")
    if not organiser:
        errors.add("organiser", ExternalActivityRejected.ORGANISER_REQUIRED, "organiser")
    description = report.description.strip()
    for name, value in (
        ("title", title),
        ("organiser", organiser),
        ("cme_project_number", number),
        ("description", description),
    ):
        limit = TEXT_LIMITS[name]
        if len(value) > limit:
            errors.add(name, ExternalActivityRejected.TOO_LONG, "too_long", {"limit": limit})
    start, end = report.start_date, report.end_date
    if start is None or end is None:
        errors.add("end_date", ExternalActivityRejected.DATES_REQUIRED, "dates_required")
    elif end < start:
        errors.add("end_date", ExternalActivityRejected.DATES_REVERSED, "dates_reversed")
    elif end > today:
        errors.add("end_date", ExternalActivityRejected.DATE_IN_FUTURE, "future")
    credit_class = report.credit_class
    if credit_class not in CreditClass.values:
        errors.add("credit_class", ExternalActivityRejected.UNKNOWN_CLASS, "unknown_class")
    elif credit_class in CreditClass.class_one() and not number:
        errors.add(
            "cme_project_number",
            ExternalActivityRejected.PROJECT_NUMBER_REQUIRED,
            "project_number",
        )
    if report.subject_type not in SubjectType.values:
        errors.add("subject_type", ExternalActivityRejected.UNKNOWN_SUBJECT, "unknown_subject")

    credits, hours = report.credits, report.study_hours
    if credits is None and hours is None:
        errors.add("credits", ExternalActivityRejected.CREDITS_OR_HOURS, "credits_or_hours")
    if credits is not None:
        credits = credits.quantize(CENT, rounding=ROUND_HALF_UP) if credits.is_finite() else None
        if not _positive(credits):
            errors.add("credits", ExternalActivityRejected.CREDITS_NOT_POSITIVE, "credits")
    if hours is not None:
        hours = hours.quantize(CENT, rounding=ROUND_HALF_UP) if hours.is_finite() else None
        if not _positive(hours):
            errors.add("study_hours", ExternalActivityRejected.HOURS_NOT_POSITIVE, "hours")
        elif hours >= STUDY_HOURS_LIMIT:
            errors.add(
                "study_hours",
                ExternalActivityRejected.HOURS_TOO_MANY,
                "hours_too_many",
                {"limit": format_amount(STUDY_HOURS_LIMIT)},
            )
    if errors:
        return {}

    # How the activity counts follows the rule set that judges the year it ended in.
    rules = activity_counting_rules(learner=learner, year=end.year)
    per_credit = rules.hours_per_credit[credit_class]
    cap = rules.project_credit_cap
    if credits is None:
        # Computed credits stop at the cap: the hours were studied, the credit is capped.
        credits = min((hours / per_credit).quantize(CENT, rounding=ROUND_HALF_UP), cap)
        if credits <= 0:
            errors.add("study_hours", ExternalActivityRejected.CREDITS_NOT_POSITIVE, "credits")
    elif credits > cap:
        errors.add(
            "credits",
            ExternalActivityRejected.CREDITS_OVER_CAP,
            "credits_over_cap",
            {"cap": format_amount(cap)},
        )
    if hours is None:
        hours = (credits * per_credit).quantize(CENT, rounding=ROUND_HALF_UP)
    return {
        "kind": report.kind,
        "title": title,
        "organiser": organiser,
        "cme_project_number": number,
        "start_date": start,
        "end_date": end,
        "credit_class": credit_class,
        "subject_type": report.subject_type,
        "credits": credits,
        "study_hours": hours,
        "description": description,
    }


def _display_name(name: str | None) -> str:
    # Only the last part of what the browser sent, never a path; kept for people to read.
    base = PurePath((name or "").replace("\\", "/")).name.strip() or "evidence"
    return base[-MAX_NAME_LENGTH:]


def _detect_type(upload: File) -> str | None:
    """The file's type from its bytes (never its name or the browser's word for it)."""
    upload.seek(0)
    head = upload.read(16)
    try:
        if head.startswith(b"%PDF-"):
            upload.seek(max(upload.size - 2048, 0))
            return PDF if b"%%EOF" in upload.read() else None
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            expected = PNG
        elif head.startswith(b"\xff\xd8\xff"):
            expected = JPEG
        else:
            return None
        upload.seek(0)
        with Image.open(upload) as image:
            if image.format != PILLOW_FORMATS[expected]:
                return None
            image.verify()  # reads the whole image; a damaged or disguised one fails here
        return expected
    except Exception:  # Pillow raises many kinds of error for files that are not images
        return None
    finally:
        upload.seek(0)


def _sha256(upload: File) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _check_files(files: Sequence[File], *, kept: int, errors: _Errors) -> list[_CheckedFile]:
    maximum_files = settings.SNOWLAND_EVIDENCE_MAX_FILES
    maximum_bytes = settings.SNOWLAND_EVIDENCE_MAX_BYTES
    total = kept + len(files)
    if total == 0:
        errors.add("evidence", ExternalActivityRejected.EVIDENCE_REQUIRED, "evidence_required")
    elif total > maximum_files:
        errors.add(
            "evidence",
            ExternalActivityRejected.TOO_MANY_FILES,
            "too_many_files",
            {"count": maximum_files},
        )
    checked = []
    for upload in files:
        name = _display_name(upload.name)
        if upload.size > maximum_bytes:
            errors.add(
                "evidence",
                ExternalActivityRejected.FILE_TOO_LARGE,
                "file_too_large",
                {"name": name, "size": f"{maximum_bytes / (1024 * 1024):g}"},
            )
            continue
        content_type = _detect_type(upload) if upload.size else None
        if content_type is None:
            errors.add(
                "evidence", ExternalActivityRejected.FILE_WRONG_TYPE, "file_type", {"name": name}
            )
            continue
        checked.append(
            _CheckedFile(
                upload=upload,
                original_name=name,
                content_type=content_type,
                size=upload.size,
                sha256=_sha256(upload),
            )
        )
    return checked


# -- Writing ------------------------------------------------------------------------------


@contextmanager
def _files_removed_on_error() -> Iterator[list[str]]:
    """Evidence stored inside the block is deleted again if the block fails."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        for name in stored:
            private_media_storage.delete(name)
        raise


def _store_file(activity: ExternalActivity, checked: _CheckedFile, stored: list[str]):
    evidence = EvidenceFile(
        activity=activity,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
    )
    checked.upload.seek(0)
    # The stored name is random (see evidence_upload_to); only the type's suffix is kept.
    evidence.file.save(f"evidence{EXTENSIONS[checked.content_type]}", checked.upload, save=False)
    stored.append(evidence.file.name)
    evidence.save()
    return evidence


def _record(
    activity: ExternalActivity,
    *,
    action: str,
    actor: User | None = None,
    step: int | None = None,
    level: str = "",
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    details: dict | None = None,
) -> ExternalActivityEvent:
    return ExternalActivityEvent.objects.create(
        activity=activity,
        actor=actor,
        action=action,
        step=step,
        level=level,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        details=details or {},
    )


def _notify_after_commit(event: ExternalActivityEvent) -> None:
    # robust: a mail server that is down must not turn a recorded decision into an error.
    transaction.on_commit(partial(tasks.external_activity_notify_task.delay, event.pk), robust=True)


def _learner_of(activity: ExternalActivity) -> User:
    return User.objects.select_related("institution", "department").get(pk=activity.learner_id)


def _move_to_step(activity: ExternalActivity, *, start: int) -> bool:
    """Make the claim wait at the first step from `start` that someone can decide,
    recording each step skipped and why; False when no step is left.

    The caller saves the claim.
    """
    learner = activity.learner
    for position in range(start, len(activity.chain_levels)):
        level = activity.chain_levels[position]
        why = skip_reason(learner=learner, level=level)
        if why:
            _record(
                activity,
                action=ActivityAction.STEP_SKIPPED,
                step=position,
                level=level,
                from_status=ActivityStatus.SUBMITTED,
                to_status=ActivityStatus.SUBMITTED,
                details=why,
            )
            continue
        activity.current_step, activity.current_level = position, level
        waiting = _record(
            activity,
            action=ActivityAction.AWAITING,
            step=position,
            level=level,
            from_status=ActivityStatus.SUBMITTED,
            to_status=ActivityStatus.SUBMITTED,
        )
        _notify_after_commit(waiting)
        return True
    return False


def _start_chain(activity: ExternalActivity) -> None:
    # Only department-head steps are ever skipped, and a resolved chain always holds
    # another step (see approval_chain_for), so some step is always left.
    if not _move_to_step(activity, start=0):  # pragma: no cover
        raise RuntimeError("An approval chain always has a step someone can decide.")


def _next_open_step(activity: ExternalActivity, *, start: int) -> int | None:
    for position in range(start, len(activity.chain_levels)):
        if skip_reason(learner=activity.learner, level=activity.chain_levels[position]) is None:
            return position
    return None


def external_activity_submit(
    *,
    learner: User,
    report: ActivityReport,
    evidence: Sequence[File],
    today: date | None = None,
) -> ExternalActivity:
    """Report an external activity with 1–5 evidence files; it waits at the first step
    of the learner's approval chain that someone can decide."""
    learner = User.objects.select_related("institution", "department").get(pk=learner.pk)
    errors = _Errors()
    values = _check_report(
        learner=learner, report=report, today=today or timezone.localdate(), errors=errors
    )
    files = _check_files(evidence, kept=0, errors=errors)
    errors.raise_if_any()
    resolved = approval_chain_for(institution=learner.institution)
    with _files_removed_on_error() as stored, transaction.atomic():
        activity = ExternalActivity.objects.create(
            learner=learner,
            status=ActivityStatus.SUBMITTED,
            chain_levels=list(resolved.levels),
            submitted_at=timezone.now(),
            **values,
        )
        activity.learner = learner
        for checked in files:
            _store_file(activity, checked, stored)
        _record(
            activity,
            action=ActivityAction.SUBMITTED,
            actor=learner,
            to_status=ActivityStatus.SUBMITTED,
            details={
                "chain": list(resolved.levels),
                "chain_of": str(resolved.chain) if resolved.chain else "",
                "evidence": [checked.original_name for checked in files],
            },
        )
        _start_chain(activity)
        activity.save(update_fields=["current_step", "current_level"])
    return activity


def _changes(activity: ExternalActivity, values: dict) -> dict[str, list[str]]:
    return {
        name: [str(getattr(activity, name)), str(value)]
        for name, value in values.items()
        if getattr(activity, name) != value
    }


def external_activity_resubmit(
    *,
    activity_id: int,
    actor: User,
    report: ActivityReport,
    add_evidence: Sequence[File] = (),
    remove_evidence_ids: Sequence[int] = (),
    today: date | None = None,
) -> ExternalActivity:
    """Correct a claim returned for changes and send it again from the first step of
    the chain it was submitted with."""
    with _files_removed_on_error() as stored, transaction.atomic():
        activity = ExternalActivity.objects.select_for_update().get(pk=activity_id)
        if activity.learner_id != actor.pk:
            raise ExternalActivityNotAllowed(
                ExternalActivityNotAllowed.NOT_YOUR_CLAIM, code="not_your_claim"
            )
        if activity.status != ActivityStatus.RETURNED:
            raise ExternalActivityNotAllowed(
                ExternalActivityNotAllowed.NOT_RETURNED, code="not_returned"
            )
        activity.learner = learner = _learner_of(activity)
        errors = _Errors()
        values = _check_report(
            learner=learner, report=report, today=today or timezone.localdate(), errors=errors
        )
        current = list(activity.evidence.filter(removed_at__isnull=True))
        removing = set(remove_evidence_ids)
        if removing - {evidence.pk for evidence in current}:
            errors.add(
                "remove_evidence", ExternalActivityRejected.UNKNOWN_EVIDENCE, "unknown_evidence"
            )
        kept = sum(evidence.pk not in removing for evidence in current)
        files = _check_files(add_evidence, kept=kept, errors=errors)
        errors.raise_if_any()

        now = timezone.now()
        changes = _changes(activity, values)
        for name, value in values.items():
            setattr(activity, name, value)
        for evidence in current:
            if evidence.pk in removing:
                evidence.removed_at = now
                evidence.save(update_fields=["removed_at"])
                _record(
                    activity,
                    action=ActivityAction.EVIDENCE_REMOVED,
                    actor=actor,
                    details={"evidence_id": evidence.pk, "file": evidence.original_name},
                )
        for checked in files:
            evidence = _store_file(activity, checked, stored)
            _record(
                activity,
                action=ActivityAction.EVIDENCE_ADDED,
                actor=actor,
                details={"evidence_id": evidence.pk, "file": evidence.original_name},
            )
        _record(
            activity,
            action=ActivityAction.RESUBMITTED,
            actor=actor,
            from_status=ActivityStatus.RETURNED,
            to_status=ActivityStatus.SUBMITTED,
            details={"changes": changes},
        )
        activity.status = ActivityStatus.SUBMITTED
        activity.submitted_at = now
        _start_chain(activity)
        activity.save()
    return activity


@transaction.atomic
def external_activity_withdraw(*, activity_id: int, actor: User) -> ExternalActivity:
    """The learner takes back a claim under review or returned for changes."""
    activity = ExternalActivity.objects.select_for_update().get(pk=activity_id)
    if activity.learner_id != actor.pk:
        raise ExternalActivityNotAllowed(
            ExternalActivityNotAllowed.NOT_YOUR_CLAIM, code="not_your_claim"
        )
    if activity.status not in (ActivityStatus.SUBMITTED, ActivityStatus.RETURNED):
        raise ExternalActivityNotAllowed(
            ExternalActivityNotAllowed.CANNOT_WITHDRAW, code="cannot_withdraw"
        )
    previous = activity.status
    activity.status, activity.current_level = ActivityStatus.WITHDRAWN, ""
    activity.decided_at = timezone.now()
    activity.save(update_fields=["status", "current_level", "decided_at"])
    _record(
        activity,
        action=ActivityAction.WITHDRAWN,
        actor=actor,
        step=activity.current_step,
        from_status=previous,
        to_status=ActivityStatus.WITHDRAWN,
    )
    return activity


def external_activity_decide(
    *, activity_id: int, actor: User, step: int, decision: str, reason: str = ""
) -> ExternalActivity:
    """Approve, return (with a reason) or reject (with a reason) the step the claim
    waits at. `step` is the position the approver decided on: the claim's row is
    locked, so of two approvers deciding the same step only the first succeeds.
    Approval at the last step records the credit."""
    reason = reason.strip()
    if decision not in ActivityDecision.values:
        raise ExternalActivityNotAllowed(
            ExternalActivityNotAllowed.UNKNOWN_DECISION, code="unknown_decision"
        )
    if decision != ActivityDecision.APPROVE and not reason:
        raise ExternalActivityNotAllowed(
            ExternalActivityNotAllowed.REASON_REQUIRED, code="reason_required"
        )
    profile = approver_profile(user=actor)
    with transaction.atomic():
        activity = ExternalActivity.objects.select_for_update().get(pk=activity_id)
        activity.learner = learner = _learner_of(activity)
        if learner.pk == actor.pk:
            raise ExternalActivityNotAllowed(ExternalActivityNotAllowed.OWN_CLAIM, code="own")
        if activity.status != ActivityStatus.SUBMITTED:
            raise ExternalActivityNotAllowed(
                ExternalActivityNotAllowed.NOT_WAITING, code="not_waiting"
            )
        if activity.current_step != step:
            raise ExternalActivityNotAllowed(
                ExternalActivityNotAllowed.STEP_DECIDED, code="step_decided"
            )
        if not may_act_on_level(profile=profile, learner=learner, level=activity.current_level):
            raise ExternalActivityNotAllowed(
                ExternalActivityNotAllowed.NOT_ELIGIBLE, code="not_eligible"
            )
        if decision == ActivityDecision.APPROVE:
            _approve(activity, actor=actor, comment=reason)
        else:
            _return_or_reject(activity, actor=actor, decision=decision, reason=reason)
    return activity


def _approve(activity: ExternalActivity, *, actor: User, comment: str) -> None:
    position, level = activity.current_step, activity.current_level
    if _next_open_step(activity, start=position + 1) is not None:
        approved = _record(
            activity,
            action=ActivityAction.STEP_APPROVED,
            actor=actor,
            step=position,
            level=level,
            from_status=ActivityStatus.SUBMITTED,
            to_status=ActivityStatus.SUBMITTED,
            reason=comment,
        )
        _notify_after_commit(approved)
        _move_to_step(activity, start=position + 1)
        activity.save(update_fields=["current_step", "current_level"])
        return
    _move_to_step(activity, start=position + 1)  # records the steps skipped after this one
    activity.current_step, activity.current_level = position, ""
    activity.status, activity.decided_at = ActivityStatus.APPROVED, timezone.now()
    activity.save(update_fields=["status", "current_step", "current_level", "decided_at"])
    entry = credit_award_for_external_activity(activity_id=activity.pk, approved_by=actor)
    activity.credit_entry = entry
    activity.save(update_fields=["credit_entry"])
    approved = _record(
        activity,
        action=ActivityAction.APPROVED,
        actor=actor,
        step=position,
        level=level,
        from_status=ActivityStatus.SUBMITTED,
        to_status=ActivityStatus.APPROVED,
        reason=comment,
        details={"credit_entry": entry.pk, "credits": str(entry.credits)},
    )
    _notify_after_commit(approved)


def _return_or_reject(
    activity: ExternalActivity, *, actor: User, decision: str, reason: str
) -> None:
    if decision == ActivityDecision.RETURN:
        action, status = ActivityAction.RETURNED, ActivityStatus.RETURNED
    else:
        action, status = ActivityAction.REJECTED, ActivityStatus.REJECTED
        activity.decided_at = timezone.now()
    level = activity.current_level
    activity.status, activity.current_level = status, ""
    activity.save(update_fields=["status", "current_level", "decided_at"])
    event = _record(
        activity,
        action=action,
        actor=actor,
        step=activity.current_step,
        level=level,
        from_status=ActivityStatus.SUBMITTED,
        to_status=status,
        reason=reason,
    )
    _notify_after_commit(event)


# -- Approving several claims at once --------------------------------------------------------

BULK_APPROVE_LIMIT = 100


@dataclass(frozen=True)
class BulkItem:
    """One claim of a batch: approved (`activity` is the claim as saved) or skipped
    (`error` says why, `code` is the error's code)."""

    activity_id: int
    step: int
    activity: ExternalActivity | None = None
    error: str = ""
    code: str = ""

    @property
    def approved(self) -> bool:
        return self.activity is not None


@dataclass(frozen=True)
class BulkResult:
    approved: list[BulkItem]
    skipped: list[BulkItem]


def external_activities_approve_many(
    *, actor: User, items: Sequence[tuple[int, int]], comment: str = ""
) -> BulkResult:
    """Approve several claims, each at the step the approver saw it at.

    `items` holds (claim id, step) pairs. Each claim goes through
    `external_activity_decide` in its own transaction, so each is checked and audited
    exactly like a single decision, and one that fails (decided meanwhile, no longer at
    the approver's step, out of scope, unknown) is skipped without undoing the others.
    A claim listed twice counts once (the first step given).
    """
    batch: dict[int, int] = {}
    for activity_id, step in items:
        batch.setdefault(int(activity_id), int(step))
    if not batch:
        raise BulkApprovalRefused(BulkApprovalRefused.NO_ITEMS, code="no_items")
    if len(batch) > BULK_APPROVE_LIMIT:
        raise BulkApprovalRefused(
            BulkApprovalRefused.TOO_MANY, code="too_many", params={"limit": BULK_APPROVE_LIMIT}
        )
    approved: list[BulkItem] = []
    skipped: list[BulkItem] = []
    for activity_id, step in batch.items():
        try:
            with transaction.atomic():
                activity = external_activity_decide(
                    activity_id=activity_id,
                    actor=actor,
                    step=step,
                    decision=ActivityDecision.APPROVE,
                    reason=comment,
                )
        except ExternalActivity.DoesNotExist:
            # The same answer as a claim out of scope: ids are not to be probed.
            skipped.append(
                BulkItem(
                    activity_id=activity_id,
                    step=step,
                    error=str(ExternalActivityNotAllowed.NOT_ELIGIBLE),
                    code="not_eligible",
                )
            )
        except ValidationError as error:
            skipped.append(
                BulkItem(
                    activity_id=activity_id,
                    step=step,
                    error=" ".join(str(message) for message in error.messages),
                    code=getattr(error, "code", "") or "",
                )
            )
        else:
            approved.append(BulkItem(activity_id=activity_id, step=step, activity=activity))
    return BulkResult(approved=approved, skipped=skipped)
