"""HR and CME-office pages: the year's dashboard, the staff table, one person's
record and the assigned courses not finished in time. Every page is limited to the
viewer's HR scope (superusers: everyone); a person outside it is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from lms.hr_forms import FIRST_YEAR, LAST_YEAR, StaffFilterForm
from lms.selectors.compliance import learner_compliance
from lms.selectors.hr import (
    SORT_LABELS,
    HRViewer,
    StaffFilters,
    assignment_overview,
    hr_dashboard,
    hr_viewer,
    overdue_assignments,
    staff_member,
    staff_record,
    staff_table,
    status_label,
)

STAFF_PAGE_SIZE = 25
OVERDUE_PAGE_SIZE = 50


def hr_viewer_or_403(request) -> HRViewer:
    """The signed-in officer's scope; anyone who may not see staff records gets 403
    (every HR page, export and import starts here)."""
    viewer = hr_viewer(user=request.user)
    if viewer is None:
        raise PermissionDenied
    return viewer


def _year(value, default: int) -> int:
    try:
        year = int(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    return year


@login_required
@require_GET
def dashboard(request, year: int | None = None):
    viewer = hr_viewer_or_403(request)
    today = timezone.localdate()
    year = _year(year, today.year)
    data = hr_dashboard(viewer=viewer, year=year, today=today)
    return render(
        request,
        "lms/hr/dashboard.html",
        {
            "dashboard": data,
            "years": range(today.year, today.year - 3, -1),
            "max_trend": 100,
        },
    )


@login_required
@require_GET
def staff(request):
    viewer = hr_viewer_or_403(request)
    today = timezone.localdate()
    form = StaffFilterForm(request.GET or None, viewer=viewer)
    filters = form.filters() if form.is_bound else StaffFilters()
    if form.outside_scope:
        messages.warning(request, StaffFilterForm.OUTSIDE_SCOPE)
    year = (form.cleaned_data.get("year") if form.is_bound else None) or today.year
    rows = staff_table(viewer=viewer, year=year, filters=filters)
    page = Paginator(rows, STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    for person in page.object_list:
        person.status_label = status_label(person.s_status)
        gaps = person.s_gaps or {}
        person.gap_list = gaps.get(request.LANGUAGE_CODE) or next(iter(gaps.values()), [])
    query = request.GET.copy()
    query.pop("page", None)
    unsorted = query.copy()
    unsorted.pop("sort", None)
    # Each sortable column links to its ascending order, or to the descending one when
    # it is already sorted ascending.
    sort_links = {key: f"-{key}" if filters.sort == key else key for key in SORT_LABELS}
    return render(
        request,
        "lms/hr/staff.html",
        {
            "form": form,
            "page": page,
            "year": year,
            "query": query.urlencode(),
            "unsorted": unsorted.urlencode(),
            "sort": filters.sort,
            "sort_links": sort_links,
        },
    )


@login_required
@require_GET
def staff_detail(request, user_id: int):
    viewer = hr_viewer_or_403(request)
    person = staff_member(viewer=viewer, user_id=user_id)
    if person is None:
        raise Http404
    today = timezone.localdate()
    year = _year(request.GET.get("year"), today.year)
    return render(
        request,
        "lms/hr/staff_detail.html",
        {
            "person": person,
            "year": year,
            "years": range(today.year, today.year - 3, -1),
            "report": learner_compliance(learner=person, year=year, today=today),
            "record": staff_record(person=person, year=year),
            "today": today,
        },
    )


@login_required
@require_GET
def assignments(request):
    viewer = hr_viewer_or_403(request)
    today = timezone.localdate()
    overdue = Paginator(overdue_assignments(viewer=viewer, today=today), OVERDUE_PAGE_SIZE)
    return render(
        request,
        "lms/hr/assignments.html",
        {
            "rows": assignment_overview(viewer=viewer, today=today),
            "overdue": overdue.get_page(request.GET.get("page")),
            "today": today,
        },
    )
