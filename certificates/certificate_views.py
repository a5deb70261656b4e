"""The learner's certificates: the list, and PDF downloads for those allowed.

A PDF goes to its holder, to HR officers whose scope covers the holder's institution,
and to site administrators; anyone else gets a 404, as for a serial that does not exist.
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from certificates.selectors import certificate_for_download, learner_certificates


@login_required
@require_GET
def my_certificates(request):
    return render(
        request,
        "certificates/my_certificates.html",
        {"certificates": learner_certificates(learner=request.user)},
    )


@login_required
@require_GET
def certificate_pdf(request, serial: str):
    certificate = certificate_for_download(user=request.user, serial=serial)
    if certificate is None:
        raise Http404
    if not certificate.pdf:
        return _pending(request, certificate)
    try:
        handle = certificate.pdf.open("rb")
    except FileNotFoundError:
        return _pending(request, certificate)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{certificate.serial_number}.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _pending(request, certificate):
    response = render(request, "certificates/pdf_pending.html", {"certificate": certificate})
    response["Cache-Control"] = "private, no-store"
    return response
