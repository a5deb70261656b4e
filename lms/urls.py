from django.urls import path

from lms import ledger_views, views
from lms.activity_urls import activity_urlpatterns
from lms.exam_urls import exam_urlpatterns
from lms.export_urls import export_urlpatterns
from lms.hr_urls import hr_urlpatterns
from lms.transcript_urls import transcript_urlpatterns

app_name = "lms"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("courses/<int:course_id>/enrol/", views.enrol, name="enrol"),
    path("courses/<int:course_id>/withdraw/", views.withdraw, name="withdraw"),
    path("heartbeat/", views.heartbeat, name="heartbeat"),
    path("lessons/<int:lesson_id>/open/", views.lesson_opened, name="lesson_open"),
    path("checkpoint/", views.checkpoint, name="checkpoint_answer"),
    path("assign/", views.assign, name="assign"),
    path("audit/<int:user_id>/adjust/", ledger_views.adjust, name="credit_adjust"),
    path(
        "audit/<int:user_id>/entries/<int:entry_id>/reverse/",
        ledger_views.correct,
        name="credit_correct",
    ),
    *exam_urlpatterns,
    *transcript_urlpatterns,
    *activity_urlpatterns,
    *hr_urlpatterns,
    *export_urlpatterns,
]
