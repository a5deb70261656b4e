"""Site administrators manage staff, with their CME profile, in the Wagtail admin."""

import pytest

from accounts.choices import Profession, TitleLevel
from accounts.errors import DepartmentOutsideInstitution
from accounts.models import User
from accounts.roles import Role
from tests.accounts.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, home, institutions):
    admin = UserFactory(role=Role.SITE_ADMINISTRATOR, is_superuser=True, is_staff=True)
    client.force_login(admin)
    return client


def _form(institutions, department, **overrides):
    data = {
        "email": "dawa@example.cn",
        "real_name": "达娃",
        "first_name": "",
        "last_name": "",
        "phone": "",
        "profession": Profession.NURSE,
        "title_level": TitleLevel.JUNIOR,
        "licence_number": "",
        "institution": institutions["hospital_a"].pk,
        "department": department.pk,
        "password1": "Namtso-lake-4718-blue",
        "password2": "Namtso-lake-4718-blue",
        "is_superuser": "",
    }
    return data | overrides


def test_admin_creates_a_staff_member_with_profile(admin_client, institutions):
    department = DepartmentFactory(institution=institutions["hospital_a"], name="护理部")
    page = admin_client.get("/admin/users/new/")
    assert page.status_code == 200
    assert 'name="real_name"' in page.content.decode()
    response = admin_client.post("/admin/users/new/", _form(institutions, department))
    assert response.status_code == 302, response.context["form"].errors
    user = User.objects.get(email="dawa@example.cn")
    assert user.real_name == "达娃"
    assert user.department == department
    assert user.profession == Profession.NURSE


def test_admin_cannot_file_staff_under_another_institutions_department(admin_client, institutions):
    elsewhere = DepartmentFactory(institution=institutions["hospital_b"], name="内科")
    response = admin_client.post("/admin/users/new/", _form(institutions, elsewhere))
    assert response.status_code == 200
    assert str(DepartmentOutsideInstitution.MESSAGE) in str(response.context["form"].errors)
    assert not User.objects.filter(email="dawa@example.cn").exists()


def test_granting_an_hr_scope_in_the_admin_makes_an_hr_officer(admin_client, institutions):
    officer = UserFactory(role=Role.LEARNER)
    response = admin_client.post(
        "/admin/snippets/accounts/hrscope/add/",
        {"user": officer.pk, "institution": institutions["county_a"].pk},
    )
    assert response.status_code == 302
    assert officer.hr_scopes.get().institution == institutions["county_a"]
    assert officer.groups.filter(name=Role.HR_OFFICER).exists()
