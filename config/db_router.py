"""Reports may read from a PostgreSQL read replica; everything else uses the primary.

Routing every read to a replica would break read-your-writes: a learner who finishes a
lesson and reloads the course page must see it finished, and streaming replication
lags by milliseconds to seconds. Reports are different: an HR officer's staff table,
the HR dashboard and exports summarise a year, may be a second old, and are the heavy
queries at the reporting deadline. So reads go to the replica only inside
`reporting_reads()`, which a report opts into:

* views: list their URL names in SNOWLAND_REPLICA_VIEWS; `ReplicaReadsMiddleware`
  wraps those views (GET and HEAD only) in `reporting_reads()`;
* code: `with reporting_reads(): ...` around a selector call (an export task, say).

Writes always go to the primary, and so do reads inside a transaction on the primary
(a service that locks rows must read them where it writes them). Without a "replica"
database (DATABASE_REPLICA_URL unset) all of this changes nothing. Migrations run on
the primary only: the replica copies them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
_reporting: ContextVar[bool] = ContextVar("reporting_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def reporting_reads() -> Iterator[None]:
    """Reads inside this block may come from the replica (when there is one)."""
    token = _reporting.set(True)
    try:
        yield
    finally:
        _reporting.reset(token)


def reads_from_replica() -> bool:
    return (
        _reporting.get()
        and replica_configured()
        and not connections[DEFAULT_DB_ALIAS].in_atomic_block
    )


class ReplicaRouter:
    """DATABASE_ROUTERS entry (production settings, only with a replica)."""

    def db_for_read(self, model, **hints) -> str | None:
        return REPLICA if reads_from_replica() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # The replica holds the same rows as the primary.
        databases = {DEFAULT_DB_ALIAS, REPLICA}
        if obj1._state.db in databases and obj2._state.db in databases:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS


class ReplicaReadsMiddleware:
    """Runs the report views named in SNOWLAND_REPLICA_VIEWS ("namespace:name") inside
    `reporting_reads()` on GET and HEAD. It calls the view itself, so it must come last
    in MIDDLEWARE (every other middleware's process_view, CSRF's above all, runs first).
    A lazily rendered response is rendered inside the block too."""

    SAFE_METHODS = ("GET", "HEAD")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.views = frozenset(getattr(settings, "SNOWLAND_REPLICA_VIEWS", ()))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if (
            request.method in self.SAFE_METHODS
            and match is not None
            and match.view_name in self.views
            and replica_configured()
        ):
            with reporting_reads():
                response = view_func(request, *view_args, **view_kwargs)
                if callable(getattr(response, "render", None)) and not response.is_rendered:
                    response = response.render()
            return response
        return None
