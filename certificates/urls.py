"""Learner-facing certificate URLs under /certificates/ (downloads, transcript PDFs)."""

from certificates.certificate_urls import certificate_urlpatterns
from certificates.document_urls import document_urlpatterns

app_name = "certificates"
urlpatterns = [*certificate_urlpatterns, *document_urlpatterns]
