from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.cache import cache
from django.core.management.sql import emit_post_migrate_signal
from django.db import DEFAULT_DB_ALIAS
from django.utils import translation
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Collection, Locale, Page

from accounts.roles import Role
from cms.services import site_setup
from courses.models import CourseIndexPage
from tests.accounts.factories import UserFactory, institution_tree


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _private_media_root(settings, tmp_path):
    # Learners' evidence files: never in the real private store, never under MEDIA_ROOT.
    settings.SNOWLAND_PRIVATE_MEDIA_ROOT = tmp_path / "private_media"


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate limits and Wagtail's site-root cache live in the cache; no test inherits them.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    # A request with another Accept-Language leaves that language active in the thread
    # (LocaleMiddleware activates, nothing deactivates): no test inherits it.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


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


@pytest.fixture
def migration_data(transactional_db):
    """Put back what migrations made if an earlier transactional test's flush emptied
    the database: Django's post-migrate rows (content types, permissions, the role
    groups) and Wagtail's default locale, root page and root collection. On an
    untouched database it changes nothing."""
    emit_post_migrate_signal(verbosity=0, interactive=False, db=DEFAULT_DB_ALIAS)
    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", slug="root"))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    # The data migrations' rows (the default certificate template, the shipped rule
    # sets), by the migrations' own idempotent functions.
    for module, function in (
        ("certificates.migrations.0003_default_certificate_template", "add_default"),
        ("lms.migrations.0004_initial_requirement_rule_sets", "add_rule_sets"),
    ):
        getattr(import_module(module), function)(django_apps, None)
