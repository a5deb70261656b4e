"""The learner's own profile page (accounts:profile) and the service behind it."""

import pytest
from django.urls import reverse

from accounts.choices import Profession, TitleLevel
from accounts.errors import DepartmentOutsideInstitution
from accounts.models import User
from accounts.services import user_profile_update
from tests.accounts.factories import DepartmentFactory

PROFILE_URL = reverse("accounts:profile")


@pytest.fixture
def ward(institutions):
    return DepartmentFactory(institution=institutions["hospital_a"], name="内科")


@pytest.fixture
def other_ward(institutions):
    return DepartmentFactory(institution=institutions["hospital_b"], name="外科")


@pytest.fixture
def profile_data(learner, institutions, ward):
    return {
        "real_name": "次仁央宗",
        "phone": "0891-6321234",
        "profession": Profession.PHARMACIST,
        "title_level": TitleLevel.ASSOCIATE_SENIOR,
        "licence_number": "XZ-2019-000123",
        "institution": institutions["hospital_a"].pk,
        "department": ward.pk,
    }


def snapshot(user: User) -> dict:
    user = User.objects.get(pk=user.pk)
    return {
        field: getattr(user, field)
        for field in (
            "real_name",
            "phone",
            "profession",
            "title_level",
            "licence_number",
            "institution_id",
            "department_id",
        )
    }


class TestAccess:
    def test_anonymous_is_sent_to_login(self, client, db):
        response = client.get(PROFILE_URL)

        assert response.status_code == 302
        assert response.url == f"{reverse('account_login')}?next={PROFILE_URL}"

    def test_anonymous_post_changes_nothing(self, client, learner, profile_data):
        before = snapshot(learner)

        response = client.post(PROFILE_URL, profile_data)

        assert response.status_code == 302
        assert snapshot(learner) == before

    def test_put_is_not_allowed(self, client, learner):
        client.force_login(learner)

        assert client.put(PROFILE_URL).status_code == 405


class TestShow:
    def test_shows_the_current_values(self, client, learner, institutions, ward):
        learner.licence_number = "XZ-000777"
        learner.department = ward
        learner.save()
        client.force_login(learner)

        response = client.get(PROFILE_URL)

        assert response.status_code == 200
        form = response.context["form"]
        assert form.initial["real_name"] == learner.real_name
        assert form.initial["profession"] == Profession.DOCTOR
        assert form.initial["title_level"] == TitleLevel.INTERMEDIATE
        assert form.initial["institution"] == institutions["hospital_a"].pk
        assert form.initial["department"] == ward.pk
        html = response.content.decode()
        assert learner.email in html
        assert f'value="{learner.real_name}"' in html
        assert 'value="XZ-000777"' in html
        assert f'<option value="{ward.pk}" selected>' in html
        assert f'<option value="{institutions["hospital_a"].pk}" selected>' in html

    def test_offers_only_the_departments_of_the_users_institution(
        self, client, learner, ward, other_ward
    ):
        client.force_login(learner)

        response = client.get(PROFILE_URL)

        html = response.content.decode()
        assert f'<option value="{ward.pk}"' in html
        assert f'<option value="{other_ward.pk}"' not in html

    def test_offers_no_area_as_institution(self, client, learner, institutions):
        client.force_login(learner)

        response = client.get(PROFILE_URL)

        offered = set(response.context["form"].fields["institution"].queryset)
        assert institutions["hospital_b"] in offered
        assert institutions["county_a"] not in offered
        assert institutions["region"] not in offered


class TestUpdate:
    def test_saves_every_field(self, client, learner, institutions, ward, profile_data):
        client.force_login(learner)

        response = client.post(PROFILE_URL, profile_data)

        assert response.status_code == 302
        assert response.url == PROFILE_URL
        assert snapshot(learner) == {
            "real_name": "次仁央宗",
            "phone": "0891-6321234",
            "profession": Profession.PHARMACIST,
            "title_level": TitleLevel.ASSOCIATE_SENIOR,
            "licence_number": "XZ-2019-000123",
            "institution_id": institutions["hospital_a"].pk,
            "department_id": ward.pk,
        }
        response = client.get(PROFILE_URL)
        assert [str(m) for m in response.context["messages"]]

    def test_moves_to_another_institution_and_its_department(
        self, client, learner, institutions, other_ward, profile_data
    ):
        client.force_login(learner)
        profile_data.update(institution=institutions["hospital_b"].pk, department=other_ward.pk)

        response = client.post(PROFILE_URL, profile_data)

        assert response.status_code == 302
        learner.refresh_from_db()
        assert learner.institution == institutions["hospital_b"]
        assert learner.department == other_ward

    def test_strips_whitespace_and_allows_empty_optional_fields(
        self, client, learner, profile_data
    ):
        client.force_login(learner)
        profile_data.update(
            real_name="  次仁  ", phone="", licence_number="", institution="", department=""
        )

        response = client.post(PROFILE_URL, profile_data)

        assert response.status_code == 302
        assert snapshot(learner) == {
            "real_name": "次仁",
            "phone": "",
            "profession": Profession.PHARMACIST,
            "title_level": TitleLevel.ASSOCIATE_SENIOR,
            "licence_number": "",
            "institution_id": None,
            "department_id": None,
        }

    def test_department_of_another_institution_is_refused(
        self, client, learner, other_ward, profile_data
    ):
        client.force_login(learner)
        before = snapshot(learner)
        profile_data["department"] = other_ward.pk  # institution stays hospital_a

        response = client.post(PROFILE_URL, profile_data)

        assert response.status_code == 200
        errors = response.context["form"].errors
        assert errors["department"] == [str(DepartmentOutsideInstitution.MESSAGE)]
        assert str(DepartmentOutsideInstitution.MESSAGE) in response.content.decode()
        assert snapshot(learner) == before

    def test_department_without_institution_is_refused(self, client, learner, ward, profile_data):
        client.force_login(learner)
        before = snapshot(learner)
        profile_data["institution"] = ""

        response = client.post(PROFILE_URL, profile_data)

        assert response.status_code == 200
        assert response.context["form"].errors["department"] == [
            str(DepartmentOutsideInstitution.MESSAGE)
        ]
        assert snapshot(learner) == before

    def test_keeps_the_users_input_after_an_error(self, client, learner, other_ward, profile_data):
        client.force_login(learner)
        profile_data["department"] = other_ward.pk

        response = client.post(PROFILE_URL, profile_data)

        assert 'value="次仁央宗"' in response.content.decode()

    @pytest.mark.parametrize("licence_number", ["ab!", "12345", "x" * 31, "XZ 2019 0001"])
    def test_invalid_licence_number_is_refused(self, client, learner, profile_data, licence_number):
        client.force_login(learner)
        before = snapshot(learner)
        profile_data["licence_number"] = licence_number

        response = client.post(PROFILE_URL, profile_data)

        assert response.status_code == 200
        errors = response.context["form"].errors["licence_number"]
        assert errors
        assert snapshot(learner) == before

    def test_invalid_licence_number_message_says_what_is_allowed(
        self, client, learner, profile_data
    ):
        client.force_login(learner)
        profile_data["licence_number"] = "ab!"

        with_translation = client.post(PROFILE_URL, profile_data, HTTP_ACCEPT_LANGUAGE="en")

        assert with_translation.context["form"].errors["licence_number"] == [
            "A licence number has 6 to 30 letters, digits or hyphens."
        ]

    def test_invalid_phone_is_refused(self, client, learner, profile_data):
        client.force_login(learner)
        before = snapshot(learner)
        profile_data["phone"] = "call me"

        response = client.post(PROFILE_URL, profile_data)

        assert response.status_code == 200
        assert response.context["form"].errors["phone"]
        assert snapshot(learner) == before

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("real_name", ""),
            ("real_name", "   "),
            ("profession", "astronaut"),
            ("title_level", ""),
            ("institution", "999999"),
            ("institution", "abc"),
            ("department", "999999"),
            ("department", "abc"),
        ],
    )
    def test_bad_values_are_refused(self, client, learner, profile_data, field, value):
        client.force_login(learner)
        before = snapshot(learner)
        profile_data[field] = value

        response = client.post(PROFILE_URL, profile_data)

        assert response.status_code == 200
        assert response.context["form"].errors[field]
        assert snapshot(learner) == before

    def test_area_is_refused_as_institution(self, client, learner, institutions, profile_data):
        client.force_login(learner)
        before = snapshot(learner)
        profile_data.update(institution=institutions["county_a"].pk, department="")

        response = client.post(PROFILE_URL, profile_data)

        assert response.status_code == 200
        assert response.context["form"].errors["institution"]
        assert snapshot(learner) == before


class TestService:
    def test_refuses_a_department_outside_the_institution(self, learner, institutions, other_ward):
        with pytest.raises(DepartmentOutsideInstitution) as caught:
            user_profile_update(
                user=learner,
                real_name="新名字",
                profession=Profession.DOCTOR,
                title_level=TitleLevel.JUNIOR,
                institution=institutions["hospital_a"],
                department=other_ward,
            )

        assert caught.value.message_dict == {
            "department": [str(DepartmentOutsideInstitution.MESSAGE)]
        }
        assert User.objects.get(pk=learner.pk).real_name != "新名字"

    def test_updates_and_returns_the_user(self, learner, institutions, ward):
        user = user_profile_update(
            user=learner,
            real_name="新名字",
            profession=Profession.NURSE,
            title_level=TitleLevel.SENIOR,
            institution=institutions["hospital_a"],
            department=ward,
            licence_number="ABC-123456",
        )

        assert user is learner
        stored = User.objects.get(pk=learner.pk)
        assert (stored.real_name, stored.department, stored.licence_number) == (
            "新名字",
            ward,
            "ABC-123456",
        )
