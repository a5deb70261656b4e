"""HR and CME-office pages (scoped to the viewer's HR scope); lms/urls.py adds them."""

from django.urls import path

from lms import hr_views, staff_import_views

hr_urlpatterns: list = [
    path("hr/", hr_views.dashboard, name="hr_dashboard"),
    path("hr/<int:year>/", hr_views.dashboard, name="hr_dashboard_year"),
    path("hr/staff/", hr_views.staff, name="hr_staff"),
    path("hr/staff/<int:user_id>/", hr_views.staff_detail, name="hr_staff_detail"),
    path("hr/assignments/", hr_views.assignments, name="hr_assignments"),
    path("hr/import/", staff_import_views.staff_import, name="hr_import"),
    path(
        "hr/import/<uuid:token>/",
        staff_import_views.staff_import_report,
        name="hr_import_report",
    ),
]
