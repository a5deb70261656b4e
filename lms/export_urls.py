"""HR exports: ask for one, follow its progress, download it; lms/urls.py adds them."""

from django.urls import path

from lms import export_views

export_urlpatterns: list = [
    path("hr/exports/", export_views.exports, name="hr_exports"),
    path("hr/exports/<uuid:token>/", export_views.export_status, name="hr_export_status"),
    path(
        "hr/exports/<uuid:token>/download/",
        export_views.export_download,
        name="hr_export_download",
    ),
]
