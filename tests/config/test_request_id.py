"""Request ids: kept from a proxy when well-formed, made otherwise, returned in the
response and written on every log line served under it."""

import io
import json
import logging
import re

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory

from config.logging import GunicornAccessFormatter, JsonFormatter
from config.request_id import (
    HEADER,
    RequestIdFilter,
    RequestIdMiddleware,
    current_request_id,
    request_id_for,
)

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.mark.parametrize(
    "incoming",
    ["3f2c1a9e8b7d4c6e9f0a1b2c3d4e5f60", "0b0f5a3c-8e43-4b1e-9f4e-7a1d2c3b4a5f", "lb-1.a:b_c"],
)
def test_a_well_formed_incoming_id_is_kept(incoming):
    assert request_id_for(incoming) == incoming


@pytest.mark.parametrize(
    "incoming",
    [
        None,
        "",
        "short",
        "a" * 129,
        "abc def ghi",
        "abcdefgh\nforged log line",
        "<script>x</script>",
    ],
)
def test_anything_else_is_replaced_by_a_new_id(incoming):
    made = request_id_for(incoming)
    assert GENERATED.fullmatch(made)
    assert made != request_id_for(incoming)


def _logged_ids(*, incoming: str | None) -> tuple[HttpResponse, list[str], str]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.request_id")
    logger.addHandler(handler)
    logger.propagate = False
    seen = []

    def view(request):
        seen.append(current_request_id())
        logger.warning("serving %s", request.path)
        return HttpResponse("ok")

    headers = {"HTTP_X_REQUEST_ID": incoming} if incoming else {}
    try:
        response = RequestIdMiddleware(view)(RequestFactory().get("/somewhere/", **headers))
        logger.warning("after the request")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    return response, seen, stream.getvalue()


def test_the_middleware_returns_the_id_and_logs_carry_it():
    response, seen, output = _logged_ids(incoming="req-1234567890")
    assert response[HEADER] == "req-1234567890"
    assert seen == ["req-1234567890"]
    during, after = (json.loads(line) for line in output.splitlines())
    assert during["request_id"] == "req-1234567890"
    assert during["message"] == "serving /somewhere/"
    assert during["level"] == "WARNING"
    assert "time" in during
    # Outside a request the id is "-", never the previous request's.
    assert after["request_id"] == "-"


def test_without_an_incoming_id_one_is_made():
    response, seen, _ = _logged_ids(incoming=None)
    assert GENERATED.fullmatch(response[HEADER])
    assert seen == [response[HEADER]]


def test_every_response_of_the_site_carries_an_id(client, db):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="from-the-balancer-42")
    assert response[HEADER] == "from-the-balancer-42"
    assert GENERATED.fullmatch(client.get("/healthz")[HEADER])


def test_logging_settings_filter_every_console_record():
    console = settings.LOGGING["handlers"]["console"]
    assert "request_id" in console["filters"]
    assert settings.LOGGING["filters"]["request_id"]["()"] == "config.request_id.RequestIdFilter"
    assert "%(request_id)s" in settings.LOGGING["formatters"]["plain"]["format"]
    assert settings.MIDDLEWARE[0] == "config.request_id.RequestIdMiddleware"


def test_gunicorn_access_lines_become_json_with_the_request_fields():
    atoms = {
        "h": "10.0.0.9",
        "m": "GET",
        "U": "/learn/",
        "q": "page=2",
        "s": "200",
        "B": "5120",
        "D": "23456",
        "a": "Mozilla/5.0",
        "f": "-",
        "{x-request-id}o": "abc123def456",
    }
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, "%(m)s %(U)s %(s)s", (atoms,), None
    )
    line = json.loads(GunicornAccessFormatter().format(record))
    assert line["message"] == "GET /learn/ 200"
    assert line["request_id"] == "abc123def456"
    assert (line["method"], line["path"], line["query"]) == ("GET", "/learn/", "page=2")
    assert (line["status"], line["bytes"], line["duration_ms"]) == (200, 5120, 23.5)
    assert line["remote_addr"] == "10.0.0.9"
