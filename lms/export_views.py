"""HR exports: the buttons of the staff table and the person page post here; the
status page follows the job (refreshing itself, no script needed) and links to the
file when it is ready, until the retention removes it: an expired job's page says so,
and its download answers 410 Gone with that page. A job is only ever shown to the
officer who asked for it (and superusers); anyone else gets a 404, as for a job that
does not exist."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from lms.errors import ExportRefused
from lms.exports import export_builder
from lms.hr_views import hr_viewer_or_403
from lms.models import ExportJob, ExportKind, ExportStatus
from lms.selectors.exports import export_job_for, export_retention, recent_export_jobs
from lms.services.exports import export_request

RECENT_EXPORTS = 20
REFRESH_SECONDS = 3
# The staff page passes its query string along; a longer one is no staff-table query.
MAX_FILTERS_LENGTH = 2_000
# The query-string keys of the staff page that are not filters.
NOT_FILTERS = ("page", "year")
# Buttons that export the certificates of everyone the filters show, not the ticked rows.
CERTIFICATES_OF_FILTERED = "certificates_zip_filtered"


def _filters(post: QueryDict) -> dict:
    text = post.get("filters", "")
    if len(text) > MAX_FILTERS_LENGTH:
        raise ExportRefused(ExportRefused.BAD_PARAMS, code="bad_params")
    filters = QueryDict(text).dict()
    for key in NOT_FILTERS:
        filters.pop(key, None)
    return filters


def _request_params(post: QueryDict) -> tuple[str, dict]:
    """The export kind and parameters a form posted (the service checks them)."""
    kind = post.get("kind", "")
    if kind in (ExportKind.STAFF_CSV, ExportKind.STAFF_XLSX):
        return kind, {"year": post.get("year", ""), "filters": _filters(post)}
    if kind in (ExportKind.PERSON_FILE_CSV, ExportKind.PERSON_FILE_XLSX):
        return kind, {"year": post.get("year", ""), "person": post.get("person", "")}
    if kind == ExportKind.CERTIFICATES_ZIP:
        return kind, {"user_ids": post.getlist("user")}
    if kind == CERTIFICATES_OF_FILTERED:
        return ExportKind.CERTIFICATES_ZIP, {
            "year": post.get("year", ""),
            "filters": _filters(post),
        }
    return kind, {}


def _own_job(request, token) -> ExportJob:
    job = export_job_for(user=request.user, token=token)
    if job is None:
        raise Http404
    return job


@login_required
@require_http_methods(["GET", "POST"])
def exports(request):
    hr_viewer_or_403(request)
    status = 200
    if request.method == "POST":
        try:
            kind, params = _request_params(request.POST)
            job = export_request(user=request.user, kind=kind, params=params)
        except ExportRefused as error:
            messages.error(request, error.text)
            status = 400
        else:
            return redirect("lms:hr_export_status", token=job.token)
    jobs = recent_export_jobs(user=request.user, limit=RECENT_EXPORTS)
    return render(
        request,
        "lms/hr/exports.html",
        {
            "jobs": jobs,
            "done": ExportStatus.DONE,
            "expired": ExportStatus.EXPIRED,
            "retention_days": export_retention().days,
        },
        status=status,
    )


def _status_page(request, job: ExportJob, *, status: int = 200):
    return render(
        request,
        "lms/hr/export_status.html",
        {
            "job": job,
            "refresh": REFRESH_SECONDS if not job.is_finished else None,
            "done": ExportStatus.DONE,
            "failed": ExportStatus.FAILED,
            "expired": ExportStatus.EXPIRED,
            "retention_days": export_retention().days,
        },
        status=status,
    )


@login_required
@require_GET
def export_status(request, token):
    hr_viewer_or_403(request)
    return _status_page(request, _own_job(request, token))


@login_required
@require_GET
def export_download(request, token):
    hr_viewer_or_403(request)  # still an HR viewer, or 403
    job = _own_job(request, token)
    if job.is_expired:
        # An old link (a bookmark, a browser's downloads list): say why, not just 404.
        return _status_page(request, job, status=410)
    if job.status != ExportStatus.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    builder = export_builder(job.kind)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=job.file_name or job.file.name.rsplit("/", 1)[-1],
        content_type=builder.content_type if builder else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
