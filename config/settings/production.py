"""Production: every secret comes from the environment, with no default.

A missing secret stops start-up with ImproperlyConfigured naming every missing
variable at once. `make serve` (bin/serve) runs these settings on one machine;
docs/deployment.md runs them on several, and .env.production.example lists the
variables.

The web processes keep no state of their own: sessions live in the database behind
the Redis cache, media and private files may live in S3-compatible object storage,
and static files are served by each process (WhiteNoise). Any number of them can
stand behind a load balancer.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import BASE_DIR, CONTENT_SECURITY_POLICY, LOGGING, MIDDLEWARE, env

# The file bin/serve reads (.env.production, or SNOWLAND_ENV_FILE), read here too so that
# a `manage.py` command run by hand sees the same settings. The environment wins.
ENV_FILE = Path(env.str("SNOWLAND_ENV_FILE", default=str(BASE_DIR / ".env.production")))
if ENV_FILE.is_file():
    environ.Env.read_env(ENV_FILE, overwrite=False)

# --- required ------------------------------------------------------------------------

REQUIRED = (
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "WAGTAILADMIN_BASE_URL",
)


def missing_variables() -> list[str]:
    """The required variables that are unset or empty, in the order above."""
    missing = [name for name in REQUIRED if not env.str(name, default="").strip()]
    if not (
        env.str("SNOWLAND_SIGNING_KEY_FILE", default="")
        or env.str("SNOWLAND_SIGNING_KEY", default="")
    ):
        missing.append("SNOWLAND_SIGNING_KEY_FILE (or SNOWLAND_SIGNING_KEY)")
    return missing


if _missing := missing_variables():
    raise ImproperlyConfigured(
        "Production settings need these environment variables: "
        + ", ".join(_missing)
        + ". See .env.production.example and docs/deployment.md."
    )

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
# After a rotation the old key, for a while, so that signed links and tokens still work.
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL")

# --- database: a primary, and optionally a read replica for reports (config/db_router.py)


def _database(url_variable: str) -> dict:
    database = env.db(url_variable)
    database["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    database["CONN_HEALTH_CHECKS"] = True
    # Behind PgBouncer in transaction pooling mode, server-side cursors must be off.
    database["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
        "DJANGO_DISABLE_SERVER_SIDE_CURSORS", default=False
    )
    if database["ENGINE"] == "django.db.backends.postgresql":
        database.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    return database


DATABASES = {"default": _database("DATABASE_URL")}
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = _database("DATABASE_REPLICA_URL")
    DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
    # Report views that may read a second-old copy (GET only); an export view joins
    # them by its URL name. Keep this middleware last: it calls the view.
    SNOWLAND_REPLICA_VIEWS = env.list(
        "SNOWLAND_REPLICA_VIEWS",
        default=["lms:hr_dashboard", "lms:hr_dashboard_year", "lms:hr_staff", "lms:hr_assignments"],
    )
    MIDDLEWARE = [*MIDDLEWARE, "config.db_router.ReplicaReadsMiddleware"]

# --- cache and sessions (Redis), Celery (Redis) --------------------------------------

REDIS_URL = env("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # A Redis that stops answering must not hang every request.
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}
# Sessions (accounts.sessions, Django's cached_db): read from this cache, kept in the database.

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = False
# Two queues: "default" (notifications, compliance refreshes, sweeps) and "pdf"
# (certificate and transcript rendering, CPU-bound), so that a burst of PDFs at the
# deadline never delays the rest and PDF workers can run on machines of their own.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"certificates.tasks.render_*": {"queue": "pdf"}}
# A broker that stops answering must not hang the request that queues work: publishing
# fails after a few seconds, the request still succeeds (queueing is robust) and the
# completion sweep queues the work again. A task whose worker died is redelivered after
# the visibility timeout (the sweep usually gets there first).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 3,
    "socket_timeout": 5,
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=15 * 60),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Workers log through Django's LOGGING (JSON lines with the rest), not Celery's own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- mail ----------------------------------------------------------------------------

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)

# --- files: static through WhiteNoise; media and private files on disk or S3 ----------

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed (gzip, Brotli), content-hashed names, cached for ever by browsers.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# S3-compatible object storage (AWS S3, MinIO, or a domestic cloud's OSS/COS through
# its S3 interface), used when a bucket is named; credentials come from
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, read by boto3 itself.
S3_BUCKET = env.str("SNOWLAND_S3_BUCKET", default="") or env.str(
    "AWS_STORAGE_BUCKET_NAME", default=""
)
S3_ENDPOINT_URL = env.str("SNOWLAND_S3_ENDPOINT_URL", default="") or env.str(
    "AWS_S3_ENDPOINT_URL", default=""
)
S3_REGION = env.str("SNOWLAND_S3_REGION", default="") or env.str("AWS_S3_REGION_NAME", default="")
S3_CUSTOM_DOMAIN = env.str("SNOWLAND_S3_CUSTOM_DOMAIN", default="")
if S3_BUCKET:
    _s3_common = {
        "endpoint_url": S3_ENDPOINT_URL or None,
        "region_name": S3_REGION or None,
        "addressing_style": env.str("SNOWLAND_S3_ADDRESSING_STYLE", default="") or None,
        "file_overwrite": False,  # two uploads named alike keep both files
    }
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_s3_common,
            "bucket_name": S3_BUCKET,
            "location": "media",
            "default_acl": env.str("SNOWLAND_S3_MEDIA_ACL", default="") or None,
            # Signed, expiring URLs by default (the bucket may stay private); with a
            # public media/ prefix or a CDN domain, unsigned URLs cache better.
            "querystring_auth": env.bool("SNOWLAND_S3_MEDIA_SIGNED_URLS", default=True),
            "custom_domain": S3_CUSTOM_DOMAIN or None,
        },
    }
    # Evidence, certificate and transcript PDFs, import uploads (lms/storage.py): never a
    # URL; sent only by views that check access. Best in a bucket of their own.
    SNOWLAND_PRIVATE_MEDIA_S3 = {
        **_s3_common,
        "bucket_name": env.str("SNOWLAND_S3_PRIVATE_BUCKET", default="") or S3_BUCKET,
        "location": "private",
        "default_acl": None,
        "querystring_auth": True,
    }


# Media on disk needs a web server in front to serve /media/images/ (docs/deployment.md);
# the one-machine stack (bin/serve) has none and lets Django serve them instead.
SNOWLAND_SERVE_MEDIA = env.bool("SNOWLAND_SERVE_MEDIA", default=False) and not S3_BUCKET


def _media_origins() -> list[str]:
    """Where browsers fetch media from when it is in object storage (for the CSP)."""
    configured = env.list("SNOWLAND_CSP_MEDIA_ORIGINS", default=[])
    if configured or not S3_BUCKET:
        return configured
    if S3_CUSTOM_DOMAIN:
        return [f"https://{S3_CUSTOM_DOMAIN}"]
    if S3_ENDPOINT_URL:
        endpoint = urlsplit(S3_ENDPOINT_URL)
        return [
            f"{endpoint.scheme}://{endpoint.netloc}",
            f"{endpoint.scheme}://{S3_BUCKET}.{endpoint.netloc}",
        ]
    region = f".{S3_REGION}" if S3_REGION else ""
    return [
        f"https://{S3_BUCKET}.s3.amazonaws.com",
        f"https://{S3_BUCKET}.s3{region}.amazonaws.com",
    ]


if _origins := _media_origins():
    for _directive in ("img-src", "media-src"):
        CONTENT_SECURITY_POLICY["DIRECTIVES"][_directive] = [
            *CONTENT_SECURITY_POLICY["DIRECTIVES"][_directive],
            *_origins,
        ]

# --- HTTPS and security headers --------------------------------------------------------
# `make serve` on 127.0.0.1 turns the first three off (plain HTTP, local only).

SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Load balancers check /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# TLS ends at the load balancer or proxy, which must set this header (and strip a
# client's own).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Preloading commits the whole domain to HTTPS in browsers for months: the operator's
# decision (DJANGO_SECURE_HSTS_PRELOAD=true), so its reminder (W021) is silenced.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# --- logs and error reports ----------------------------------------------------------

LOGGING["handlers"]["console"]["formatter"] = env("DJANGO_LOG_FORMAT", default="json")

SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    # Error reports to Sentry, or a self-hosted Sentry / GlitchTip (same protocol).
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    def _with_request_id(event, hint):
        from config.request_id import current_request_id

        event.setdefault("tags", {})["request_id"] = current_request_id()
        return event

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        release=env.str("SENTRY_RELEASE", default="") or None,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,  # learners' names and e-mail addresses stay here
        integrations=[DjangoIntegration(), CeleryIntegration()],
        before_send=_with_request_id,
    )

# --- certificates --------------------------------------------------------------------

# The signing key: a file (preferred, e.g. a mounted secret) or inline.
SNOWLAND_SIGNING_KEY_FILE = env("SNOWLAND_SIGNING_KEY_FILE", default="")
if not SNOWLAND_SIGNING_KEY_FILE:
    SNOWLAND_SIGNING_KEY = env("SNOWLAND_SIGNING_KEY")
SNOWLAND_SIGNING_KEY_AUTOGENERATE = False
