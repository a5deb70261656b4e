"""/healthz: the database, the cache and the broker, for load balancers."""

import json

import pytest

from config import health
from tests.services import needs_redis

pytestmark = pytest.mark.django_db
URL = "/healthz"


def test_healthy_answers_200_with_every_check(client, django_assert_num_queries):
    with django_assert_num_queries(1):  # SELECT 1, and nothing else (no session, no user)
        response = client.get(URL)
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["cache"]["status"] == "ok"
    # The test settings run tasks in-process: there is no broker to check.
    assert body["checks"]["broker"]["status"] == "not used"
    assert all(isinstance(check["ms"], float) for check in body["checks"].values())


def test_never_cached_and_sets_no_cookie(client):
    response = client.get(URL)
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies
    assert response["Content-Type"] == "application/json"


def test_head_works_and_post_is_refused_without_csrf_trouble(client):
    assert client.head(URL).status_code == 200
    csrf_client = client.__class__(enforce_csrf_checks=True)
    assert csrf_client.post(URL).status_code == 405


@pytest.mark.parametrize("failing", ["database", "cache", "broker"])
def test_a_failing_check_answers_503_and_names_it_without_details(
    client, monkeypatch, failing, caplog
):
    def broken(*args, **kwargs):
        raise ConnectionError("could not reach 10.0.0.7:5432")

    monkeypatch.setattr(health, f"check_{failing}", broken)
    response = client.get(URL)
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "failed"
    assert body["checks"][failing]["status"] == "failed"
    others = {name for name in body["checks"] if name != failing}
    assert all(body["checks"][name]["status"] != "failed" for name in others)
    # The public answer names the check, not the internal address; the log has it all.
    assert b"10.0.0.7" not in response.content
    assert "10.0.0.7" in caplog.text


def test_the_broker_check_fails_fast_on_a_closed_port():
    with pytest.raises(Exception, match=r"111|refused"):
        health.check_broker("redis://127.0.0.1:1/0")


@needs_redis
def test_the_broker_check_passes_against_a_real_redis():
    assert health.check_broker("redis://127.0.0.1:6379/15") == "ok"


def test_a_replica_is_reported_but_never_fails_the_check(client, monkeypatch):
    monkeypatch.setattr(health, "replica_configured", lambda: True)

    def replica_down(alias="default"):
        if alias == "replica":
            raise ConnectionError("replica down")

    monkeypatch.setattr(health, "check_database", replica_down)
    response = client.get(URL)
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["checks"]["replica"]["status"] == "failed"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["replica"]["critical"] is False


def test_load_balancers_reach_it_over_plain_http_when_https_is_enforced(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # as in production.py
    assert client.get(URL).status_code == 200
    assert client.get("/verify/").status_code == 301
