"""The HR API against its own OpenAPI schema (schemathesis): for generated requests
to every operation, with a valid key, no server error and every response as the
schema describes it (status code, content type, headers, body)."""

import datetime
import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from ninja.responses import NinjaJSONEncoder

from config.api import api
from courses.choices import CreditClass
from lms.services.summaries import compliance_summaries_refresh_year
from tests.accounts.factories import DepartmentFactory, UserFactory
from tests.certificates.factories import issued
from tests.lms.test_api import make_key
from tests.lms.test_requirements import award

THIS_YEAR = timezone.localdate().year


@pytest.fixture
def _one_connection():
    """Requests go through the WSGI handler, which closes "old" database connections
    at their start and end; in a test that would close the test's transaction. Django's
    test client detaches the same signal handler while it runs a request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_key(db, home, catalogue, institutions, monkeypatch):
    monkeypatch.setattr("certificates.tasks.render_certificate.delay", lambda pk: None)
    admin = UserFactory(is_superuser=True, is_staff=True, institution=institutions["region"])
    hospital = institutions["hospital_a"]
    surgery = DepartmentFactory(institution=hospital, name="外科")
    staff = [
        UserFactory(real_name=f"员工{n}", institution=hospital, department=surgery)
        for n in range(3)
    ]
    UserFactory(real_name="外县", institution=institutions["hospital_b"])
    award(staff[0], "10.5", CreditClass.CLASS_1_NATIONAL, hours=30, year=THIS_YEAR)
    award(staff[1], 2, hours=6, year=THIS_YEAR - 1)
    compliance_summaries_refresh_year(year=THIS_YEAR, today=datetime.date(THIS_YEAR, 6, 30))
    issued(staff[0], catalogue)
    return make_key(institutions["county_a"], admin)


# The schema as /api/v1/openapi.json serves it (a test below holds the two equal), sent
# to the whole Django stack through its WSGI handler.
OPENAPI = json.loads(json.dumps(api.get_openapi_schema(path_params={}), cls=NinjaJSONEncoder))
schema = schemathesis.openapi.from_dict(OPENAPI)
schema.app = WSGIHandler()


def test_the_tested_schema_is_the_served_one(client):
    assert client.get("/api/v1/openapi.json").json() == OPENAPI


@pytest.mark.usefixtures("_one_connection")
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_its_schema(case, api_key):
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {api_key}", "Accept-Language": "en"}
    )
    assert response.status_code < 500
    if case.method == "GET":
        assert response.status_code != 401, "the key is valid"
