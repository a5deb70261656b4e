"""The learner's certificates under /certificates/: the list and PDF downloads; and
the certificate check for HR officers and site administrators."""

from django.urls import path

from certificates import certificate_views, check_views

certificate_urlpatterns: list = [
    path("", certificate_views.my_certificates, name="list"),
    path("check/", check_views.certificate_check, name="check"),
    path("<str:serial>/pdf/", certificate_views.certificate_pdf, name="pdf"),
]
