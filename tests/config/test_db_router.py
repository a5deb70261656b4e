"""Reports may read from a replica; nothing else does, and writes never do."""

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.template import engines
from django.template.response import SimpleTemplateResponse
from django.test import RequestFactory
from django.urls import resolve, reverse

from accounts.models import User
from config import db_router
from config.db_router import ReplicaReadsMiddleware, ReplicaRouter, reporting_reads

router = ReplicaRouter()


@pytest.fixture
def with_replica(monkeypatch):
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)


def test_without_a_replica_everything_uses_the_primary():
    with reporting_reads():
        assert router.db_for_read(User) == "default"
    assert router.db_for_write(User) == "default"


def test_reads_go_to_the_replica_only_inside_a_report(with_replica):
    # No test transaction here: a request outside transaction.atomic() is like this.
    assert router.db_for_read(User) == "default"
    with reporting_reads():
        assert router.db_for_read(User) == "replica"
        assert router.db_for_write(User) == "default"
    assert router.db_for_read(User) == "default"


def test_inside_a_transaction_reads_stay_on_the_primary(transactional_db, with_replica):
    with reporting_reads(), transaction.atomic():
        assert router.db_for_read(User) == "default"


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate("default", "lms") is True
    assert router.allow_migrate("replica", "lms") is False


def _request(method: str, path: str):
    request = getattr(RequestFactory(), method)(path)
    request.resolver_match = resolve(path)
    return request


def _seen_by(view_path: str, method: str = "get", *, views=("lms:hr_staff",)):
    seen = []

    def view(request):
        seen.append(router.db_for_read(User))
        return HttpResponse("ok")

    middleware = ReplicaReadsMiddleware(lambda request: HttpResponse("not reached"))
    middleware.views = frozenset(views)
    request = _request(method, view_path)
    response = middleware.process_view(request, view, (), {})
    if response is None:  # the middleware let the view run normally
        view(request)
    return seen


@pytest.mark.usefixtures("with_replica")
def test_the_middleware_wraps_only_the_named_report_views_on_get():
    assert _seen_by(reverse("lms:hr_staff")) == ["replica"]
    assert _seen_by(reverse("lms:hr_staff"), "head") == ["replica"]
    assert _seen_by(reverse("lms:hr_staff"), "post") == ["default"]
    assert _seen_by(reverse("lms:dashboard")) == ["default"]


def test_the_middleware_does_nothing_without_a_replica():
    assert _seen_by(reverse("lms:hr_staff")) == ["default"]


@pytest.mark.usefixtures("with_replica")
def test_a_lazy_template_response_is_rendered_inside_the_report():
    seen = []

    class Probe:
        def __str__(self):
            seen.append(router.db_for_read(User))
            return "probe"

    def view(request):
        return SimpleTemplateResponse(
            engines["django"].from_string("{{ probe }}"), {"probe": Probe()}
        )

    middleware = ReplicaReadsMiddleware(lambda request: HttpResponse())
    middleware.views = frozenset({"lms:hr_staff"})
    response = middleware.process_view(_request("get", reverse("lms:hr_staff")), view, (), {})
    assert response.content == b"probe"
    assert seen == ["replica"]
