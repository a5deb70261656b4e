"""URL patterns of the final exam; lms/urls.py adds them to the app's patterns."""

from django.urls import path

from lms import exam_views

exam_urlpatterns: list = [
    path("courses/<int:course_id>/exam/", exam_views.exam, name="exam"),
    path("courses/<int:course_id>/exam/start/", exam_views.exam_start, name="exam_start"),
    path("attempts/<int:attempt_id>/", exam_views.attempt_paper, name="exam_attempt"),
    path("attempts/<int:attempt_id>/save/", exam_views.attempt_save, name="exam_save"),
    path("attempts/<int:attempt_id>/submit/", exam_views.attempt_submit, name="exam_submit"),
    path("attempts/<int:attempt_id>/result/", exam_views.attempt_result, name="exam_result"),
]
