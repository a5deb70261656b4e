from django.urls import path

from lms import transcript_views

transcript_urlpatterns = [
    path("transcript/", transcript_views.transcript, name="transcript"),
    path("transcript/<int:year>/", transcript_views.transcript, name="transcript_year"),
    path("transcript/<int:year>.csv", transcript_views.transcript_csv, name="transcript_csv"),
]
