"""Reads of the HR and CME-office pages: staff in scope, their compliance summaries,
the year's dashboard and the assigned courses nobody finished in time.

Scope: a holder of `accounts.view_staff_records` sees the active staff of the
institution subtrees of their HR scopes (a county health commission's scope is the
county); superusers see everyone. Every query here starts from `staff_in_scope`, so
nothing outside the scope is reachable by filters, sorting or a guessed id.
"""

import calendar
import datetime
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    F,
    FilteredRelation,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.query import ModelIterable
from django.utils.translation import gettext_lazy as _

from accounts.choices import Profession, TitleLevel
from accounts.models import Department, Institution, User
from accounts.selectors import hr_scope_paths, paths_cover
from lms.compliance import ComplianceStatus
from lms.models import CreditEntry, Enrollment, EnrollmentSource, EnrollmentStatus

STAFF_RECORDS_PERMISSION = "accounts.view_staff_records"

# Staff with no summary row yet (no refresh has reached them): shown, counted apart.
PENDING = "pending"
PENDING_LABEL = _("Not yet computed")
# Best first: the order of the dashboard's columns and chart segments.
STATUS_ORDER = [
    ComplianceStatus.COMPLIANT,
    ComplianceStatus.ON_TRACK,
    ComplianceStatus.AT_RISK,
    ComplianceStatus.NOT_COMPLIANT,
    ComplianceStatus.NO_RULES,
    PENDING,
]


def status_label(status: str | None) -> str:
    if not status or status == PENDING:
        return str(PENDING_LABEL)
    return str(ComplianceStatus(status).label)


@dataclass(frozen=True)
class HRViewer:
    """Who is looking and which part of the tree they may see, read once per request."""

    user_id: int | None  # None: an API key (lms.api), not a person
    is_superuser: bool
    scope_paths: tuple[str, ...] = ()

    def covers(self, institution: Institution | None) -> bool:
        if self.is_superuser:
            return True
        return paths_cover(self.scope_paths, institution)


def hr_viewer(*, user: User) -> HRViewer | None:
    """The viewer's scope, or None for anyone who may not see staff records."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return HRViewer(user_id=user.pk, is_superuser=True)
    if not user.has_perm(STAFF_RECORDS_PERMISSION):
        return None
    paths = hr_scope_paths(user=user)
    return HRViewer(user_id=user.pk, is_superuser=False, scope_paths=paths)


def _path_condition(paths, prefix: str = "") -> Q:
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{prefix}path__startswith": path})
    return condition


def institutions_in_scope(*, viewer: HRViewer) -> QuerySet[Institution]:
    if viewer.is_superuser:
        return Institution.objects.all()
    return Institution.objects.filter(_path_condition(viewer.scope_paths))


def departments_in_scope(*, viewer: HRViewer) -> QuerySet[Department]:
    if viewer.is_superuser:
        return Department.objects.all()
    return Department.objects.filter(_path_condition(viewer.scope_paths, "institution__"))


def _in_scope(staff: QuerySet[User], *, viewer: HRViewer) -> QuerySet[User]:
    staff = staff.filter(is_active=True)
    if viewer.is_superuser:
        return staff
    return staff.filter(_path_condition(viewer.scope_paths, "institution__"))


def staff_in_scope(*, viewer: HRViewer) -> QuerySet[User]:
    """The active staff the viewer may see (superusers: every active user)."""
    return _in_scope(User.objects.all(), viewer=viewer)


def with_summary(staff: QuerySet[User], *, year: int) -> QuerySet[User]:
    """Left-join each person's summary of `year` (staff without one keep NULLs) and
    expose its columns as annotations (`s_status`, `s_credits_total`, ...)."""
    staff = staff.annotate(
        s=FilteredRelation("compliance_summaries", condition=Q(compliance_summaries__year=year))
    )
    return staff.annotate(
        s_status=Coalesce(F("s__status"), Value(PENDING)),
        s_credits_class_1_national=F("s__credits_class_1_national"),
        s_credits_class_1_provincial=F("s__credits_class_1_provincial"),
        s_credits_class_2=F("s__credits_class_2"),
        s_credits_total=F("s__credits_total"),
        s_hours_professional=F("s__hours_professional"),
        s_hours_public_compulsory=F("s__hours_public_compulsory"),
        s_hours_total=F("s__hours_total"),
        s_gaps=F("s__gaps"),
        s_computed_at=F("s__computed_at"),
    )


# -- The staff table -----------------------------------------------------------------------

SORTS = {
    "name": ("real_name", "pk"),
    "-name": ("-real_name", "-pk"),
    "credits": (F("s_credits_total").asc(nulls_first=True), "real_name", "pk"),
    "-credits": (F("s_credits_total").desc(nulls_last=True), "real_name", "pk"),
    "hours": (F("s_hours_total").asc(nulls_first=True), "real_name", "pk"),
    "-hours": (F("s_hours_total").desc(nulls_last=True), "real_name", "pk"),
    "status": ("status_rank", "real_name", "pk"),
    "-status": ("-status_rank", "real_name", "pk"),
}
SORT_LABELS = {
    "name": _("Name"),
    "credits": _("Credits"),
    "hours": _("Study hours"),
    "status": _("Status"),
}


@dataclass(frozen=True)
class StaffFilters:
    search: str = ""
    institution: Institution | None = None
    department: Department | None = None
    profession: str = ""
    title_level: str = ""
    status: str = ""
    sort: str = "name"


def _status_rank():
    # Worst first when ascending: not yet computed, no rules, not compliant, ... compliant.
    order = list(reversed(STATUS_ORDER))
    return Case(
        *[When(s_status=status, then=Value(rank)) for rank, status in enumerate(order)],
        default=Value(0),
        output_field=IntegerField(),
    )


class StaffTable(QuerySet):
    """The staff table's rows. A page (a slice: the page's and the API's paginators)
    is still one query, but its sort carries only the sort keys and ids; the page's
    full rows (summary, gaps, institution, department) are read for its ids alone.
    Sorting the full rows instead made PostgreSQL carry every column of every person
    in scope through the sort, spilling to disk on deep pages. Anything else (counts,
    values, `iterator()` of the exports) is an ordinary queryset."""

    def __getitem__(self, k):
        if (
            isinstance(k, slice)
            and k.stop is not None
            and k.step is None
            and self._result_cache is None
            and self._iterable_class is ModelIterable
            and not self.query.is_sliced
        ):
            # Same filters and order inside and out, and the order ends with the
            # primary key: the ids are exactly the page's, in the page's order.
            return self.filter(pk__in=self.values("pk")[k])
        return super().__getitem__(k)


def staff_table(*, viewer: HRViewer, year: int, filters: StaffFilters) -> QuerySet[User]:
    """The staff table's rows, filtered and sorted in SQL: paginate it (a count and a
    page query, whatever the number of staff)."""
    staff = with_summary(_in_scope(StaffTable(model=User), viewer=viewer), year=year)
    if filters.search:
        staff = staff.filter(
            Q(real_name__icontains=filters.search) | Q(email__icontains=filters.search)
        )
    if filters.institution is not None:
        staff = staff.filter(institution__path__startswith=filters.institution.path)
    if filters.department is not None:
        staff = staff.filter(department=filters.department)
    if filters.profession:
        staff = staff.filter(profession=filters.profession)
    if filters.title_level:
        staff = staff.filter(title_level=filters.title_level)
    if filters.status:
        staff = staff.filter(s_status=filters.status)
    sort = filters.sort if filters.sort in SORTS else "name"
    if "status" in sort:
        staff = staff.annotate(status_rank=_status_rank())
    return staff.select_related("institution", "department").order_by(*SORTS[sort])


def staff_member(*, viewer: HRViewer, user_id: int) -> User | None:
    """One person if the viewer's scope covers them, else None (so: a 404)."""
    return (
        staff_in_scope(viewer=viewer)
        .select_related("institution", "department")
        .filter(pk=user_id)
        .first()
    )


@dataclass(frozen=True)
class StaffRecord:
    person: User
    entries: list[CreditEntry]
    enrollments: list[Enrollment]


def staff_record(*, person: User, year: int) -> StaffRecord:
    """A person's ledger entries of the year and their enrolments (two queries)."""
    entries = list(CreditEntry.objects.filter(learner=person, year=year).order_by("created_at"))
    enrollments = list(
        Enrollment.objects.filter(learner=person)
        .select_related("course")
        .order_by(F("due_date").asc(nulls_last=True), "-enrolled_at")
    )
    return StaffRecord(person=person, entries=entries, enrollments=enrollments)


# -- The dashboard -------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    status: str
    label: str
    count: int
    percent: float  # of the row's total
    offset: float  # where the segment starts, in percent


@dataclass(frozen=True)
class BreakdownRow:
    label: str
    total: int
    segments: list[Segment]

    @property
    def compliant_percent(self) -> int:
        return round(self.segments[0].percent) if self.segments else 0


@dataclass(frozen=True)
class Breakdown:
    key: str
    title: str
    rows: list[BreakdownRow]


@dataclass(frozen=True)
class TrendPoint:
    month: int
    month_end: datetime.date
    compliant: int
    percent: float

    # Geometry of the trend chart's bar (a 120 × 60 viewBox, 50 units for 100 %).
    @property
    def bar_x(self) -> int:
        return (self.month - 1) * 10 + 1

    @property
    def bar_height(self) -> float:
        return round(self.percent / 2, 2)

    @property
    def bar_y(self) -> float:
        return round(50 - self.percent / 2, 2)

    @property
    def label_x(self) -> int:
        return (self.month - 1) * 10 + 5


@dataclass(frozen=True)
class HRDashboard:
    year: int
    total: int
    overall: BreakdownRow
    breakdowns: list[Breakdown] = field(default_factory=list)
    trend: list[TrendPoint] = field(default_factory=list)
    statuses: list[tuple[str, str]] = field(default_factory=list)


def _row(label: str, counts: dict[str, int]) -> BreakdownRow:
    total = sum(counts.values())
    segments, offset = [], 0.0
    for status in STATUS_ORDER:
        count = counts.get(status, 0)
        percent = 100.0 * count / total if total else 0.0
        segments.append(
            Segment(
                status=status,
                label=status_label(status),
                count=count,
                percent=round(percent, 2),
                offset=round(offset, 2),
            )
        )
        offset += percent
    return BreakdownRow(label=label, total=total, segments=segments)


def _grouped(staff: QuerySet[User], keys: list[str]) -> list[dict]:
    return list(staff.values(*keys, "s_status").annotate(n=Count("pk")).order_by())


def _breakdown(key: str, title, rows: list[dict], label_of) -> Breakdown:
    counts: dict[tuple, dict[str, int]] = {}
    labels: dict[tuple, str] = {}
    for row in rows:
        group = label_of(row)
        counts.setdefault(group[0], {})
        counts[group[0]][row["s_status"]] = counts[group[0]].get(row["s_status"], 0) + row["n"]
        labels[group[0]] = group[1]
    ordered = sorted(counts, key=lambda k: labels[k])
    return Breakdown(key=key, title=str(title), rows=[_row(labels[k], counts[k]) for k in ordered])


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def hr_dashboard(*, viewer: HRViewer, year: int, today: datetime.date) -> HRDashboard:
    """Status counts of the staff in scope, by institution, department, profession and
    title level, and the share compliant at the end of each month so far (six queries,
    whatever the number of staff)."""
    staff = with_summary(staff_in_scope(viewer=viewer), year=year)
    not_set = str(_("Not set"))
    professions = dict(Profession.choices)
    titles = dict(TitleLevel.choices)
    by_institution = _grouped(staff, ["institution_id", "institution__name"])
    overall_counts: dict[str, int] = {}
    for row in by_institution:
        overall_counts[row["s_status"]] = overall_counts.get(row["s_status"], 0) + row["n"]
    breakdowns = [
        _breakdown(
            "institution",
            _("By institution"),
            by_institution,
            lambda r: (r["institution_id"], r["institution__name"] or not_set),
        ),
        _breakdown(
            "department",
            _("By department"),
            _grouped(staff, ["department_id", "department__name", "institution__name"]),
            lambda r: (
                r["department_id"],
                f"{r['institution__name']} · {r['department__name']}"
                if r["department_id"]
                else not_set,
            ),
        ),
        _breakdown(
            "profession",
            _("By profession"),
            _grouped(staff, ["profession"]),
            lambda r: (r["profession"], str(professions.get(r["profession"], not_set))),
        ),
        _breakdown(
            "title_level",
            _("By title level"),
            _grouped(staff, ["title_level"]),
            lambda r: (r["title_level"], str(titles.get(r["title_level"], not_set))),
        ),
    ]
    overall = _row(str(_("All staff")), overall_counts)
    if today.year > year:
        last_month = 12
    elif today.year == year:
        last_month = today.month
    else:
        last_month = 0
    trend: list[TrendPoint] = []
    if last_month:
        ends = {m: _month_end(year, m) for m in range(1, last_month + 1)}
        sums = staff.aggregate(
            **{
                f"m{m}": Count("pk", filter=Q(s__compliant_since__lte=end))
                for m, end in ends.items()
            }
        )
        for month, end in ends.items():
            compliant = sums[f"m{month}"]
            percent = 100.0 * compliant / overall.total if overall.total else 0.0
            trend.append(
                TrendPoint(
                    month=month, month_end=end, compliant=compliant, percent=round(percent, 1)
                )
            )
    return HRDashboard(
        year=year,
        total=overall.total,
        overall=overall,
        breakdowns=breakdowns,
        trend=trend,
        statuses=[(status, status_label(status)) for status in STATUS_ORDER],
    )


# -- Assigned courses not finished by their due date ---------------------------------------


@dataclass(frozen=True)
class AssignmentRow:
    course_id: int
    course_title: str
    due_date: datetime.date | None
    assigned: int
    completed: int
    overdue: int


def assignments_in_scope(*, viewer: HRViewer) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(
        source=EnrollmentSource.ASSIGNED,
        learner__in=staff_in_scope(viewer=viewer),
    )


def assignment_overview(*, viewer: HRViewer, today: datetime.date) -> list[AssignmentRow]:
    """Per assigned course and due date: how many were assigned, finished, overdue
    (one query)."""
    overdue = Q(due_date__lt=today) & ~Q(status=EnrollmentStatus.COMPLETED)
    rows = (
        assignments_in_scope(viewer=viewer)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .values("course_id", "course__title", "due_date")
        .annotate(
            assigned=Count("pk"),
            completed=Count("pk", filter=Q(status=EnrollmentStatus.COMPLETED)),
            overdue=Count("pk", filter=overdue),
        )
        .order_by(F("due_date").asc(nulls_last=True), "course__title")
    )
    return [
        AssignmentRow(
            course_id=row["course_id"],
            course_title=row["course__title"],
            due_date=row["due_date"],
            assigned=row["assigned"],
            completed=row["completed"],
            overdue=row["overdue"],
        )
        for row in rows
    ]


def overdue_assignments(*, viewer: HRViewer, today: datetime.date) -> QuerySet[Enrollment]:
    """Assigned enrolments past their due date and not completed, oldest due first."""
    return (
        assignments_in_scope(viewer=viewer)
        .filter(due_date__lt=today, status=EnrollmentStatus.ACTIVE)
        .select_related("learner__institution", "learner__department", "course")
        .order_by("due_date", "course__title", "learner__real_name", "pk")
    )
