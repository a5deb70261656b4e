"""Public verification under /verify/: a form, a result per code, PDF upload, the keys."""

from django.urls import path

from certificates import verify_views

app_name = "verify"
urlpatterns = [
    path("", verify_views.verify_home, name="home"),
    path("keys.json", verify_views.keys_json, name="keys"),
    path("upload/", verify_views.verify_upload, name="upload"),
    path("<str:code>/", verify_views.verify_result, name="result"),
]
