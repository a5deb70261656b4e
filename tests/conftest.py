import pytest
from django.core.cache import cache
from wagtail.models import Page

from accounts.roles import Role
from cms.services import site_setup
from courses.models import CourseIndexPage
from tests.accounts.factories import UserFactory, institution_tree


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate limits and Wagtail's site-root cache live in the cache; no test inherits them.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def home(db):
    return site_setup(hostname="testserver")


@pytest.fixture
def catalogue(home) -> CourseIndexPage:
    return CourseIndexPage.objects.child_of(home).get()


@pytest.fixture
def root_page(db):
    return Page.get_first_root_node()


@pytest.fixture
def institutions(db):
    return institution_tree()


@pytest.fixture
def learner(institutions):
    return UserFactory(role=Role.LEARNER, institution=institutions["hospital_a"])


@pytest.fixture
def author(home, institutions):
    return UserFactory(role=Role.COURSE_AUTHOR, institution=institutions["city_hospital"])


@pytest.fixture
def reviewer(home, institutions):
    return UserFactory(role=Role.REVIEWER, institution=institutions["city_hospital"])
