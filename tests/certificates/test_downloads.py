"""The learner's side: my certificates, PDF downloads for those allowed, the dashboard
and transcript links."""

from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import HRScope
from accounts.roles import Role
from lms.services import credit_award_for_completion
from tests.accounts.factories import UserFactory
from tests.certificates.factories import attach_pdf, completion, course, issued
from tests.query_counts import queries_of_repeat_view

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(home, catalogue, learner):
    return issued(learner, catalogue)


def _pdf_url(certificate) -> str:
    return f"/certificates/{certificate.serial_number}/pdf/"


def test_my_certificates_lists_only_my_own(client, certificate, catalogue, learner):
    someone_else = issued(UserFactory(), catalogue)
    client.force_login(learner)
    response = client.get("/certificates/")
    assert response.status_code == 200
    page = response.content.decode()
    assert certificate.serial_number in page
    assert someone_else.serial_number not in page
    assert f"/verify/{certificate.verification_code}/" in page
    assert "PDF being prepared" in page


def test_the_owner_downloads_the_pdf(client, certificate, learner):
    data = attach_pdf(certificate)
    client.force_login(learner)
    response = client.get(_pdf_url(certificate))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{certificate.serial_number}.pdf"' in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == data


def test_a_pdf_not_rendered_yet_gets_a_friendly_page(client, certificate, learner):
    client.force_login(learner)
    response = client.get(_pdf_url(certificate))
    assert response.status_code == 200
    assert "Your certificate is being prepared" in response.content.decode()


def test_a_missing_file_is_also_being_prepared(client, certificate, learner):
    attach_pdf(certificate)
    certificate.pdf.storage.delete(certificate.pdf.name)
    client.force_login(learner)
    assert "being prepared" in client.get(_pdf_url(certificate)).content.decode()


def test_hr_officers_in_scope_download(client, certificate, hr_officer):
    attach_pdf(certificate)
    client.force_login(hr_officer)
    assert client.get(_pdf_url(certificate)).status_code == 200


def test_hr_officers_out_of_scope_get_a_404(client, certificate, institutions):
    attach_pdf(certificate)
    officer = UserFactory(role=Role.HR_OFFICER, institution=institutions["county_b"])
    HRScope.objects.create(user=officer, institution=institutions["county_b"])
    client.force_login(officer)
    assert client.get(_pdf_url(certificate)).status_code == 404


def test_site_administrators_and_superusers_download(client, certificate, site_admin):
    attach_pdf(certificate)
    client.force_login(site_admin)
    assert client.get(_pdf_url(certificate)).status_code == 200
    client.force_login(UserFactory(is_superuser=True))
    assert client.get(_pdf_url(certificate)).status_code == 200


def test_another_learner_gets_a_404_as_for_an_unknown_serial(client, certificate, institutions):
    attach_pdf(certificate)
    client.force_login(UserFactory(role=Role.LEARNER, institution=institutions["hospital_a"]))
    assert client.get(_pdf_url(certificate)).status_code == 404
    assert client.get("/certificates/LSCME-1999-000001/pdf/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, certificate):
    attach_pdf(certificate)
    response = client.get(_pdf_url(certificate))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# -- The dashboard and the transcript ----------------------------------------------------------


def test_the_dashboard_shows_the_latest_certificates(client, home, catalogue, learner):
    client.force_login(learner)
    assert "Complete a course to receive its certificate here." in (
        client.get("/learn/").content.decode()
    )
    made = [issued(learner, catalogue) for _ in range(6)]
    page = client.get("/learn/").content.decode()
    assert made[-1].serial_number in page
    assert made[0].serial_number not in page  # only the latest five
    assert "All my certificates" in page


def test_the_dashboard_query_count_does_not_grow_with_certificates(
    client, home, catalogue, learner
):
    client.force_login(learner)
    issued(learner, catalogue)
    few = queries_of_repeat_view(client, "/learn/")
    for _ in range(8):
        issued(learner, catalogue)
    assert queries_of_repeat_view(client, "/learn/") == few


def test_the_transcript_links_an_award_to_its_certificate(client, home, catalogue, learner):
    done = completion(learner, course(catalogue, credits=Decimal("2.0")))
    credit_award_for_completion(completion_id=done.pk)
    from certificates.services import certificate_issue

    certificate = certificate_issue(completion_id=done.pk)
    client.force_login(learner)
    year = timezone.localtime(done.completed_at).year
    page = client.get(f"/learn/transcript/{year}/").content.decode()
    assert certificate.serial_number in page
    assert _pdf_url(certificate) not in page  # not rendered yet
    attach_pdf(certificate)
    assert _pdf_url(certificate) in client.get(f"/learn/transcript/{year}/").content.decode()
