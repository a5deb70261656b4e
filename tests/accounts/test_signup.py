"""Sign-up, e-mail verification, log-in, log-out and password reset through allauth."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.urls import reverse

from accounts.choices import Profession, TitleLevel
from accounts.models import User
from tests.accounts.factories import UserFactory

PASSWORD = "Xue-yu-2024-yak-butter"
SIGNUP_URL = "/accounts/signup/"
LOGIN_URL = "/accounts/login/"
VERIFICATION_SENT_URL = reverse("account_email_verification_sent")
CONFIRM_LINK = re.compile(r"https?://testserver(/accounts/confirm-email/[-:\w]+/)")

pytestmark = pytest.mark.django_db


@pytest.fixture
def signup_data(institutions):
    return {
        "email": "dawa@example.cn",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "real_name": "  达瓦卓玛 ",
        "profession": Profession.NURSE,
        "title_level": TitleLevel.JUNIOR,
        "institution": institutions["hospital_a"].pk,
    }


def confirmation_path(message) -> str:
    match = CONFIRM_LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def field_errors(response, field: str) -> list[str]:
    return list(response.context["form"].errors.get(field, []))


class TestSignupForm:
    def test_offers_facilities_but_not_areas(self, client, institutions):
        response = client.get(SIGNUP_URL)

        assert response.status_code == 200
        offered = set(response.context["form"].fields["institution"].queryset)
        areas = {institutions[key] for key in ("region", "city", "county_a", "county_b")}
        facilities = {
            institutions[key] for key in ("city_hospital", "hospital_a", "township_a", "hospital_b")
        }
        assert offered == facilities
        assert not offered & areas
        html = response.content.decode()
        option_values = {int(v) for v in re.findall(r'<option value="(\d+)"', html)}
        assert institutions["hospital_a"].pk in option_values
        assert not option_values & {area.pk for area in areas}

    def test_asks_for_the_profile_fields(self, client, db):
        response = client.get(SIGNUP_URL)

        fields = response.context["form"].fields
        for name in ("email", "password1", "password2", "real_name", "profession"):
            assert name in fields
        assert {"title_level", "institution"} <= fields.keys()


class TestSignupJourney:
    def test_signup_verify_login_logout(self, client, signup_data, institutions):
        response = client.post(SIGNUP_URL, signup_data)

        # The account exists with its profile, but is not yet usable.
        assert response.status_code == 302
        assert response.url == VERIFICATION_SENT_URL
        user = User.objects.get(email="dawa@example.cn")
        assert user.real_name == "达瓦卓玛"
        assert user.profession == Profession.NURSE
        assert user.title_level == TitleLevel.JUNIOR
        assert user.institution == institutions["hospital_a"]
        assert user.check_password(PASSWORD)
        assert not EmailAddress.objects.get(user=user).verified
        assert "_auth_user_id" not in client.session

        # One verification mail, to the new address, with a confirmation link.
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["dawa@example.cn"]
        assert message.subject.startswith("[雪域继教] ")
        link = confirmation_path(message)

        # Logging in before verifying is refused: allauth sends you to "check your mail".
        client.logout()
        response = client.post(LOGIN_URL, {"login": "dawa@example.cn", "password": PASSWORD})
        assert response.status_code == 302
        assert response.url == VERIFICATION_SENT_URL
        assert "_auth_user_id" not in client.session
        assert client.get(reverse("accounts:profile")).status_code == 302

        # GET only shows the confirmation page; POST confirms.
        response = client.get(link)
        assert response.status_code == 200
        assert response.context["confirmation"] is not None
        assert not EmailAddress.objects.get(user=user).verified
        response = client.post(link)
        assert response.status_code == 302
        assert EmailAddress.objects.get(user=user).verified

        # Now a fresh log-in works and the profile page opens.
        client.logout()
        response = client.post(LOGIN_URL, {"login": "dawa@example.cn", "password": PASSWORD})
        assert response.status_code == 302
        assert response.url == reverse(settings.LOGIN_REDIRECT_URL)
        assert client.session["_auth_user_id"] == str(user.pk)
        response = client.get(reverse("accounts:profile"))
        assert response.status_code == 200
        assert "达瓦卓玛" in response.content.decode()

        # Log-out is a POST and ends the session.
        response = client.post("/accounts/logout/")
        assert response.status_code == 302
        assert "_auth_user_id" not in client.session
        assert client.get(reverse("accounts:profile")).status_code == 302

    def test_login_with_wrong_password_is_refused(self, client, learner):
        response = client.post(LOGIN_URL, {"login": learner.email, "password": "wrong-password"})

        assert response.status_code == 200
        assert response.context["form"].errors
        assert "_auth_user_id" not in client.session

    def test_login_is_case_insensitive_on_email(self, client, learner):
        response = client.post(
            LOGIN_URL,
            {"login": learner.email.upper(), "password": "correct-horse-battery-staple"},
        )

        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(learner.pk)

    def test_logout_get_does_not_log_out(self, client, learner):
        client.force_login(learner)

        response = client.get("/accounts/logout/")

        assert response.status_code == 200
        assert client.session["_auth_user_id"] == str(learner.pk)


class TestPasswordReset:
    def test_reset_mail_is_sent_to_a_known_address(self, client, learner):
        response = client.post("/accounts/password/reset/", {"email": learner.email})

        assert response.status_code == 302
        assert response.url == reverse("account_reset_password_done")
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == [learner.email]
        assert "/accounts/password/reset/key/" in mail.outbox[0].body

    def test_reset_link_sets_a_new_password(self, client, learner):
        client.post("/accounts/password/reset/", {"email": learner.email})
        match = re.search(
            r"https?://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[0].body
        )
        assert match

        response = client.get(match.group(1))
        # allauth moves the key into the session and redirects to a key-less URL.
        assert response.status_code == 302
        set_password_url = response.url
        new_password = "Namtso-lake-4718-blue"
        response = client.post(
            set_password_url, {"password1": new_password, "password2": new_password}
        )

        assert response.status_code == 302
        learner.refresh_from_db()
        assert learner.check_password(new_password)

    def test_unknown_address_sends_no_reset_link(self, client, db):
        response = client.post("/accounts/password/reset/", {"email": "nobody@example.cn"})

        # Enumeration is prevented: the same "sent" page, but no reset key leaks.
        assert response.status_code == 302
        assert all("/password/reset/key/" not in m.body for m in mail.outbox)


class TestInvalidSignup:
    """Bad input gets a 200 with a message on the field, and writes nothing."""

    def post_invalid(self, client, data, field: str) -> list[str]:
        users_before = User.objects.count()
        response = client.post(SIGNUP_URL, data)
        assert response.status_code == 200
        errors = field_errors(response, field)
        assert errors, response.context["form"].errors
        assert User.objects.count() == users_before
        assert not EmailAddress.objects.filter(email=data.get("email", "")).exists()
        assert mail.outbox == []
        return errors

    def test_mismatched_passwords(self, client, signup_data):
        signup_data["password2"] = PASSWORD + "x"

        errors = self.post_invalid(client, signup_data, "password2")

        assert errors

    @pytest.mark.parametrize("password", ["abc12", "password123", "12345678901"])
    def test_weak_password(self, client, signup_data, password):
        signup_data["password1"] = signup_data["password2"] = password

        self.post_invalid(client, signup_data, "password1")

    def test_missing_real_name(self, client, signup_data):
        signup_data["real_name"] = ""

        self.post_invalid(client, signup_data, "real_name")

    def test_blank_real_name(self, client, signup_data):
        signup_data["real_name"] = "   "

        self.post_invalid(client, signup_data, "real_name")

    def test_unknown_profession(self, client, signup_data):
        signup_data["profession"] = "astronaut"

        self.post_invalid(client, signup_data, "profession")

    def test_unknown_title_level(self, client, signup_data):
        signup_data["title_level"] = "grandmaster"

        self.post_invalid(client, signup_data, "title_level")

    def test_institution_that_is_an_area(self, client, signup_data, institutions):
        signup_data["institution"] = institutions["county_a"].pk

        self.post_invalid(client, signup_data, "institution")

    @pytest.mark.parametrize("value", ["999999", "not-a-number", ""])
    def test_institution_that_does_not_exist(self, client, signup_data, value):
        signup_data["institution"] = value

        self.post_invalid(client, signup_data, "institution")

    def test_invalid_email(self, client, signup_data):
        signup_data["email"] = "not-an-address"

        self.post_invalid(client, signup_data, "email")


class TestDuplicateEmail:
    """allauth prevents account enumeration (ACCOUNT_PREVENT_ENUMERATION defaults to True):
    a sign-up with a registered address looks like a success to the visitor, creates
    nothing, and tells the address's owner by mail instead."""

    def test_no_second_account_and_owner_is_told(self, client, signup_data):
        owner = UserFactory(email="dawa@example.cn", real_name="原用户")

        response = client.post(SIGNUP_URL, {**signup_data, "email": "Dawa@Example.cn"})

        assert response.status_code == 302
        assert response.url == VERIFICATION_SENT_URL
        assert User.objects.filter(email__iexact="dawa@example.cn").count() == 1
        owner.refresh_from_db()
        assert owner.real_name == "原用户"
        assert owner.check_password("correct-horse-battery-staple")
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["dawa@example.cn"]
        assert not CONFIRM_LINK.search(mail.outbox[0].body)
