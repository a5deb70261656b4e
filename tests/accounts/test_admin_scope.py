"""Departments in the Wagtail admin keep to the HR officer's scope.

An HR officer may add and change departments, but only those of the institutions of
their HR scope: the list shows no other, every view of another one answers 404, and the
form offers (and accepts) only institutions and heads from the scope. Site
administrators and superusers manage every department. Institutions and HR scopes are
changed by site administrators only (no HR officer holds a permission on them).
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.admin_forms import DepartmentAdminForm
from accounts.models import Department
from accounts.roles import Role
from accounts.selectors import departments_for_admin
from accounts.services import hr_scope_grant
from tests.accounts.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

NS = "wagtailsnippets_accounts_department"
OBJECT_VIEWS = ("edit", "usage", "history", "history_results", "copy")


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def officer(home, institutions):
    """An HR officer of county A (hospital A and the township health centre)."""
    user = UserFactory(role=Role.HR_OFFICER, institution=institutions["hospital_a"])
    hr_scope_grant(user=user, institution=institutions["county_a"])
    return user


@pytest.fixture
def site_admin(home, institutions):
    return UserFactory(role=Role.SITE_ADMINISTRATOR, institution=institutions["region"])


@pytest.fixture
def inside(institutions):
    return DepartmentFactory(institution=institutions["hospital_a"], name="SCOPE内科")


@pytest.fixture
def outside(institutions):
    return DepartmentFactory(institution=institutions["hospital_b"], name="SCOPE外科")


def url(view: str, department=None) -> str:
    return reverse(f"{NS}:{view}", args=[department.pk] if department else [])


def form_data(*, institution, name="SCOPE新科室", head=None) -> dict:
    return {"institution": institution.pk, "name": name, "head": head.pk if head else ""}


# -- The list -------------------------------------------------------------------------------


def test_the_list_shows_an_officer_the_departments_of_their_scope(client, officer, inside, outside):
    client.force_login(officer)

    body = client.get(url("list")).content.decode()

    assert inside.name in body
    assert outside.name not in body


def test_searching_finds_nothing_outside_the_scope(client, officer, inside, outside):
    client.force_login(officer)

    body = client.get(url("list_results"), {"q": "SCOPE"}).content.decode()

    assert inside.name in body
    assert outside.name not in body


def test_a_site_administrator_sees_every_department(client, site_admin, inside, outside):
    client.force_login(site_admin)

    body = client.get(url("list")).content.decode()

    assert inside.name in body
    assert outside.name in body


def test_the_list_s_queries_do_not_grow_with_the_departments(client, officer, institutions, inside):
    client.force_login(officer)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("list")).status_code == 200
        return len(queries)

    client.get(url("list"))  # warm the session and caches
    before = count()
    for n in range(5):
        head = UserFactory(institution=institutions["township_a"])
        DepartmentFactory(institution=institutions["township_a"], name=f"SCOPE{n}", head=head)
    assert count() == before


# -- One department -------------------------------------------------------------------------


@pytest.mark.parametrize("view", OBJECT_VIEWS)
def test_a_department_outside_the_scope_is_not_found(client, officer, outside, view):
    client.force_login(officer)

    response = client.get(url(view, outside))

    assert response.status_code == 404
    assert outside.name not in response.content.decode()


@pytest.mark.parametrize("view", OBJECT_VIEWS)
def test_a_department_inside_the_scope_opens(client, officer, inside, view):
    client.force_login(officer)

    assert client.get(url(view, inside)).status_code == 200


@pytest.mark.parametrize("view", OBJECT_VIEWS)
def test_a_site_administrator_opens_any_department(client, site_admin, outside, view):
    client.force_login(site_admin)

    assert client.get(url(view, outside)).status_code == 200


def test_an_officer_cannot_change_a_department_outside_the_scope(
    client, officer, outside, institutions
):
    client.force_login(officer)

    response = client.post(
        url("edit", outside), form_data(institution=institutions["hospital_b"], name="改名")
    )

    assert response.status_code == 404
    outside.refresh_from_db()
    assert outside.name == "SCOPE外科"


def test_an_officer_without_a_scope_sees_no_department(client, home, institutions, inside):
    lonely = UserFactory(role=Role.HR_OFFICER, institution=institutions["hospital_a"])
    client.force_login(lonely)

    assert inside.name not in client.get(url("list")).content.decode()
    assert client.get(url("edit", inside)).status_code == 404


# -- The form -------------------------------------------------------------------------------


def test_the_form_offers_the_institutions_of_the_scope(client, officer, institutions):
    client.force_login(officer)

    response = client.get(url("add"))

    offered = set(response.context["form"].fields["institution"].queryset)
    assert offered == {
        institutions["county_a"],
        institutions["hospital_a"],
        institutions["township_a"],
    }
    body = response.content.decode()
    assert institutions["hospital_a"].name in body
    assert institutions["hospital_b"].name not in body


def test_an_officer_adds_a_department_in_the_scope(client, officer, institutions):
    client.force_login(officer)

    response = client.post(url("add"), form_data(institution=institutions["township_a"]))

    assert response.status_code == 302
    assert Department.objects.filter(
        name="SCOPE新科室", institution=institutions["township_a"]
    ).exists()


def test_an_officer_cannot_add_a_department_outside_the_scope(client, officer, institutions):
    client.force_login(officer)

    response = client.post(url("add"), form_data(institution=institutions["hospital_b"]))

    assert response.status_code == 200
    assert "institution" in response.context["form"].errors
    assert not Department.objects.filter(name="SCOPE新科室").exists()


def test_an_officer_cannot_move_a_department_out_of_the_scope(
    client, officer, inside, institutions
):
    client.force_login(officer)

    response = client.post(
        url("edit", inside), form_data(institution=institutions["hospital_b"], name=inside.name)
    )

    assert response.status_code == 200
    assert "institution" in response.context["form"].errors
    inside.refresh_from_db()
    assert inside.institution == institutions["hospital_a"]


def test_the_head_is_chosen_among_the_staff_of_the_scope(client, officer, inside, institutions):
    stranger = UserFactory(institution=institutions["hospital_b"], real_name="SCOPE外院医生")
    colleague = UserFactory(institution=institutions["hospital_a"], real_name="SCOPE本院医生")
    client.force_login(officer)

    body = client.get(url("edit", inside)).content.decode()
    assert colleague.real_name in body
    assert stranger.real_name not in body

    response = client.post(
        url("edit", inside),
        form_data(institution=institutions["hospital_a"], name=inside.name, head=stranger),
    )
    assert "head" in response.context["form"].errors
    inside.refresh_from_db()
    assert inside.head is None


def test_a_site_administrator_adds_a_department_anywhere(client, site_admin, institutions):
    client.force_login(site_admin)

    response = client.post(url("add"), form_data(institution=institutions["hospital_b"]))

    assert response.status_code == 302
    assert Department.objects.filter(institution=institutions["hospital_b"]).exists()


def test_a_form_without_a_user_offers_nothing(institutions):
    form = DepartmentAdminForm(data=form_data(institution=institutions["hospital_a"]))

    assert not form.is_valid()
    assert "institution" in form.errors


# -- The selector ---------------------------------------------------------------------------


def test_departments_for_admin(institutions, officer, site_admin, inside, outside):
    superuser = UserFactory(is_superuser=True, institution=institutions["region"])

    assert list(departments_for_admin(user=officer)) == [inside]
    assert set(departments_for_admin(user=site_admin)) == {inside, outside}
    assert set(departments_for_admin(user=superuser)) == {inside, outside}
    assert not departments_for_admin(user=AnonymousUser()).exists()


# -- Institutions and HR scopes: site administrators only -----------------------------------


@pytest.mark.parametrize("model", ["institution", "hrscope"])
def test_an_officer_may_not_manage_institutions_or_scopes(client, officer, institutions, model):
    client.force_login(officer)

    assert client.get(reverse(f"wagtailsnippets_accounts_{model}:list")).status_code == 403
    assert not officer.has_perm(f"accounts.change_{model}")
    assert not officer.has_perm(f"accounts.add_{model}")
