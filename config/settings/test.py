"""Test settings: fast hashing, memory cache and mail, immediate tasks."""

import base64
import hashlib

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-secret-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WAGTAILADMIN_BASE_URL = "http://testserver"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# A fixed, test-only signing key (derived from a public phrase, so obviously no secret);
# tests of key rotation override it. No key file is read or written.
SNOWLAND_SIGNING_KEY = base64.b64encode(
    hashlib.sha256(b"snowland-cme test-only signing key").digest()
).decode()
SNOWLAND_SIGNING_KEY_FILE = ""
SNOWLAND_SIGNING_KEY_AUTOGENERATE = False
SNOWLAND_SIGNING_PUBLIC_KEYS = ""
SNOWLAND_SIGNING_PUBLIC_KEYS_DIR = ""
