"""The HR API (/api/v1/): each endpoint, scope, filters, pages, query counts, and the
authorisation matrix of every route against every kind of key."""

import datetime
import re
from decimal import Decimal as D

import pytest
from django.utils import timezone

from accounts.choices import InstitutionKind, Profession, TitleLevel
from accounts.services import api_key_create, api_key_revoke
from config.api import api
from courses.choices import CreditClass
from lms.compliance import ComplianceStatus
from lms.services.summaries import compliance_summaries_refresh_year
from tests.accounts.factories import DepartmentFactory, UserFactory, institution
from tests.certificates.factories import issued
from tests.lms.test_requirements import award, rule_set

pytestmark = pytest.mark.django_db
THIS_YEAR = timezone.localdate().year
BASE = "/api/v1"


# -- Data and keys -------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_rendering(monkeypatch):
    # Issuing a certificate queues its PDF after commit; no WeasyPrint here.
    monkeypatch.setattr("certificates.tasks.render_certificate.delay", lambda pk: None)


@pytest.fixture
def key_admin(institutions):
    return UserFactory(is_superuser=True, is_staff=True, institution=institutions["region"])


def make_key(institution, admin, **kwargs) -> str:
    _key, plaintext = api_key_create(
        institution=institution, name=f"{institution.name} HR", created_by=admin, **kwargs
    )
    return plaintext


def bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def tree(institutions):
    """The hospital, a sibling hospital in the same county, and the county."""
    sibling = institution(
        name="林周县藏医院",
        kind=InstitutionKind.TIBETAN_MEDICINE_HOSPITAL,
        parent=institutions["county_a"],
    )
    return {**institutions, "sibling": sibling}


@pytest.fixture
def keys(tree, key_admin) -> dict[str, str]:
    return {
        "hospital": make_key(tree["hospital_a"], key_admin),
        "sibling": make_key(tree["sibling"], key_admin),
        "county": make_key(tree["county_a"], key_admin),
    }


@pytest.fixture
def people(tree):
    surgery = DepartmentFactory(institution=tree["hospital_a"], name="外科")
    made = {
        "done": UserFactory(
            real_name="次仁卓玛", institution=tree["hospital_a"], department=surgery
        ),
        "some": UserFactory(
            real_name="扎西", institution=tree["hospital_a"], profession=Profession.NURSE
        ),
        "sibling": UserFactory(
            real_name="格桑", institution=tree["sibling"], title_level=TitleLevel.JUNIOR
        ),
        "other_county": UserFactory(real_name="达瓦", institution=tree["hospital_b"]),
    }
    rule_set(
        "国家标准",
        rules=[{"kind": "credits_total", "minimum": D(25)}],
    )
    award(made["done"], "10.5", CreditClass.CLASS_1_NATIONAL, hours=60, year=THIS_YEAR)
    award(made["done"], 15, CreditClass.CLASS_2, hours=30, year=THIS_YEAR)
    award(made["done"], 4, CreditClass.CLASS_2, hours=12, year=THIS_YEAR - 1)
    award(made["some"], 3, hours=9, year=THIS_YEAR)
    award(made["other_county"], 8, hours=24, year=THIS_YEAR)
    compliance_summaries_refresh_year(year=THIS_YEAR, today=datetime.date(THIS_YEAR, 11, 30))
    made["surgery"] = surgery
    return made


@pytest.fixture
def certificate(home, catalogue, people):
    return issued(people["done"], catalogue)


def get(client, path, key=None, **params):
    extra = bearer(key) if key else {}
    return client.get(f"{BASE}{path}", params, HTTP_ACCEPT_LANGUAGE="en", **extra)


def names(response) -> set[str]:
    return {row["name"] for row in response.json()["items"]}


# -- Keys at the door ------------------------------------------------------------------------


def test_no_key_is_a_401(client, people):
    response = get(client, "/staff")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_the_key_may_come_in_x_api_key(client, keys, people):
    response = client.get(f"{BASE}/staff", HTTP_X_API_KEY=keys["hospital"])
    assert response.status_code == 200
    assert names(response) == {"次仁卓玛", "扎西"}


def test_a_session_login_is_no_key(client, people):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert get(client, "/staff").status_code == 401


def test_the_schema_and_the_docs_are_public_and_local(client):
    schema = client.get(f"{BASE}/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["info"]["version"] == "1"
    docs = client.get(f"{BASE}/docs")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()


def test_the_schema_describes_amounts_as_strings(client):
    components = client.get(f"{BASE}/openapi.json").json()["components"]["schemas"]
    credits = components["LedgerEntryOut"]["properties"]["credits"]
    assert credits["type"] == "string"
    assert credits["format"] == "decimal"


def test_use_is_recorded_at_most_once_a_minute(client, keys, people, django_assert_num_queries):
    from accounts.models import ApiKey

    key = ApiKey.objects.get(prefix=keys["hospital"].split("_")[1])
    assert key.last_used_at is None
    assert get(client, "/staff", keys["hospital"]).status_code == 200
    key.refresh_from_db()
    first = key.last_used_at
    assert first is not None
    # Within the minute: the key's read, no write.
    with django_assert_num_queries(3):  # key, count, page
        assert get(client, "/staff", keys["hospital"]).status_code == 200
    key.refresh_from_db()
    assert key.last_used_at == first


# -- Staff ---------------------------------------------------------------------------------


def test_a_hospital_key_lists_only_its_hospital(client, keys, people):
    response = get(client, "/staff", keys["hospital"])
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [row["name"] for row in body["items"]] == sorted(["次仁卓玛", "扎西"])


def test_a_county_key_lists_the_whole_county(client, keys, people):
    seen = names(get(client, "/staff", keys["county"]))
    assert seen == {"次仁卓玛", "扎西", "格桑"}


def test_a_staff_row_carries_profile_and_summary(client, keys, people):
    response = get(client, "/staff", keys["hospital"], search="次仁")
    (row,) = response.json()["items"]
    person = people["done"]
    assert row["id"] == person.pk
    assert row["email"] == person.email
    assert row["profession"] == "doctor"
    assert row["profession_label"] == "Doctor"
    assert row["institution"]["name"] == "林周县人民医院"
    assert row["department"] == {"id": people["surgery"].pk, "name": "外科"}
    summary = row["summary"]
    assert summary["year"] == THIS_YEAR
    assert summary["status"] == ComplianceStatus.COMPLIANT
    assert summary["credits_total"] == "25.50"
    assert summary["credits_class_1_national"] == "10.50"
    assert summary["hours_total"] == "90.00"
    assert summary["computed_at"]


def test_a_person_without_a_summary_is_pending(client, keys, tree, people):
    UserFactory(real_name="新人", institution=tree["hospital_a"])
    response = get(client, "/staff", keys["hospital"], search="新人")
    (row,) = response.json()["items"]
    assert row["summary"]["status"] == "pending"
    assert row["summary"]["credits_total"] is None
    assert row["summary"]["gaps"] == []


def test_staff_filters(client, keys, tree, people):
    key = keys["county"]
    assert names(get(client, "/staff", key, profession="nurse")) == {"扎西"}
    assert names(get(client, "/staff", key, title_level="junior")) == {"格桑"}
    assert names(get(client, "/staff", key, institution=tree["sibling"].pk)) == {"格桑"}
    assert names(get(client, "/staff", key, department=people["surgery"].pk)) == {"次仁卓玛"}
    assert names(get(client, "/staff", key, status="compliant")) == {"次仁卓玛"}
    assert names(get(client, "/staff", key, search="扎")) == {"扎西"}
    # Last year nobody had a summary computed.
    last_year = get(client, "/staff", key, year=THIS_YEAR - 1).json()["items"]
    assert {row["summary"]["status"] for row in last_year} == {"pending"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"profession": "astronaut"}, "profession"),
        ({"status": "great"}, "status"),
        ({"year": "1999"}, "year"),
        ({"year": "soon"}, "year"),
        ({"institution": "x"}, "institution"),
        ({"limit": "201"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"search": "a\x00b"}, "search"),
    ],
)
def test_unknown_filter_values_are_a_422(client, keys, people, params, field):
    response = get(client, "/staff", keys["hospital"], **params)
    assert response.status_code == 422
    assert any(error["loc"][-1] == field for error in response.json()["detail"])


def test_an_institution_or_department_outside_the_scope_matches_nobody(client, keys, tree, people):
    elsewhere = DepartmentFactory(institution=tree["hospital_b"], name="内科")
    for params in (
        {"institution": tree["hospital_b"].pk},
        {"institution": 999_999},
        {"department": elsewhere.pk},
    ):
        response = get(client, "/staff", keys["hospital"], **params)
        assert response.status_code == 200
        assert response.json() == {"items": [], "count": 0}


def test_pages(client, keys, tree, people):
    for number in range(5):
        UserFactory(real_name=f"员工{number}", institution=tree["hospital_a"])
    first = get(client, "/staff", keys["hospital"], limit=3).json()
    second = get(client, "/staff", keys["hospital"], limit=3, offset=3).json()
    assert first["count"] == second["count"] == 7
    assert len(first["items"]) == 3
    assert len(second["items"]) == 3
    ids = [row["id"] for row in first["items"] + second["items"]]
    assert len(set(ids)) == 6


@pytest.mark.parametrize("count", [5, 40])
def test_the_staff_list_costs_the_same_queries_whatever_the_staff(
    client, keys, tree, people, count, django_assert_num_queries
):
    for number in range(count):
        UserFactory(real_name=f"员工{number}", institution=tree["hospital_a"])
    get(client, "/staff", keys["hospital"])  # records the key's use
    with django_assert_num_queries(3):  # the key, the count, the page
        response = get(client, "/staff", keys["hospital"], limit=200)
    assert len(response.json()["items"]) == count + 2


@pytest.mark.parametrize("count", [5, 40])
def test_the_certificate_list_costs_the_same_queries(
    client, keys, tree, catalogue, people, count, django_assert_num_queries
):
    for _number in range(count // 5):
        issued(UserFactory(institution=tree["hospital_a"]), catalogue)
    get(client, "/certificates", keys["hospital"])
    with django_assert_num_queries(3):
        response = get(client, "/certificates", keys["hospital"], limit=200)
    assert response.json()["count"] == count // 5


def test_one_person(client, keys, people):
    person = people["some"]
    response = get(client, f"/staff/{person.pk}", keys["hospital"])
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "扎西"
    assert body["summary"]["credits_total"] == "3.00"
    older = get(client, f"/staff/{person.pk}", keys["hospital"], year=THIS_YEAR - 1).json()
    assert older["summary"]["status"] == "pending"


def test_people_outside_the_scope_are_a_404(client, keys, people):
    for person in (people["sibling"], people["other_county"]):
        for path in (
            f"/staff/{person.pk}",
            f"/staff/{person.pk}/compliance/{THIS_YEAR}",
            f"/staff/{person.pk}/ledger",
        ):
            response = get(client, path, keys["hospital"])
            assert response.status_code == 404, path
            assert person.real_name not in response.content.decode()
    assert get(client, "/staff/999999", keys["hospital"]).status_code == 404


def test_inactive_staff_are_not_served(client, keys, people):
    person = people["some"]
    person.is_active = False
    person.save(update_fields=["is_active"])
    assert get(client, f"/staff/{person.pk}", keys["hospital"]).status_code == 404
    assert "扎西" not in names(get(client, "/staff", keys["hospital"]))


# -- Compliance and the ledger -------------------------------------------------------------------


def test_compliance_of_a_year(client, keys, people):
    person = people["some"]
    response = get(client, f"/staff/{person.pk}/compliance/{THIS_YEAR}", keys["hospital"])
    assert response.status_code == 200
    body = response.json()
    assert body["staff_id"] == person.pk
    assert body["year"] == THIS_YEAR
    assert body["rule_set"] == {"name": "国家标准", "version": "test"}
    assert body["credits_by_class"]["class_2"] == "3.00"
    (check,) = body["checks"]
    assert check["required"] == "25.00"
    assert check["earned"] == "3.00"
    assert check["met"] is False
    assert body["gaps"] == [check["gap"]]
    assert body["status"] in {s.value for s in ComplianceStatus}


def test_compliance_years_are_bounded(client, keys, people):
    person = people["some"]
    assert get(client, f"/staff/{person.pk}/compliance/1999", keys["hospital"]).status_code == 422
    assert get(client, f"/staff/{person.pk}/compliance/x", keys["hospital"]).status_code == 422


def test_the_ledger(client, keys, people):
    person = people["done"]
    everything = get(client, f"/staff/{person.pk}/ledger", keys["hospital"]).json()
    assert everything["count"] == 3
    assert [row["year"] for row in everything["items"]] == [THIS_YEAR - 1, THIS_YEAR, THIS_YEAR]
    this_year = get(client, f"/staff/{person.pk}/ledger", keys["hospital"], year=THIS_YEAR)
    rows = this_year.json()["items"]
    assert [row["credits"] for row in rows] == ["10.50", "15.00"]
    assert rows[0]["credit_class"] == "class_1_national"
    assert rows[0]["credit_class_label"] == "Class I (national project)"
    assert rows[0]["study_hours"] == "60.00"
    assert rows[0]["reverses"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT.*", rows[0]["created_at"])


# -- Certificates ----------------------------------------------------------------------------


def test_certificates_of_the_scope(client, keys, catalogue, people, certificate):
    outside = issued(people["other_county"], catalogue)
    body = get(client, "/certificates", keys["hospital"]).json()
    assert [row["serial_number"] for row in body["items"]] == [certificate.serial_number]
    row = body["items"][0]
    assert row["status"] == "valid"
    assert row["staff_id"] == people["done"].pk
    assert row["course_title"] == certificate.course_title
    assert row["credits"] == "2.00"
    assert row["verification_url"].endswith(f"/verify/{certificate.verification_code}/")
    assert "pdf" not in row
    for params in ({"serial": outside.serial_number}, {"staff": people["other_county"].pk}):
        assert get(client, "/certificates", keys["hospital"], **params).json()["count"] == 0


def test_certificate_filters(client, keys, people, certificate):
    key = keys["county"]
    assert get(client, "/certificates", key, serial=certificate.serial_number).json()["count"] == 1
    assert get(client, "/certificates", key, serial="LSCME-1999-000001").json()["count"] == 0
    assert get(client, "/certificates", key, staff=people["done"].pk).json()["count"] == 1
    assert get(client, "/certificates", key, staff=people["some"].pk).json()["count"] == 0
    year = certificate.serial_year
    assert get(client, "/certificates", key, year=year).json()["count"] == 1
    assert get(client, "/certificates", key, year=year - 1).json()["count"] == 0


# -- Throttling ------------------------------------------------------------------------------


def test_requests_are_counted_per_key(client, keys, people, monkeypatch):
    (throttle,) = [t for t in api.throttle if t.__class__.__name__ == "ApiKeyRateThrottle"]
    monkeypatch.setattr(throttle, "num_requests", 2)
    assert get(client, "/staff", keys["hospital"]).status_code == 200
    assert get(client, "/staff", keys["hospital"]).status_code == 200
    refused = get(client, "/staff", keys["hospital"])
    assert refused.status_code == 429
    assert refused.json() == {"detail": "Too many requests."}
    # Another key has its own count.
    assert get(client, "/staff", keys["county"]).status_code == 200


# -- The authorisation matrix ------------------------------------------------------------------

# Every route of the API: how to call it about the hospital's person, whether a
# stranger to the person gets a 404 ("detail") or a list without them ("list"), and
# how to tell that a 200 holds the person's data. A new route without a row fails
# `test_the_matrix_covers_every_route`.
ROUTES = {
    "/api/v1/staff": (
        "list",
        lambda person: "/staff",
        lambda body, person: any(row["id"] == person.pk for row in body["items"]),
    ),
    "/api/v1/staff/{staff_id}": (
        "detail",
        lambda person: f"/staff/{person.pk}",
        lambda body, person: body["id"] == person.pk,
    ),
    "/api/v1/staff/{staff_id}/compliance/{year}": (
        "detail",
        lambda person: f"/staff/{person.pk}/compliance/{THIS_YEAR}",
        lambda body, person: body["staff_id"] == person.pk,
    ),
    "/api/v1/staff/{staff_id}/ledger": (
        "detail",
        lambda person: f"/staff/{person.pk}/ledger",
        lambda body, person: body["count"] == person.credit_entries.count() > 0,
    ),
    "/api/v1/certificates": (
        "list",
        lambda person: "/certificates",
        lambda body, person: any(row["staff_id"] == person.pk for row in body["items"]),
    ),
}
ALLOWED, HIDDEN, REFUSED = "allowed", "hidden", "refused"
KEY_CASES = {
    "no key": REFUSED,
    "malformed key": REFUSED,
    "unknown key": REFUSED,
    "revoked key": REFUSED,
    "expired key": REFUSED,
    "key of the institution": ALLOWED,
    "key of a sibling hospital": HIDDEN,
    "key of the parent county": ALLOWED,
}


def test_the_matrix_covers_every_route():
    schema = api.get_openapi_schema(path_params={})
    routes = {path for path, methods in schema["paths"].items() for _method in methods}
    assert routes == set(ROUTES)
    methods = {method for methods in schema["paths"].values() for method in methods}
    assert methods == {"get"}, "the API is read-only"


def _presented(case: str, ctx) -> dict:
    keys, tree, admin = ctx["keys"], ctx["tree"], ctx["admin"]
    if case == "no key":
        return {}
    if case == "malformed key":
        return bearer("not-a-key")
    if case == "unknown key":
        return bearer(f"scme_0badc0de_{'A' * 43}")
    if case == "revoked key":
        key, plaintext = api_key_create(
            institution=tree["hospital_a"], name="old system", created_by=admin
        )
        api_key_revoke(key=key, revoked_by=admin)
        return bearer(plaintext)
    if case == "expired key":
        return bearer(
            make_key(
                tree["hospital_a"],
                admin,
                expires_at=timezone.now() - datetime.timedelta(seconds=1),
            )
        )
    return bearer(
        {
            "key of the institution": keys["hospital"],
            "key of a sibling hospital": keys["sibling"],
            "key of the parent county": keys["county"],
        }[case]
    )


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("case", list(KEY_CASES))
def test_authorisation_matrix(client, tree, keys, key_admin, people, certificate, route, case):
    kind, build, holds_person = ROUTES[route]
    person = people["done"]
    ctx = {"keys": keys, "tree": tree, "admin": key_admin}
    response = client.get(f"{BASE}{build(person)}", **_presented(case, ctx))
    expected = KEY_CASES[case]
    if expected == REFUSED:
        assert response.status_code == 401
        assert response.json() == {"detail": "Unauthorized"}
    elif expected == HIDDEN:
        if kind == "detail":
            assert response.status_code == 404
        else:
            assert response.status_code == 200
            assert not holds_person(response.json(), person)
        assert person.real_name not in response.content.decode()
    else:
        assert response.status_code == 200
        assert holds_person(response.json(), person)
