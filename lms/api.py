"""The HR API's staff endpoints: staff in the key's scope, their yearly compliance and
their credit ledger. Read-only; a person outside the scope is a 404.

The key's scope is its institution's subtree, exactly as for an HR officer assigned
that institution: every read starts from `lms.selectors.hr.staff_in_scope`.
"""

from django.db.models import QuerySet, Value
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from accounts.api_keys import ApiKey
from accounts.models import User
from lms.api_schemas import (
    ComplianceOut,
    ErrorOut,
    Id,
    LedgerEntryOut,
    StaffOut,
    StaffQuery,
    ValidationErrorOut,
    Year,
    YearQuery,
)
from lms.models import CreditEntry
from lms.selectors.compliance import learner_compliance
from lms.selectors.hr import (
    HRViewer,
    StaffFilters,
    departments_in_scope,
    institutions_in_scope,
    staff_in_scope,
    staff_table,
    with_summary,
)

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
NOT_FOUND = "Not found."


class Pagination(LimitOffsetPagination):
    """`limit` (1–200, default 50) and `offset`; the answer holds `items` and `count`."""

    class Input(LimitOffsetPagination.Input):
        limit: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
        offset: int = Field(0, ge=0, le=2**31)

    def __init__(self, **kwargs):
        super().__init__(max_limit=MAX_PAGE_SIZE, **kwargs)


def api_viewer(request: HttpRequest) -> HRViewer:
    """The key's scope as an HR viewer: its institution's subtree, never everyone."""
    key = request.auth  # type: ignore[attr-defined]
    if not isinstance(key, ApiKey):  # the API's auth guarantees a key; never widen
        raise HttpError(401, "Unauthorized")
    return HRViewer(user_id=None, is_superuser=False, scope_paths=(key.institution.path,))


def _year(value: int | None) -> int:
    return value if value is not None else timezone.localdate().year


def _person(viewer: HRViewer, staff_id: int) -> User:
    person = (
        staff_in_scope(viewer=viewer)
        .select_related("institution", "department")
        .filter(pk=staff_id)
        .first()
    )
    if person is None:
        raise HttpError(404, NOT_FOUND)
    return person


router = Router(tags=["staff"])

COMMON = {401: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut}


@router.get(
    "/staff",
    response={200: list[StaffOut], **COMMON},
    summary="Staff in scope",
    operation_id="staff_list",
)
@paginate(Pagination)
def staff_list(request: HttpRequest, filters: Query[StaffQuery]) -> QuerySet[User]:
    """Active staff of the key's institution subtree with their compliance summary of
    `year`, by name. An institution or department outside the scope matches nobody."""
    viewer = api_viewer(request)
    institution = department = None
    if filters.institution is not None:
        institution = institutions_in_scope(viewer=viewer).filter(pk=filters.institution).first()
        if institution is None:  # unknown or outside the scope: nobody matches
            return User.objects.none()
    if filters.department is not None:
        department = departments_in_scope(viewer=viewer).filter(pk=filters.department).first()
        if department is None:
            return User.objects.none()
    year = _year(filters.year)
    rows = staff_table(
        viewer=viewer,
        year=year,
        filters=StaffFilters(
            search=filters.search.strip(),
            institution=institution,
            department=department,
            profession=filters.profession or "",
            title_level=filters.title_level or "",
            status=filters.status or "",
            sort="name",
        ),
    )
    return rows.annotate(s_year=Value(year))


@router.get(
    "/staff/{staff_id}",
    response={200: StaffOut, 404: ErrorOut, **COMMON},
    summary="One person",
    operation_id="staff_detail",
)
def staff_detail(request: HttpRequest, staff_id: Path[Id], query: Query[YearQuery]):
    """One person of the scope with their compliance summary of `year`."""
    viewer = api_viewer(request)
    year = _year(query.year)
    person = (
        with_summary(staff_in_scope(viewer=viewer), year=year)
        .annotate(s_year=Value(year))
        .select_related("institution", "department")
        .filter(pk=staff_id)
        .first()
    )
    if person is None:
        raise HttpError(404, NOT_FOUND)
    return person


@router.get(
    "/staff/{staff_id}/compliance/{year}",
    response={200: ComplianceOut, 404: ErrorOut, **COMMON},
    summary="Compliance in a year",
    operation_id="staff_compliance",
)
def staff_compliance(request: HttpRequest, staff_id: Path[Id], year: Path[Year]):
    """How the person stands against the requirements of `year`, computed now from
    the ledger (the staff list shows the last nightly summary)."""
    person = _person(api_viewer(request), staff_id)
    report = learner_compliance(learner=person, year=year, today=timezone.localdate())
    return {
        "staff_id": person.pk,
        "year": report.year,
        "status": report.status,
        "status_label": report.status_label,
        "rule_set": (
            {"name": report.rule_set.name, "version": report.rule_set.version}
            if report.rule_set
            else None
        ),
        "credits_by_class": report.credits_by_class,
        "hours_by_subject": report.hours_by_subject,
        "checks": [
            {
                "code": check.code,
                "label": str(check.label),
                "unit": check.unit,
                "required": check.required,
                "earned": check.earned,
                "maximum": check.maximum,
                "substituted": check.substituted,
                "first_year": check.first_year,
                "met": check.met,
                "gap": str(check.gap),
            }
            for check in report.checks
        ],
        "gaps": [str(gap) for gap in report.gaps],
    }


@router.get(
    "/staff/{staff_id}/ledger",
    response={200: list[LedgerEntryOut], 404: ErrorOut, **COMMON},
    summary="Credit ledger",
    operation_id="staff_ledger",
)
@paginate(Pagination)
def staff_ledger(request: HttpRequest, staff_id: Path[Id], query: Query[YearQuery]):
    """The person's credit entries, oldest first; all years unless `year` is given.
    Entries are never changed: a correction is a new entry that `reverses` another."""
    person = _person(api_viewer(request), staff_id)
    entries = CreditEntry.objects.filter(learner=person)
    if query.year is not None:
        entries = entries.filter(year=query.year)
    return entries.order_by("year", "created_at", "pk")
