"""Local development: debug on, a throw-away secret, e-mail to the console."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

# Serve static files straight from the apps, without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Certificates are signed with a key made once into var/keys/ (gitignored).
SNOWLAND_SIGNING_KEY_AUTOGENERATE = env.bool("SNOWLAND_SIGNING_KEY_AUTOGENERATE", default=True)
