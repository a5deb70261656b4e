import pytest

from accounts.models import HRScope
from accounts.roles import Role
from tests.accounts.factories import UserFactory


@pytest.fixture(autouse=True)
def _no_rendering(monkeypatch):
    """Issuing queues the real PDF rendering after commit; these tests replace it by a
    recorder (the rendering work tests the task), so no test needs WeasyPrint."""
    queued: list[int] = []
    monkeypatch.setattr("certificates.tasks.render_certificate.delay", lambda pk: queued.append(pk))
    return queued


@pytest.fixture
def rendered(_no_rendering):
    return _no_rendering


@pytest.fixture
def hr_officer(institutions):
    officer = UserFactory(role=Role.HR_OFFICER, institution=institutions["county_a"])
    HRScope.objects.create(user=officer, institution=institutions["county_a"])
    return officer


@pytest.fixture
def site_admin(institutions):
    return UserFactory(role=Role.SITE_ADMINISTRATOR, institution=institutions["region"])


@pytest.fixture
def client(client):
    """Pages in English, so tests assert the message ids whatever the translations."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
