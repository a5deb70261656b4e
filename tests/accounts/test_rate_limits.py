"""allauth's rate limits (ACCOUNT_RATE_LIMITS), counted in the cache."""

import pytest
from django.conf import settings
from django.core import mail

from tests.accounts.factories import UserFactory

LOGIN_URL = "/accounts/login/"
RIGHT_PASSWORD = "correct-horse-battery-staple"

pytestmark = pytest.mark.django_db


def login(client, email, password, ip="10.0.0.1"):
    return client.post(LOGIN_URL, {"login": email, "password": password}, REMOTE_ADDR=ip)


def test_the_limits_are_configured():
    limits = settings.ACCOUNT_RATE_LIMITS
    assert limits["login_failed"] == "10/m/ip,5/5m/key"
    assert limits["reset_password"] == "20/m/ip,5/m/key"
    assert limits["signup"] == "20/m/ip"


def too_many_attempts(response) -> bool:
    errors = response.context["form"].non_field_errors().as_data()
    return any(error.code == "too_many_login_attempts" for error in errors)


class TestFailedLogins:
    def test_sixth_attempt_for_one_address_is_refused_even_with_the_right_password(self, client):
        user = UserFactory()
        for _attempt in range(5):
            response = login(client, user.email, "wrong-password")
            assert response.status_code == 200
            assert "_auth_user_id" not in client.session

        response = login(client, user.email, RIGHT_PASSWORD)

        assert "_auth_user_id" not in client.session
        # allauth refuses inside the login form (not with a 429 page), with its
        # "too many failed login attempts" error.
        assert response.status_code == 200
        assert too_many_attempts(response)

    def test_eleventh_failure_from_one_ip_is_refused_whatever_the_address(self, client):
        users = UserFactory.create_batch(11)
        for user in users[:10]:
            response = login(client, user.email, "wrong-password", ip="10.0.5.1")
            assert not too_many_attempts(response)

        response = login(client, users[10].email, RIGHT_PASSWORD, ip="10.0.5.1")

        assert too_many_attempts(response)
        assert "_auth_user_id" not in client.session

    def test_the_limit_is_per_address_from_other_ips_too(self, client):
        user = UserFactory()
        for attempt in range(5):
            login(client, user.email, "wrong-password", ip=f"10.0.1.{attempt}")

        login(client, user.email, RIGHT_PASSWORD, ip="10.0.2.1")

        assert "_auth_user_id" not in client.session

    def test_other_addresses_are_not_blocked(self, client):
        victim, other = UserFactory(), UserFactory()
        for _attempt in range(5):
            login(client, victim.email, "wrong-password", ip="10.0.3.1")

        response = login(client, other.email, RIGHT_PASSWORD, ip="10.0.3.2")

        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(other.pk)

    def test_four_failures_still_allow_the_right_password(self, client):
        user = UserFactory()
        for _attempt in range(4):
            login(client, user.email, "wrong-password")

        response = login(client, user.email, RIGHT_PASSWORD)

        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)


class TestPasswordResetLimit:
    def test_sixth_reset_for_one_address_within_a_minute_gets_429(self, client):
        user = UserFactory()
        for _attempt in range(5):
            response = client.post("/accounts/password/reset/", {"email": user.email})
            assert response.status_code == 302

        response = client.post("/accounts/password/reset/", {"email": user.email})

        assert response.status_code == 429
        assert len(mail.outbox) == 5


class TestSignupLimit:
    def test_twenty_first_signup_from_one_ip_gets_429(self, client):
        for attempt in range(20):
            response = client.post(
                "/accounts/signup/", {"email": f"x{attempt}@example.cn"}, REMOTE_ADDR="10.0.4.1"
            )
            assert response.status_code == 200  # invalid, but counted

        response = client.post(
            "/accounts/signup/", {"email": "late@example.cn"}, REMOTE_ADDR="10.0.4.1"
        )

        assert response.status_code == 429
