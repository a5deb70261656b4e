"""Yearly transcript PDFs (filled by the rendering work)."""

document_urlpatterns: list = []
