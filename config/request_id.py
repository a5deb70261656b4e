"""A request id on every request, every log line written while serving it, and the response.

A load balancer or proxy in front may already have given the request an id
(X-Request-ID, e.g. nginx's `$request_id`): a well-formed one is kept, so one id follows
the request through every layer; anything else is replaced by a new random id. The id
is returned in the response's X-Request-ID header (a user quoting it in a complaint
leads straight to the log lines), and `RequestIdFilter` adds it to every log record as
`request_id` ("-" outside a request, e.g. in a Celery worker).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
# Letters, digits and a few separators, 8 to 128 characters: UUIDs, nginx's 32 hex
# digits and most tracing ids pass; nothing that could forge a log line or a header.
WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
NO_REQUEST = "-"

_current: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST)


def current_request_id() -> str:
    """The id of the request being served in this thread or task ("-" outside one)."""
    return _current.get()


def request_id_for(incoming: str | None) -> str:
    """The incoming id when it is well-formed, else a new one."""
    if incoming and WELL_FORMED.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in MIDDLEWARE, so that everything after it logs with the id (even a
    redirect to HTTPS or a refused host carries the header)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_for(request.META.get(META_KEY))
        request.request_id = request_id
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record, so formatters may name it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current.get()
        return True
