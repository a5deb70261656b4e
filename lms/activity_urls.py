"""External activities reported by learners and their approval (filled by the activities work)."""

activity_urlpatterns: list = []
