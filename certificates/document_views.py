"""The learner's yearly transcript as a signed PDF: request, wait, download.

POST /certificates/transcripts/<year>/ makes the document (rendered by a task after
commit) and redirects to its status page, which refreshes itself every 5 s until the
PDF is there. POST /certificates/transcripts/staff/<user_id>/<year>/ does the same for
an HR officer whose scope covers the person (the officer is recorded as requester).
Only the learner, HR officers whose scope covers the learner, and superusers see a
document; anyone else gets 404.
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from certificates.document_selectors import (
    staff_member_for_transcript,
    transcript_document_for,
)
from certificates.document_services import transcript_document_request

# Years a ledger can hold (as the transcript page): anything else is a typo or a probe.
FIRST_YEAR, LAST_YEAR = 2000, 2100
REFRESH_SECONDS = 5


@login_required
@require_POST
def transcript_request(request, year: int):
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    # Always the signed-in learner's own records: there is no learner in the URL.
    document = transcript_document_request(learner=request.user, year=year)
    return redirect("certificates:transcript_status", pk=document.pk)


@login_required
@require_POST
def staff_transcript_request(request, user_id: int, year: int):
    """An HR officer asks for the yearly file of someone in their scope."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    person = staff_member_for_transcript(user=request.user, user_id=user_id)
    if person is None:
        raise Http404
    document = transcript_document_request(learner=person, year=year, requested_by=request.user)
    return redirect("certificates:transcript_status", pk=document.pk)


def _document_or_404(request, pk: int):
    document = transcript_document_for(user=request.user, pk=pk)
    if document is None:
        raise Http404
    return document


@login_required
@require_GET
def transcript_status(request, pk: int):
    document = _document_or_404(request, pk)
    response = render(
        request,
        "certificates/transcript_document.html",
        {
            "document": document,
            "ready": bool(document.pdf),
            "refresh_seconds": REFRESH_SECONDS,
            "own": document.learner_id == request.user.pk,
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def transcript_pdf(request, pk: int):
    document = _document_or_404(request, pk)
    if not document.pdf:
        return redirect("certificates:transcript_status", pk=document.pk)
    try:
        handle = document.pdf.open("rb")
    except FileNotFoundError:
        return redirect("certificates:transcript_status", pk=document.pk)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=(
            f"cme-transcript-{document.year}.pdf"
            if document.learner_id == request.user.pk
            else f"cme-transcript-{document.year}-{document.learner_id}.pdf"
        ),
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
