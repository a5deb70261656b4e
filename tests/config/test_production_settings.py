"""Production settings, loaded in a fresh process as a server would load them: a missing
secret stops start-up naming the variable, `check --deploy` is clean, and the optional
services (object storage, a read replica, error reports) switch on from the environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
REQUIRED = [
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "WAGTAILADMIN_BASE_URL",
]
# Fake but well-formed: nothing here is ever connected to.
VALID = {
    "DJANGO_SECRET_KEY": "x7#Kq9!vLm2$Rt8&Wz5@Np3*Hs6^Bd4(Fg1)Jc0+Yu7=Ea9-Oi2~Pl5.Tr8?Gh3",
    "DJANGO_ALLOWED_HOSTS": "cme.example.cn",
    "DATABASE_URL": "postgres://snowland:secret@db.internal:5432/snowland",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "WAGTAILADMIN_BASE_URL": "https://cme.example.cn",
    "SNOWLAND_SIGNING_KEY_FILE": "/run/secrets/snowland-signing-key.pem",
}
# Variables of ours that the calling shell might set and that would blur the tests.
OURS = (
    *REQUIRED,
    "DJANGO_SETTINGS_MODULE",
    "SNOWLAND_SIGNING_KEY",
    "SNOWLAND_SIGNING_KEY_FILE",
    "DATABASE_REPLICA_URL",
    "CELERY_BROKER_URL",
    "SENTRY_DSN",
    "SNOWLAND_S3_BUCKET",
    "AWS_STORAGE_BUCKET_NAME",
    "DJANGO_LOG_FORMAT",
    "DJANGO_SECURE_SSL_REDIRECT",
    "DJANGO_SECURE_COOKIES",
    "DJANGO_SECURE_HSTS_SECONDS",
    "SNOWLAND_ENV_FILE",
)

DUMP = """
import json, django
django.setup()
from django.conf import settings
from lms.storage import private_media_storage
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "databases": sorted(settings.DATABASES),
    "routers": settings.DATABASE_ROUTERS,
    "last_middleware": settings.MIDDLEWARE[-1],
    "replica_views": getattr(settings, "SNOWLAND_REPLICA_VIEWS", []),
    "default_storage": settings.STORAGES["default"]["BACKEND"],
    "media_options": settings.STORAGES["default"].get("OPTIONS", {}),
    "static_storage": settings.STORAGES["staticfiles"]["BACKEND"],
    "private_storage": type(private_media_storage).__mro__[1].__name__,
    "private_location": getattr(private_media_storage, "location", ""),
    "session_engine": settings.SESSION_ENGINE,
    "cache": settings.CACHES["default"]["BACKEND"],
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "routes": settings.CELERY_TASK_ROUTES,
    "log_format": settings.LOGGING["handlers"]["console"]["formatter"],
    "redirect_exempt": settings.SECURE_REDIRECT_EXEMPT,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "secure_cookies": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
    "csp": settings.CONTENT_SECURITY_POLICY["DIRECTIVES"],
    "sentry": __import__("sentry_sdk").get_client().is_active(),
}, default=str))
"""


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in OURS}
    # A .env.production in the checkout (make serve's) must not answer for the test.
    clean["SNOWLAND_ENV_FILE"] = str(BASE_DIR / "var" / "no-such-env-file")
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings.production")
    return subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _settings(**env: str) -> dict:
    result = _run(["-c", DUMP], **{**VALID, **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_any_secret_start_up_stops_naming_every_missing_variable():
    result = _run(["manage.py", "check"])
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    for name in [*REQUIRED, "SNOWLAND_SIGNING_KEY_FILE (or SNOWLAND_SIGNING_KEY)"]:
        assert name in result.stderr


@pytest.mark.parametrize("missing", [*REQUIRED, "SNOWLAND_SIGNING_KEY_FILE"])
def test_one_missing_secret_is_named_alone(missing):
    env = {key: value for key, value in VALID.items() if key != missing}
    result = _run(["manage.py", "check"], **env)
    assert result.returncode != 0
    message = next(line for line in result.stderr.splitlines() if "environment variables" in line)
    assert missing in message
    assert all(name not in message for name in VALID if name != missing)


def test_an_empty_secret_counts_as_missing():
    result = _run(["manage.py", "check"], **{**VALID, "DJANGO_SECRET_KEY": "  "})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_the_env_file_is_read_and_the_environment_wins(tmp_path):
    env_file = tmp_path / "snowland.env"
    lines = [f"{name}={value}" for name, value in VALID.items() if name != "REDIS_URL"]
    env_file.write_text("\n".join(["# a comment", *lines, "DJANGO_LOG_FORMAT=plain"]) + "\n")
    result = _run(
        ["-c", DUMP],
        SNOWLAND_ENV_FILE=str(env_file),
        REDIS_URL="redis://cache.internal:6379/0",
        DJANGO_LOG_FORMAT="json",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["log_format"] == "json"


def test_check_deploy_is_clean():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **VALID)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_the_defaults_are_stateless_hardened_and_logged_as_json():
    found = _settings()
    assert found["DEBUG"] is False
    assert found["databases"] == ["default"]
    assert found["routers"] == []
    assert found["session_engine"] == "accounts.sessions"  # Django's cached_db, read cheaply
    assert found["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert found["eager"] is False
    assert found["routes"] == {"certificates.tasks.render_*": {"queue": "pdf"}}
    assert found["static_storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert found["default_storage"] == "django.core.files.storage.FileSystemStorage"
    assert found["private_storage"] == "FileSystemStorage"
    assert found["log_format"] == "json"
    assert found["ssl_redirect"] is True
    assert found["secure_cookies"] == [True, True]
    assert found["redirect_exempt"] == [r"^healthz$"]
    assert found["sentry"] is False


def test_the_local_stack_switches_https_off_only_through_the_environment():
    found = _settings(DJANGO_SECURE_SSL_REDIRECT="false", DJANGO_SECURE_COOKIES="false")
    assert found["ssl_redirect"] is False
    assert found["secure_cookies"] == [False, False]


def test_object_storage_for_media_and_private_files_with_the_csp_allowing_media():
    found = _settings(
        SNOWLAND_S3_BUCKET="snowland-media",
        SNOWLAND_S3_ENDPOINT_URL="https://oss.example.cn",
        SNOWLAND_S3_PRIVATE_BUCKET="snowland-private",
    )
    assert found["default_storage"] == "storages.backends.s3.S3Storage"
    media = found["media_options"]
    assert (media["bucket_name"], media["location"]) == ("snowland-media", "media")
    assert media["endpoint_url"] == "https://oss.example.cn"
    assert media["file_overwrite"] is False
    assert found["private_storage"] == "S3Storage"
    assert found["private_location"] == "private"
    for directive in ("img-src", "media-src"):
        assert "https://oss.example.cn" in found["csp"][directive]
        assert "https://snowland-media.oss.example.cn" in found["csp"][directive]
    assert found["csp"]["script-src"] == ["'self'", "csp.constants.NONCE"]


def test_a_read_replica_adds_a_database_the_router_and_the_report_middleware():
    found = _settings(DATABASE_REPLICA_URL="postgres://reader:secret@replica.internal/snowland")
    assert found["databases"] == ["default", "replica"]
    assert found["routers"] == ["config.db_router.ReplicaRouter"]
    assert found["last_middleware"] == "config.db_router.ReplicaReadsMiddleware"
    assert "lms:hr_staff" in found["replica_views"]


def test_error_reports_start_only_with_a_dsn():
    found = _settings(SENTRY_DSN="https://public@sentry.example.cn/1")
    assert found["sentry"] is True
