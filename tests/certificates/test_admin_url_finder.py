"""Where the admin links a certificate: its inspect view (the register has no edit view).

Wagtail's usage page of a user lists what points at them (their certificates) with a
link from the admin's URL finder; the default finder reverses the model's "edit" URL,
which `CertificateViewSet` removed (a 500 before `CertificateAdminURLFinder`).
"""

import pytest
from django.urls import reverse
from wagtail.admin.admin_url_finder import AdminURLFinder

from accounts.roles import Role
from tests.accounts.factories import UserFactory
from tests.certificates.factories import issued

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(catalogue, learner):
    return issued(learner, catalogue)


@pytest.fixture
def superuser(institutions):
    return UserFactory(is_superuser=True, is_staff=True, institution=institutions["region"])


def inspect_url(certificate) -> str:
    return reverse("certificate_admin:inspect", args=[certificate.pk])


def test_the_finder_gives_the_inspect_view_to_whoever_may_view_certificates(
    certificate, site_admin, superuser
):
    for user in (site_admin, superuser):
        assert AdminURLFinder(user).get_edit_url(certificate) == inspect_url(certificate)


@pytest.mark.parametrize("role", [Role.COURSE_AUTHOR, Role.REVIEWER, Role.HR_OFFICER])
def test_the_finder_gives_nothing_to_whoever_may_not(certificate, institutions, role):
    user = UserFactory(role=role, institution=institutions["county_a"])

    assert AdminURLFinder(user).get_edit_url(certificate) is None


def test_without_a_user_the_finder_gives_the_inspect_view(certificate):
    assert AdminURLFinder().get_edit_url(certificate) == inspect_url(certificate)


def test_the_usage_page_of_a_certificate_holder_links_the_certificate(
    client, home, certificate, learner, superuser
):
    client.force_login(superuser)

    response = client.get(reverse("wagtailusers_users:usage", args=[learner.pk]))

    assert response.status_code == 200
    assert inspect_url(certificate) in response.content.decode()


def test_the_history_of_a_certificate_opens(client, home, certificate, site_admin):
    client.force_login(site_admin)

    response = client.get(reverse("certificate_admin:history", args=[certificate.pk]))

    assert response.status_code == 200
    assert inspect_url(certificate) in response.content.decode()
