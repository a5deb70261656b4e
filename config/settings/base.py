"""Settings shared by every environment.

The environment is read here and nowhere else. Unset service URLs mean the embedded
default: SQLite, an in-process cache and tasks run in-process, so a newcomer needs
nothing running.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

DJANGO_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "accounts.apps.SnowlandUsersAppConfig",  # wagtail.users with profile fields
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "allauth",
    "allauth.account",
    "ninja",  # the HR API; listed so its Swagger UI is served from local static files
]
LOCAL_APPS = [
    "accounts",
    "courses",
    "lms",
    "certificates",
    "cms",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "config.request_id.RequestIdMiddleware",  # first: every log line names its request
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.security.ContentSecurityPolicyMiddleware",  # django-csp, admin and PDF aware
    "config.security.PermissionsPolicyMiddleware",
    # Before sessions: a cached public page costs no query (cms/page_cache.py).
    "cms.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.middleware.AdminRefusalMiddleware",  # admin refusals as 403, not redirects
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# Database: SQLite unless DATABASE_URL names another.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: a per-process memory cache unless REDIS_URL names Redis. allauth's rate
# limits count in this cache, so production must share one (see production.py).
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions are read from the cache and written through to the database, so a
# request (a heartbeat above all) does not pay a query for its session.
SESSION_ENGINE = "accounts.sessions"  # cached_db, read more cheaply (accounts/sessions.py)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # ModelBackend with each user's permission sets cached (docs/decisions/0014).
    "accounts.permission_cache.CachedPermissionsBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "lms:dashboard"

# django-allauth: https://docs.allauth.org/en/latest/account/configuration.html
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupProfileForm"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[雪域继教] "
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, stated so that a reader sees them; counted in the cache.
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}
DEFAULT_FROM_EMAIL = env(
    "DJANGO_DEFAULT_FROM_EMAIL", default="Snowland CME <noreply@snowland-cme.cn>"
)
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)

# Languages: Simplified Chinese first; English; Tibetan (bo) is planned, so nothing
# may assume two. Django has no locale data for Tibetan, so it is added here.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("en", "English"),
]
if env.bool("SNOWLAND_ENABLE_TIBETAN", default=False):
    from django.conf.locale import LANG_INFO

    LANG_INFO.setdefault(
        "bo", {"bidi": False, "code": "bo", "name": "Tibetan", "name_local": "བོད་ཡིག"}
    )
    LANGUAGES.append(("bo", "བོད་ཡིག"))
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "snowland_language"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads: bounded so a slow link or a mistaken upload cannot exhaust the server.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Security headers. Content-Security-Policy, django-csp 4 format:
# https://django-csp.readthedocs.io/en/latest/configuration.html. Scripts only from this
# site (an inline <script> needs nonce="{{ request.csp_nonce }}"); styles also inline,
# because progress bars set their width in style="" and the brand colour is a <style>
# (a nonce would switch 'unsafe-inline' off). Lesson videos may embed a video site
# (frame-src https:). The Wagtail admin and PDFs get their own rules (config/security.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "media-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF, "https:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No page is framed, except the admin's previews (Wagtail allows those itself).
X_FRAME_OPTIONS = "DENY"
# The admin calls no foreign server from editors' browsers (the policy would refuse
# it, and gravatar.com is not reachable from the region anyway): no avatars from
# Gravatar, no check for new Wagtail releases (upgrades are the operators' business).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False

# Wagtail: https://docs.wagtail.org/en/stable/reference/settings.html
WAGTAIL_SITE_NAME = _("Snowland CME")
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "pptx", "xlsx", "txt", "vtt", "mp4", "webm", "mp3", "m4a"]
# Lesson videos are documents; 200 MB allows a compressed lecture of about an hour.
WAGTAILDOCS_MAX_UPLOAD_SIZE = 200 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAIL_MODERATION_ENABLED = True
WAGTAILEMBEDS_RESPONSIVE_HTML = True
WAGTAIL_PASSWORD_RESET_ENABLED = True

# Tasks (django-tasks, used by Wagtail): run in-process in the embedded default.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Celery: https://docs.celeryq.dev/en/stable/userguide/configuration.html
# Unset broker means tasks run eagerly in-process (the embedded default).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Run by `celery -A config beat` in production: statuses move with the date
# (on track → at risk → not compliant) even when nobody's ledger changes.
CELERY_BEAT_SCHEDULE = {
    "refresh-compliance-nightly": {
        "task": "lms.tasks.compliance_summaries_refresh_year_task",
        "schedule": crontab(hour=2, minute=30),
    },
    # Credits, certificates and PDFs that a crash or a broker outage took from a
    # completion's after-commit steps (docs/decisions/0012); a late run is dropped.
    "completion-sweep": {
        "task": "certificates.tasks.completion_sweep_task",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 240},
    },
    # HR export files past SNOWLAND_EXPORT_RETENTION_DAYS; a run missed is made up the next night.
    "purge-exports-nightly": {
        "task": "lms.tasks.export_jobs_purge_task",
        "schedule": crontab(hour=3, minute=15),
        "options": {"expires": 6 * 60 * 60},
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every record names its request (config/request_id.py); DJANGO_LOG_FORMAT=json
    # writes one JSON object per line (config/logging.py), production's default.
    "filters": {"request_id": {"()": "config.request_id.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "config.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env("DJANGO_LOG_FORMAT", default="plain"),
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # One line per search-index or reference-index update is noise, not news.
    # WeasyPrint reports each step of each PDF, fontTools each table it subsets.
    "loggers": {
        "django_tasks": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Search: queries longer than this are refused with a message, not truncated silently.
SNOWLAND_SEARCH_MAX_LENGTH = 100
SNOWLAND_CATALOGUE_PAGE_SIZE = 12
# Anonymous visitors' public pages are served from the cache for this long, or until
# a publish (cms/page_cache.py); 0 turns the page cache off.
SNOWLAND_PAGE_CACHE_SECONDS = env.int("SNOWLAND_PAGE_CACHE_SECONDS", default=600)
# `make bench` only: a constant view at /bench/floor/, the benchmarks' floor.
SNOWLAND_BENCH_FLOOR = env.bool("SNOWLAND_BENCH_FLOOR", default=False)

# Learning: a heartbeat credits at most this much time (the page beats every 30 s).
SNOWLAND_HEARTBEAT_CAP_SECONDS = 45
SNOWLAND_HEARTBEAT_INTERVAL_SECONDS = 30
# Scales every lesson's minimum study time; only tests and demos lower it.
SNOWLAND_STUDY_TIME_SCALE = env.float("SNOWLAND_STUDY_TIME_SCALE", default=1.0)
# A submission this late after an exam's time limit still counts (slow links).
SNOWLAND_EXAM_GRACE_SECONDS = 30
# During the year, a learner is "at risk" when on some requirement the share achieved
# lags the share of the year already passed by more than this.
SNOWLAND_COMPLIANCE_AT_RISK_LAG = env.float("SNOWLAND_COMPLIANCE_AT_RISK_LAG", default=0.25)
# Credit records name the organiser; a course without its own uses this.
SNOWLAND_DEFAULT_ORGANISER = env("SNOWLAND_DEFAULT_ORGANISER", default="雪域继教平台")

# External activities: learners' evidence files (certificates, attendance records) hold
# personal data, so they are stored here, outside MEDIA_ROOT, where no web server looks;
# only a view that checks access sends them (lms.activity_views.evidence_download).
SNOWLAND_PRIVATE_MEDIA_ROOT = env.path(
    "SNOWLAND_PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private_media"
)
# The largest evidence file a learner may upload (a phone photo or a scanned PDF).
SNOWLAND_EVIDENCE_MAX_BYTES = env.int("SNOWLAND_EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
SNOWLAND_EVIDENCE_MAX_FILES = 5
# HR export files (personal data) are removed this many days after they are ready; the
# job row stays, marked expired (lms.services.exports.export_jobs_purge, run nightly).
SNOWLAND_EXPORT_RETENTION_DAYS = env.int("SNOWLAND_EXPORT_RETENTION_DAYS", default=7)

# Certificates: serials read PREFIX-<year>-<6-digit sequence>; the issuer is named on a
# certificate whose template names none.
SNOWLAND_CERTIFICATE_PREFIX = env("SNOWLAND_CERTIFICATE_PREFIX", default="LSCME")
SNOWLAND_CERTIFICATE_ISSUER = env("SNOWLAND_CERTIFICATE_ISSUER", default=SNOWLAND_DEFAULT_ORGANISER)
# Ed25519 signing (certificates/signing.py). The active private key: base64 of the raw
# 32 bytes or a PEM, inline or in a file; production requires one (production.py).
SNOWLAND_SIGNING_KEY = env("SNOWLAND_SIGNING_KEY", default="")
SNOWLAND_SIGNING_KEY_FILE = env("SNOWLAND_SIGNING_KEY_FILE", default="")
# Without a configured key, dev makes one once into this gitignored file.
SNOWLAND_SIGNING_KEY_AUTOGENERATE = False
SNOWLAND_SIGNING_DEV_KEY_FILE = BASE_DIR / "var" / "keys" / "signing-key.pem"
# Retired public keys, still trusted for certificates they signed: JSON ({"id": "key"}
# or a list) or a comma list of key_id=pubkey; and every *.pub file in the directory.
SNOWLAND_SIGNING_PUBLIC_KEYS = env("SNOWLAND_SIGNING_PUBLIC_KEYS", default="")
SNOWLAND_SIGNING_PUBLIC_KEYS_DIR = env.path(
    "SNOWLAND_SIGNING_PUBLIC_KEYS_DIR", default=BASE_DIR / "var" / "keys"
)
# Public verification (/verify/): lookups per IP address and window, counted in the cache.
SNOWLAND_VERIFY_RATE_LIMIT = env.int("SNOWLAND_VERIFY_RATE_LIMIT", default=30)
SNOWLAND_VERIFY_RATE_WINDOW_SECONDS = env.int("SNOWLAND_VERIFY_RATE_WINDOW_SECONDS", default=600)
# How long a certificate's verification result and its public page are kept
# (certificates/verify_cache.py; a revocation replaces them at once); 0 turns it off.
SNOWLAND_VERIFY_CACHE_SECONDS = env.int("SNOWLAND_VERIFY_CACHE_SECONDS", default=60 * 60)
SNOWLAND_VERIFY_UPLOAD_MAX_BYTES = 5 * 1024 * 1024

# Certificate rendering (certificates/rendering.py, docs/decisions/0008): the small fonts
# that `manage.py build_certificate_fonts` makes from the system's CJK and Tibetan fonts
# (gitignored; `make install` builds them). Optional SNOWLAND_CERTIFICATE_FONT_SOURCES
# maps a face (snowland-serif-regular, snowland-serif-bold, snowland-tibetan) to a font
# file ("path" or "path#face-index") where fontconfig cannot find it.
SNOWLAND_CERTIFICATE_FONT_DIR = env.path(
    "SNOWLAND_CERTIFICATE_FONT_DIR", default=BASE_DIR / "var" / "fonts"
)
SNOWLAND_CERTIFICATE_FONT_SOURCES: dict[str, str] = {}
