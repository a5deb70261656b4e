"""The permission-caching authentication backend: same answers as Django's
ModelBackend, no query on a repeat, and never a stale answer after a change."""

from unittest import mock

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache

from accounts import permission_cache
from accounts.models import User
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

PERMISSION = "accounts.view_staff_records"


def test_the_site_uses_it_before_allauths_backend(settings):
    # allauth's backend is a ModelBackend too: it reuses the sets the first one cached
    # on the user, so a permission the user lacks costs no query either.
    assert settings.AUTHENTICATION_BACKENDS == [
        "accounts.permission_cache.CachedPermissionsBackend",
        "allauth.account.auth_backends.AuthenticationBackend",
    ]


def fresh(user: User) -> User:
    """The user as the next request loads them: a new object, no per-object cache."""
    return User.objects.get(pk=user.pk)


def grant_group(name: str = "人事") -> Group:
    group = Group.objects.create(name=name)
    app_label, codename = PERMISSION.split(".")
    group.permissions.add(
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
    )
    return group


def test_a_repeat_request_asks_the_database_nothing(django_assert_num_queries):
    user = UserFactory()
    user.groups.add(grant_group())
    first = fresh(user)
    with django_assert_num_queries(2):  # the user's own and the groups' permissions
        assert first.has_perm(PERMISSION) is True
    reloaded = fresh(user)
    with django_assert_num_queries(0):
        assert reloaded.has_perm(PERMISSION) is True
        assert reloaded.has_perm("accounts.manage_api_keys") is False
        assert reloaded.has_module_perms("accounts") is True


def fresh_user_has(user: User, permission: str = PERMISSION) -> bool:
    return fresh(user).has_perm(permission)


def test_joining_and_leaving_a_group_is_seen_on_the_next_request():
    user = UserFactory()
    group = grant_group()
    assert fresh_user_has(user) is False  # cached: no permission
    user.groups.add(group)
    assert fresh_user_has(user) is True
    group.user_set.remove(user)  # the reverse side sends the same signal
    assert fresh_user_has(user) is False
    user.groups.add(group)
    assert fresh_user_has(user) is True
    user.groups.clear()
    assert fresh_user_has(user) is False


def test_a_group_losing_a_permission_is_seen_on_the_next_request():
    user = UserFactory()
    group = grant_group()
    user.groups.add(group)
    assert fresh_user_has(user) is True
    group.permissions.clear()
    assert fresh_user_has(user) is False


def test_a_deleted_group_takes_its_permissions_with_it():
    user = UserFactory()
    group = grant_group()
    user.groups.add(group)
    assert fresh_user_has(user) is True
    group.delete()
    assert fresh_user_has(user) is False


def test_direct_user_permissions_are_cached_and_invalidated():
    user = UserFactory()
    permission = Permission.objects.get(codename="manage_api_keys")
    assert fresh_user_has(user, "accounts.manage_api_keys") is False
    user.user_permissions.add(permission)
    assert fresh_user_has(user, "accounts.manage_api_keys") is True
    user.user_permissions.remove(permission)
    assert fresh_user_has(user, "accounts.manage_api_keys") is False


def test_deactivation_and_superuser_status_are_read_from_the_user_row():
    user = UserFactory()
    user.groups.add(grant_group())
    assert fresh_user_has(user) is True
    User.objects.filter(pk=user.pk).update(is_active=False)  # no signal at all
    assert fresh_user_has(user) is False
    User.objects.filter(pk=user.pk).update(is_active=True, is_superuser=True)
    reloaded = fresh(user)
    assert reloaded.get_all_permissions() >= {PERMISSION, "accounts.manage_api_keys"}
    User.objects.filter(pk=user.pk).update(is_superuser=False)
    assert fresh(user).get_all_permissions() == {PERMISSION}


def test_a_set_read_before_the_write_commits_is_not_kept(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    group = grant_group()
    with django_capture_on_commit_callbacks(execute=True):
        user.groups.add(group)
        generation_in_transaction = cache.get(permission_cache.GENERATION_KEY)
        fresh_user_has(user)  # cached under the generation of the uncommitted write
    assert cache.get(permission_cache.GENERATION_KEY) != generation_in_transaction


def test_a_recycled_id_never_meets_another_users_entry():
    first = UserFactory()
    first.groups.add(grant_group())
    assert fresh_user_has(first) is True
    entry_key = permission_cache._entry_key(first)
    other = UserFactory.build(pk=first.pk, date_joined=first.date_joined.replace(year=2001))
    assert permission_cache._entry_key(other) != entry_key


def test_without_a_cache_the_database_answers():
    user = UserFactory()
    user.groups.add(grant_group())
    with mock.patch.object(
        permission_cache, "cache_get_many", side_effect=ConnectionError("cache down")
    ):
        assert fresh_user_has(user) is True
        assert fresh_user_has(user, "accounts.manage_api_keys") is False


def test_anonymous_and_object_permissions_are_never_granted():
    user = UserFactory()
    user.groups.add(grant_group())
    backend = permission_cache.CachedPermissionsBackend()
    assert backend.get_all_permissions(fresh(user), obj=object()) == set()
    from django.contrib.auth.models import AnonymousUser

    assert backend.get_all_permissions(AnonymousUser()) == set()


def test_the_session_user_is_read_as_modelbackend_reads_it(django_assert_num_queries):
    from django.contrib.auth.backends import ModelBackend

    user = UserFactory()
    backend = permission_cache.CachedPermissionsBackend()
    with django_assert_num_queries(1):
        found = backend.get_user(str(user.pk))  # the session holds the id as text
    assert found == ModelBackend().get_user(str(user.pk)) == user
    assert found.email == user.email
    assert found.institution_id == user.institution_id
    assert backend.get_user(str(user.pk + 1000)) is None
    assert backend.get_user("not a number") is None
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert backend.get_user(str(user.pk)) is None
