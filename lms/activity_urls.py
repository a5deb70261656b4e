"""External activities reported by learners and their approval; lms/urls.py adds them."""

from django.urls import path

from lms import activity_views

activity_urlpatterns: list = [
    path("activities/", activity_views.activity_list, name="activity_list"),
    path("activities/new/", activity_views.activity_new, name="activity_new"),
    path("activities/<int:activity_id>/", activity_views.activity_detail, name="activity_detail"),
    path("activities/<int:activity_id>/edit/", activity_views.activity_edit, name="activity_edit"),
    path(
        "activities/<int:activity_id>/withdraw/",
        activity_views.activity_withdraw,
        name="activity_withdraw",
    ),
    path(
        "activities/<int:activity_id>/evidence/<int:evidence_id>/",
        activity_views.evidence_download,
        name="activity_evidence",
    ),
    path("approvals/", activity_views.approvals, name="approvals"),
    path("approvals/bulk/", activity_views.approvals_bulk, name="approvals_bulk"),
    path("approvals/<int:activity_id>/", activity_views.approval_detail, name="approval_detail"),
    path("audit/<int:user_id>/", activity_views.audit, name="learner_audit"),
]
