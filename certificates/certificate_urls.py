"""The learner's certificates under /certificates/: the list and PDF downloads."""

from django.urls import path

from certificates import certificate_views

certificate_urlpatterns: list = [
    path("", certificate_views.my_certificates, name="list"),
    path("<str:serial>/pdf/", certificate_views.certificate_pdf, name="pdf"),
]
