"""A person's signed yearly transcript (PDF) for HR officers whose scope covers them:
request, status, download; who asked is recorded; anyone else gets 404."""

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.roles import Role
from accounts.services import hr_scope_grant
from certificates.document_services import transcript_document_request
from certificates.models import TranscriptDocument
from tests.accounts.factories import UserFactory
from tests.lms.test_requirements import award

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year
FAKE_PDF = b"%PDF-1.7\n% a stand-in for the rendering\n%%EOF\n"


@pytest.fixture
def queued(monkeypatch):
    """The render task is replaced by a recorder (the rendering is tested elsewhere)."""
    pks: list[int] = []
    monkeypatch.setattr("certificates.tasks.render_transcript.delay", lambda pk: pks.append(pk))
    return pks


@pytest.fixture
def person(institutions):
    """On the staff of a hospital in the HR officer's scope (林周县)."""
    member = UserFactory(
        role=Role.LEARNER, institution=institutions["hospital_a"], real_name="次仁央宗"
    )
    award(member, 3, year=THIS_YEAR)
    return member


@pytest.fixture
def outside_officer(institutions):
    officer = UserFactory(institution=institutions["hospital_b"])
    hr_scope_grant(user=officer, institution=institutions["county_b"])
    return officer


def _request_url(user, year=THIS_YEAR) -> str:
    return f"/certificates/transcripts/staff/{user.pk}/{year}/"


def _status_url(document) -> str:
    return f"/certificates/transcripts/documents/{document.pk}/"


def _rendered(document) -> TranscriptDocument:
    """Store a PDF as the task would (the real rendering needs the certificate fonts)."""
    document.pdf.save(f"transcript-{document.pk}.pdf", ContentFile(FAKE_PDF), save=False)
    document.rendered_at = timezone.now()
    document.save(update_fields=["pdf", "rendered_at"])
    return document


def test_an_officer_in_scope_requests_and_downloads_a_persons_transcript(
    client, hr_officer, person, queued, django_capture_on_commit_callbacks
):
    client.force_login(hr_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_request_url(person))
    document = TranscriptDocument.objects.get(learner=person)
    assert response.status_code == 302
    assert response["Location"] == _status_url(document)
    assert document.requested_by == hr_officer
    assert document.year == THIS_YEAR
    assert document.payload["learner"]["name"] == "次仁央宗"
    assert queued == [document.pk]

    page = client.get(_status_url(document))
    assert page.status_code == 200
    text = page.content.decode()
    assert "次仁央宗" in text
    assert "being prepared" in text
    assert f"/learn/hr/staff/{person.pk}/" in text  # back to the staff record
    assert client.get(f"{_status_url(document)}pdf/")["Location"] == _status_url(document)

    _rendered(document)
    response = client.get(f"{_status_url(document)}pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == FAKE_PDF


def test_each_requester_is_recorded_and_asking_again_reuses_the_document(
    hr_officer, person, queued
):
    own = transcript_document_request(learner=person, year=THIS_YEAR)
    assert own.requested_by == person
    officers = transcript_document_request(learner=person, year=THIS_YEAR, requested_by=hr_officer)
    assert officers.pk != own.pk
    assert officers.requested_by == hr_officer
    again = transcript_document_request(learner=person, year=THIS_YEAR, requested_by=hr_officer)
    assert again.pk == officers.pk
    assert transcript_document_request(learner=person, year=THIS_YEAR).pk == own.pk


def test_the_learner_sees_a_document_an_officer_asked_for(client, hr_officer, person, queued):
    document = _rendered(
        transcript_document_request(learner=person, year=THIS_YEAR, requested_by=hr_officer)
    )
    client.force_login(person)
    assert client.get(_status_url(document)).status_code == 200
    assert client.get(f"{_status_url(document)}pdf/").status_code == 200


def test_an_officer_out_of_scope_gets_404(client, outside_officer, hr_officer, person, queued):
    document = _rendered(
        transcript_document_request(learner=person, year=THIS_YEAR, requested_by=hr_officer)
    )
    client.force_login(outside_officer)
    assert client.post(_request_url(person)).status_code == 404
    assert client.get(_status_url(document)).status_code == 404
    assert client.get(f"{_status_url(document)}pdf/").status_code == 404
    assert TranscriptDocument.objects.filter(requested_by=outside_officer).count() == 0


def test_another_learner_gets_404(client, institutions, hr_officer, person, queued):
    document = _rendered(transcript_document_request(learner=person, year=THIS_YEAR))
    colleague = UserFactory(role=Role.LEARNER, institution=institutions["hospital_a"])
    client.force_login(colleague)
    assert client.post(_request_url(person)).status_code == 404
    assert client.get(_status_url(document)).status_code == 404
    assert client.get(f"{_status_url(document)}pdf/").status_code == 404
    assert TranscriptDocument.objects.filter(requested_by=colleague).count() == 0


def test_an_officers_own_documents_stay_out_of_reach_of_other_officers_staff(
    client, hr_officer, outside_officer, queued
):
    # The out-of-scope officer's own yearly file: the in-scope officer cannot see it.
    document = _rendered(transcript_document_request(learner=outside_officer, year=THIS_YEAR))
    client.force_login(hr_officer)
    assert client.get(_status_url(document)).status_code == 404


def test_superusers_may_request_for_anyone(client, person, queued):
    client.force_login(UserFactory(is_superuser=True))
    response = client.post(_request_url(person))
    assert response.status_code == 302
    assert TranscriptDocument.objects.get(learner=person).requested_by.is_superuser


def test_requests_are_posts_for_real_years_by_signed_in_users(client, hr_officer, person, queued):
    assert client.post(_request_url(person)).status_code == 302  # to the login page
    assert not TranscriptDocument.objects.exists()
    client.force_login(hr_officer)
    assert client.get(_request_url(person)).status_code == 405
    assert client.post(_request_url(person, year=1900)).status_code == 404
    assert client.post(f"/certificates/transcripts/staff/987654/{THIS_YEAR}/").status_code == 404
    assert not TranscriptDocument.objects.exists()
