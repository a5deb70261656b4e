"""Settings of the processes the integration tests start (web servers, Celery workers).

The test settings, plus what only those processes need, read from the environment the
harness gives them: a Celery queue of the test's own (test runs sharing one Redis never
take each other's tasks), quick redelivery of unacknowledged tasks for the worker-loss
test, and production's database connection policy for the PostgreSQL-restart test.
"""

from config.settings.test import *  # noqa: F403
from config.settings.test import DATABASES, env

CELERY_TASK_DEFAULT_QUEUE = env("SNOWLAND_TEST_QUEUE", default="celery")
CELERY_TASK_ROUTES: dict = {}  # every task on that queue, whatever production routes

# Kombu's Redis transport puts back a task that was delivered but never acknowledged
# (its worker died) once it is older than the visibility timeout (1 hour by default).
_visibility_timeout = env.int("SNOWLAND_TEST_VISIBILITY_TIMEOUT", default=0)
if _visibility_timeout:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": _visibility_timeout,
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }

if env.bool("SNOWLAND_TEST_PRODUCTION_CONNECTIONS", default=False):
    # As config/settings/production.py: persistent connections, checked before reuse.
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
