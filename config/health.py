"""/healthz: can this web process serve? For load balancers and `make serve`.

It checks what every request needs: the database (SELECT 1), the cache (a write and a
read) and the Celery broker (a connection, given one second). The answer is 200 when
all pass and 503 otherwise, with each check's result and latency in a small JSON body,
never cached. A read replica, when configured, is reported but does not fail the check
(the site works without it). No session, authentication or CSRF is involved: a load
balancer calls it without cookies, every few seconds.

In the embedded default (CELERY_TASK_ALWAYS_EAGER) tasks run in-process and the broker
is reported as "not used".

The load balancer must send the site's host name (a Host in DJANGO_ALLOWED_HOSTS), as
every request must; SECURE_REDIRECT_EXEMPT lets it call over plain HTTP.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from config.db_router import REPLICA, replica_configured

logger = logging.getLogger(__name__)

OK = "ok"
FAILED = "failed"
NOT_USED = "not used"
BROKER_TIMEOUT_SECONDS = 1.0


def check_database(alias: str = "default") -> None:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    try:
        if cache.get(key) != "1":
            raise RuntimeError("the cache did not return what was just written")
    finally:
        cache.delete(key)


def check_broker(url: str | None = None) -> str:
    if url is None and getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return NOT_USED
    from config.celery_app import app

    with app.connection_for_write(url, connect_timeout=BROKER_TIMEOUT_SECONDS) as connection:
        connection.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT_SECONDS)
    return OK


def _run(name: str, check: Callable[[], str | None]) -> dict:
    """The check's status and latency. Why it failed goes to the log only: the endpoint
    is public, and an error message may name internal hosts."""
    started = time.perf_counter()
    try:
        status = check() or OK
    except Exception:  # a health check reports every failure, it never raises
        logger.exception("Health check %r failed", name)
        status = FAILED
    return {"status": status, "ms": round((time.perf_counter() - started) * 1000, 1)}


def checks() -> dict[str, Callable[[], str | None]]:
    """Name → check; those that must pass for the process to be healthy."""
    return {"database": check_database, "cache": check_cache, "broker": check_broker}


@csrf_exempt
@require_safe
@never_cache
def healthz(request):
    results = {name: _run(name, check) for name, check in checks().items()}
    healthy = all(result["status"] != FAILED for result in results.values())
    if replica_configured():
        replica = _run("replica", lambda: check_database(REPLICA))
        results["replica"] = {**replica, "critical": False}
    return JsonResponse(
        {"status": OK if healthy else FAILED, "checks": results},
        status=200 if healthy else 503,
    )
