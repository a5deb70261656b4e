"""Yearly transcript PDFs under /certificates/transcripts/ (request, status, download)."""

from django.urls import path

from certificates import document_views

document_urlpatterns: list = [
    path(
        "transcripts/<int:year>/",
        document_views.transcript_request,
        name="transcript_request",
    ),
    path(
        "transcripts/staff/<int:user_id>/<int:year>/",
        document_views.staff_transcript_request,
        name="staff_transcript_request",
    ),
    path(
        "transcripts/documents/<int:pk>/",
        document_views.transcript_status,
        name="transcript_status",
    ),
    path(
        "transcripts/documents/<int:pk>/pdf/",
        document_views.transcript_pdf,
        name="transcript_pdf",
    ),
]
