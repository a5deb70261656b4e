"""URL patterns of the final exam; lms/urls.py adds them to the app's patterns."""

exam_urlpatterns: list = []
