"""HR staff import: upload a staff list, read the dry-run report, confirm.

The upload is kept in private storage under imports/<uuid>; the session remembers
which uploads belong to this officer and their SHA-256, so the report and the
confirmation re-read exactly the bytes that were checked. The service does the rest.
"""

import hashlib
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lms.errors import StaffImportRefused
from lms.hr_views import hr_viewer_or_403
from lms.services.staff_import import MAX_BYTES, staff_import_apply, staff_import_plan
from lms.staff_import_forms import StaffImportConfirmForm, StaffImportUploadForm
from lms.storage import private_media_storage

SESSION_KEY = "lms_staff_imports"
MAX_PENDING = 5  # uploads remembered per session; older ones are deleted


def _path(token: str) -> str:
    return f"imports/{token}"


def _forget(request, token: str) -> None:
    pending = request.session.get(SESSION_KEY, {})
    pending.pop(token, None)
    request.session[SESSION_KEY] = pending
    private_media_storage.delete(_path(token))


def _remember(request, content: bytes) -> str:
    token = str(uuid.uuid4())
    private_media_storage.save(_path(token), ContentFile(content))
    pending = request.session.get(SESSION_KEY, {})
    for old in list(pending)[: max(0, len(pending) - MAX_PENDING + 1)]:
        _forget(request, old)
        pending.pop(old, None)
    pending[token] = hashlib.sha256(content).hexdigest()
    request.session[SESSION_KEY] = pending
    return token


def _stored(request, token: str) -> bytes:
    """The upload's bytes, if this session made it and it is unchanged; else 404."""
    digest = request.session.get(SESSION_KEY, {}).get(token)
    if digest is None or not private_media_storage.exists(_path(token)):
        raise Http404
    with private_media_storage.open(_path(token), "rb") as stored:
        content = stored.read(MAX_BYTES + 1)
    if hashlib.sha256(content).hexdigest() != digest:
        raise Http404
    return content


@login_required
@require_http_methods(["GET", "POST"])
def staff_import(request):
    viewer = hr_viewer_or_403(request)
    posted = request.method == "POST"
    form = StaffImportUploadForm(
        request.POST if posted else None, request.FILES if posted else None
    )
    if posted and form.is_valid():
        content = form.cleaned_data["file"].read(MAX_BYTES + 1)
        try:
            staff_import_plan(viewer=viewer, content=content)
        except StaffImportRefused as error:
            form.add_error("file", error)
        else:
            token = _remember(request, content)
            return redirect("lms:hr_import_report", token=token)
    return render(request, "lms/hr/import.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def staff_import_report(request, token):
    viewer = hr_viewer_or_403(request)
    token = str(token)
    content = _stored(request, token)
    posted = request.method == "POST"
    form = StaffImportConfirmForm(request.POST if posted else None)
    if posted and form.is_valid():
        try:
            result = staff_import_apply(
                viewer=viewer,
                content=content,
                valid_rows_only=form.cleaned_data["valid_rows_only"],
            )
        except StaffImportRefused as error:
            messages.error(request, " ".join(error.messages))
        else:
            _forget(request, token)
            messages.success(
                request,
                _(
                    "Import finished: %(created)s new, %(updated)s updated, "
                    "%(unchanged)s unchanged, %(skipped)s rows with errors skipped."
                )
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "skipped": result.skipped,
                },
            )
            return redirect("lms:hr_staff")
    try:
        plan = staff_import_plan(viewer=viewer, content=content)
    except StaffImportRefused as error:
        _forget(request, token)
        messages.error(request, " ".join(error.messages))
        return redirect("lms:hr_import")
    return render(
        request,
        "lms/hr/import_report.html",
        {"plan": plan, "counts": plan.counts, "form": form, "token": token},
    )
