"""Reads of external activities: which chain applies, who may decide which step,
approval queues, claims and their audit trails.

Who may act on a step:
- department head: the head of the learner's department (`Department.head`);
- the institution's office: a holder of `lms.approve_external_activities` whose HR
  scope covers the learner's institution and who does not work at a health
  commission, or a superuser;
- health commission: a holder of that permission whose HR scope covers the learner
  and who works at a health commission.
Never the claimant.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.choices import InstitutionKind
from accounts.models import Institution, User
from accounts.permission_cache import CachedPermissionsBackend
from accounts.selectors import hr_scope_paths, paths_cover
from courses.choices import CreditClass
from lms.errors import ApprovalChainRejected
from lms.models import (
    ActivityAction,
    ActivityStatus,
    ApprovalChain,
    ApprovalLevel,
    CreditEntry,
    EvidenceFile,
    ExternalActivity,
    ExternalActivityEvent,
    SkipReason,
)
from lms.selectors.compliance import requirement_rule_set_for

APPROVE_PERMISSION = "lms.approve_external_activities"
STAFF_RECORDS_PERMISSION = "accounts.view_staff_records"
_MODEL_BACKEND = f"{CachedPermissionsBackend.__module__}.{CachedPermissionsBackend.__qualname__}"

# Where no requirement rule set applies: the long-standing national figures.
DEFAULT_HOURS_PER_CREDIT = {
    CreditClass.CLASS_1_NATIONAL: Decimal(3),
    CreditClass.CLASS_1_PROVINCIAL: Decimal(6),
    CreditClass.CLASS_2: Decimal(3),
}
DEFAULT_PROJECT_CREDIT_CAP = Decimal(25)


# -- Which chain applies ---------------------------------------------------------------


@dataclass(frozen=True)
class ResolvedChain:
    levels: tuple[str, ...]
    chain: ApprovalChain | None  # None: the default, the institution's office alone


def ancestor_paths(path: str) -> list[str]:
    """The tree paths of a node and of every node above it (materialised path)."""
    step = Institution.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


def approval_chain_errors(levels: Iterable[str]) -> list[str]:
    """What is wrong with a chain's list of levels (empty when it is coherent)."""
    levels = list(levels)
    errors = []
    if not levels:
        errors.append(ApprovalChainRejected.NO_STEPS)
    if len(set(levels)) != len(levels):
        errors.append(ApprovalChainRejected.DUPLICATE_LEVEL)
    if any(level not in ApprovalLevel.values for level in levels):
        errors.append(ApprovalChainRejected.UNKNOWN_LEVEL)
    return errors


def approval_chain_for(*, institution: Institution) -> ResolvedChain:
    """The chain of the institution or of the nearest institution above it that has one.

    A chain is always decided by someone above the department: one made only of a
    department-head step gets the institution's office added at its end. With no
    chain at all, the institution's office decides alone.
    """
    chain = (
        ApprovalChain.objects.filter(institution__path__in=ancestor_paths(institution.path))
        .select_related("institution")
        .order_by("-institution__depth")
        .first()
    )
    levels = [step.level for step in chain.steps.order_by("sort_order", "pk")] if chain else []
    if not any(level != ApprovalLevel.DEPARTMENT_HEAD for level in levels):
        levels.append(ApprovalLevel.INSTITUTION_OFFICE)
    return ResolvedChain(levels=tuple(levels), chain=chain)


# -- How an activity counts --------------------------------------------------------------


@dataclass(frozen=True)
class CountingRules:
    hours_per_credit: dict[str, Decimal]
    project_credit_cap: Decimal


def activity_counting_rules(*, learner: User, year: int) -> CountingRules:
    """Hours per credit of each class and the per-activity cap, from the rule set that
    judges the learner's year (the national defaults where none applies)."""
    rule_set = requirement_rule_set_for(learner=learner, year=year)
    if rule_set is None:
        return CountingRules(
            hours_per_credit=dict(DEFAULT_HOURS_PER_CREDIT),
            project_credit_cap=DEFAULT_PROJECT_CREDIT_CAP,
        )
    return CountingRules(
        hours_per_credit={
            CreditClass.CLASS_1_NATIONAL: rule_set.national_hours_per_credit,
            CreditClass.CLASS_1_PROVINCIAL: rule_set.provincial_hours_per_credit,
            CreditClass.CLASS_2: rule_set.class_2_hours_per_credit,
        },
        project_credit_cap=rule_set.project_credit_cap,
    )


# -- Who may act -------------------------------------------------------------------------


@dataclass(frozen=True)
class ApproverProfile:
    """What decides a user's rights over claims, read once per request."""

    user_id: int | None
    is_superuser: bool = False
    may_approve: bool = False
    at_health_commission: bool = False
    scope_paths: tuple[str, ...] = field(default_factory=tuple)
    may_view_staff_records: bool = False

    def covers(self, institution: Institution | None) -> bool:
        return paths_cover(self.scope_paths, institution)


def approver_profile(*, user: User) -> ApproverProfile:
    if not user.is_authenticated or not user.is_active:
        return ApproverProfile(user_id=None)
    may_approve = user.has_perm(APPROVE_PERMISSION)
    may_view_staff_records = user.has_perm(STAFF_RECORDS_PERMISSION)
    scope_paths: tuple[str, ...] = ()
    if may_approve or may_view_staff_records:
        scope_paths = hr_scope_paths(user=user)
    at_health_commission = bool(
        user.institution_id
        and Institution.objects.filter(
            pk=user.institution_id, kind=InstitutionKind.HEALTH_COMMISSION
        ).exists()
    )
    return ApproverProfile(
        user_id=user.pk,
        is_superuser=user.is_superuser,
        may_approve=may_approve,
        at_health_commission=at_health_commission,
        scope_paths=scope_paths,
        may_view_staff_records=may_view_staff_records,
    )


def may_review_activities(*, user: User, profile: ApproverProfile) -> bool:
    """Whether the user has an approval queue at all: an approver, a superuser or the
    head of a department."""
    return profile.may_approve or profile.is_superuser or user.headed_departments.exists()


def may_act_on_level(*, profile: ApproverProfile, learner: User, level: str) -> bool:
    """Whether the user may decide a step of `level` on a claim of `learner`.

    Pure given the profile and the learner with department and institution loaded.
    """
    if profile.user_id is None or profile.user_id == learner.pk:
        return False  # never the claimant
    if level == ApprovalLevel.DEPARTMENT_HEAD:
        return learner.department_id is not None and learner.department.head_id == profile.user_id
    covers = profile.covers(learner.institution if learner.institution_id else None)
    if level == ApprovalLevel.INSTITUTION_OFFICE:
        return profile.is_superuser or (
            profile.may_approve and covers and not profile.at_health_commission
        )
    if level == ApprovalLevel.HEALTH_COMMISSION:
        return profile.may_approve and covers and profile.at_health_commission
    return False


def may_decide(*, profile: ApproverProfile, activity: ExternalActivity) -> bool:
    """Whether the user may decide the step the claim now waits at."""
    return activity.status == ActivityStatus.SUBMITTED and may_act_on_level(
        profile=profile, learner=activity.learner, level=activity.current_level
    )


def may_view_activity(*, profile: ApproverProfile, activity: ExternalActivity) -> bool:
    """The learner, anyone who may act on any step of the claim's chain, superusers."""
    if profile.user_id is None:
        return False
    if profile.user_id == activity.learner_id or profile.is_superuser:
        return True
    return any(
        may_act_on_level(profile=profile, learner=activity.learner, level=level)
        for level in set(activity.chain_levels)
    )


def skip_reason(*, learner: User, level: str) -> dict | None:
    """Why a step is skipped for this learner (a note's code and its values, see
    `ExternalActivityEvent.note`), or None when someone can decide it."""
    if level != ApprovalLevel.DEPARTMENT_HEAD:
        return None
    department = learner.department if learner.department_id else None
    if department is None:
        return {"skip": SkipReason.NO_DEPARTMENT}
    if department.head_id is None:
        return {"skip": SkipReason.NO_HEAD, "department": department.name}
    if department.head_id == learner.pk:
        return {"skip": SkipReason.LEARNER_IS_HEAD, "department": department.name}
    return None


def eligible_approvers(*, activity: ExternalActivity, level: str) -> list[User]:
    """Everyone who may decide a step of `level` on the claim (to tell them by e-mail).

    Superusers may decide office steps but are not written to: they are not the office.
    """
    learner = activity.learner
    if level == ApprovalLevel.DEPARTMENT_HEAD:
        head = learner.department.head if learner.department_id else None
        return [head] if head and head.pk != learner.pk and head.is_active else []
    if not learner.institution_id or level not in ApprovalLevel.values:
        return []
    holders = (
        User.objects.with_perm(APPROVE_PERMISSION, include_superusers=False, backend=_MODEL_BACKEND)
        .filter(hr_scopes__institution__path__in=ancestor_paths(learner.institution.path))
        .exclude(pk=learner.pk)
    )
    if level == ApprovalLevel.HEALTH_COMMISSION:
        holders = holders.filter(institution__kind=InstitutionKind.HEALTH_COMMISSION)
    else:
        holders = holders.exclude(institution__kind=InstitutionKind.HEALTH_COMMISSION)
    return list(holders.distinct().order_by("pk"))


# -- Lists and pages ---------------------------------------------------------------------


def _with_learner(queryset: QuerySet[ExternalActivity]) -> QuerySet[ExternalActivity]:
    return queryset.select_related("learner__institution", "learner__department")


def learner_activities(*, learner: User) -> QuerySet[ExternalActivity]:
    """The learner's claims, newest first, with their number of current evidence files."""
    return ExternalActivity.objects.filter(learner=learner).annotate(
        evidence_count=Count("evidence", filter=Q(evidence__removed_at__isnull=True))
    )


def approval_queue(*, profile: ApproverProfile) -> QuerySet[ExternalActivity]:
    """Claims waiting at a step the user may decide, oldest first; one query whatever
    the number of claims, and only the staff of the user's own scope."""
    if profile.user_id is None:
        return ExternalActivity.objects.none()
    waiting = Q(
        current_level=ApprovalLevel.DEPARTMENT_HEAD, learner__department__head_id=profile.user_id
    )
    in_scope = Q(pk__in=[])
    for path in profile.scope_paths:
        in_scope |= Q(learner__institution__path__startswith=path)
    if profile.is_superuser:
        waiting |= Q(current_level=ApprovalLevel.INSTITUTION_OFFICE)
    elif profile.may_approve and not profile.at_health_commission and profile.scope_paths:
        waiting |= Q(current_level=ApprovalLevel.INSTITUTION_OFFICE) & in_scope
    if profile.may_approve and profile.at_health_commission and profile.scope_paths:
        waiting |= Q(current_level=ApprovalLevel.HEALTH_COMMISSION) & in_scope
    return (
        _with_learner(ExternalActivity.objects.filter(status=ActivityStatus.SUBMITTED))
        .filter(waiting)
        .exclude(learner_id=profile.user_id)
        .order_by("submitted_at", "pk")
    )


def activity_of_learner(*, learner: User, activity_id: int) -> ExternalActivity | None:
    return _with_learner(ExternalActivity.objects.filter(learner=learner, pk=activity_id)).first()


def activity_for_viewer(*, profile: ApproverProfile, activity_id: int) -> ExternalActivity | None:
    """The claim if the user may see it (see `may_view_activity`), else None."""
    activity = _with_learner(ExternalActivity.objects.filter(pk=activity_id)).first()
    if activity is None or not may_view_activity(profile=profile, activity=activity):
        return None
    return activity


@dataclass(frozen=True)
class ActivityRecord:
    activity: ExternalActivity
    evidence: list[EvidenceFile]
    removed_evidence: list[EvidenceFile]
    events: list[ExternalActivityEvent]

    @property
    def steps(self) -> list[dict]:
        """The claim's steps in its current round (since it was last submitted), each
        with its state: approved, skipped, waiting, returned, rejected or to come."""
        labels = dict(ApprovalLevel.choices)
        round_start = max(
            (
                n
                for n, e in enumerate(self.events)
                if e.action in (ActivityAction.SUBMITTED, ActivityAction.RESUBMITTED)
            ),
            default=0,
        )
        outcome = {
            ActivityAction.STEP_SKIPPED: "skipped",
            ActivityAction.STEP_APPROVED: "approved",
            ActivityAction.APPROVED: "approved",
            ActivityAction.RETURNED: "returned",
            ActivityAction.REJECTED: "rejected",
            ActivityAction.AWAITING: "waiting",
        }
        states: dict[int, tuple[str, ExternalActivityEvent]] = {}
        for event in self.events[round_start:]:
            if event.step is not None and event.action in outcome:
                states[event.step] = (outcome[event.action], event)
        rows = []
        for position, level in enumerate(self.activity.chain_levels):
            state, event = states.get(position, ("later", None))
            if state == "waiting" and not self.activity.is_waiting:
                state = "later"  # withdrawn while waiting here
            rows.append(
                {
                    "number": position + 1,
                    "label": labels.get(level, level),
                    "state": state,
                    "event": event,
                }
            )
        return rows

    @property
    def latest_decision(self) -> ExternalActivityEvent | None:
        """The last approval, return or rejection: what the learner most needs to read."""
        decisive = {ActivityAction.APPROVED, ActivityAction.RETURNED, ActivityAction.REJECTED}
        return next((e for e in reversed(self.events) if e.action in decisive), None)


def activity_record(*, activity: ExternalActivity) -> ActivityRecord:
    """A claim with its evidence and its audit timeline (two queries)."""
    files = list(EvidenceFile.objects.filter(activity=activity))
    events = list(ExternalActivityEvent.objects.filter(activity=activity).select_related("actor"))
    return ActivityRecord(
        activity=activity,
        evidence=[f for f in files if f.removed_at is None],
        removed_evidence=[f for f in files if f.removed_at is not None],
        events=events,
    )


def evidence_for_viewer(
    *, profile: ApproverProfile, activity_id: int, evidence_id: int
) -> EvidenceFile | None:
    """An evidence file if the user may see its claim, else None (so: a 404)."""
    activity = activity_for_viewer(profile=profile, activity_id=activity_id)
    if activity is None:
        return None
    return EvidenceFile.objects.filter(activity=activity, pk=evidence_id).first()


# -- The administrators' audit trail of one learner ---------------------------------------


@dataclass(frozen=True)
class LearnerAudit:
    learner: User
    entries: list[CreditEntry]
    reversed_ids: frozenset[int]
    events: list[ExternalActivityEvent]


def may_view_audit(*, profile: ApproverProfile, learner: User) -> bool:
    if profile.user_id is None:
        return False
    if profile.is_superuser:
        return True
    return profile.may_view_staff_records and profile.covers(
        learner.institution if learner.institution_id else None
    )


def learner_audit(*, profile: ApproverProfile, learner_id: int) -> LearnerAudit | None:
    """Every ledger entry of a learner and every event of their claims, for an
    administrator whose scope covers the learner; None for anyone else."""
    learner = User.objects.select_related("institution", "department").filter(pk=learner_id)
    learner = learner.first()
    if learner is None or not may_view_audit(profile=profile, learner=learner):
        return None
    entries = list(
        CreditEntry.objects.filter(learner=learner)
        .select_related("awarded_by")
        .order_by("year", "created_at", "pk")
    )
    events = list(
        ExternalActivityEvent.objects.filter(activity__learner=learner)
        .select_related("actor", "activity")
        .order_by("created_at", "pk")
    )
    return LearnerAudit(
        learner=learner,
        entries=entries,
        reversed_ids=frozenset(e.reverses_id for e in entries if e.reverses_id),
        events=events,
    )


def claims_for_bulk_approval(
    *, profile: ApproverProfile, items: list[tuple[int, int]]
) -> list[ExternalActivity]:
    """The selected claims that still wait at the step the approver saw, at a step they
    may decide, with their current evidence (three queries whatever their number)."""
    steps = dict(items)
    current = Prefetch(
        "evidence",
        queryset=EvidenceFile.objects.filter(removed_at__isnull=True),
        to_attr="current_evidence",
    )
    claims = approval_queue(profile=profile).filter(pk__in=steps).prefetch_related(current)
    return [claim for claim in claims if claim.current_step == steps[claim.pk]]


def claims_visible_to(*, profile: ApproverProfile, ids) -> dict[int, ExternalActivity]:
    """Of these claims, those the user may see (to name the ones skipped), by id."""
    rows = ExternalActivity.objects.filter(pk__in=ids).select_related(
        "learner__institution", "learner__department"
    )
    return {row.pk: row for row in rows if may_view_activity(profile=profile, activity=row)}
