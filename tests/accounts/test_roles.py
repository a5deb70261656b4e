"""Roles are groups with exactly their listed permissions, kept in sync after migrate."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from accounts.apps import _sync_roles_after_last_app
from accounts.models import HRScope
from accounts.roles import ROLE_PERMISSIONS, Role
from accounts.services import hr_scope_grant, roles_sync, user_add_role
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def group_permissions(name: str) -> set[str]:
    group = Group.objects.get(name=name)
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def all_role_permissions() -> dict[str, set[str]]:
    return {role.value: group_permissions(role.value) for role in Role}


class TestAfterMigrate:
    def test_the_five_groups_exist(self):
        assert set(Group.objects.values_list("name", flat=True)) >= {
            "Learner",
            "Course author",
            "Reviewer",
            "HR officer",
            "Site administrator",
        }
        assert len(Role) == 5
        assert set(ROLE_PERMISSIONS) == set(Role)

    @pytest.mark.parametrize("role", list(Role))
    def test_each_group_has_exactly_its_listed_permissions(self, role):
        assert group_permissions(role.value) == set(ROLE_PERMISSIONS[role])

    def test_learners_have_no_permission_at_all(self):
        assert group_permissions(Role.LEARNER) == set()

    def test_only_the_expected_roles_reach_the_admin(self):
        with_admin = {
            role for role, perms in ROLE_PERMISSIONS.items() if "wagtailadmin.access_admin" in perms
        }
        assert with_admin == {
            Role.COURSE_AUTHOR,
            Role.REVIEWER,
            Role.HR_OFFICER,
            Role.SITE_ADMINISTRATOR,
        }

    def test_no_role_may_delete_users_or_publish_by_model_permission(self):
        every = set().union(*ROLE_PERMISSIONS.values())
        assert "accounts.delete_user" not in every
        assert "auth.delete_group" not in every
        assert not any(perm.startswith("wagtailcore.") and "page" in perm for perm in every)

    def test_migrate_restores_the_roles(self):
        Group.objects.filter(name__in=list(Role)).delete()
        Group.objects.create(name=Role.LEARNER).permissions.add(
            Permission.objects.get(codename="delete_user")
        )

        call_command("migrate", verbosity=0)  # nothing to apply; post_migrate still runs

        assert all_role_permissions() == {
            role.value: set(perms) for role, perms in ROLE_PERMISSIONS.items()
        }

    def test_the_signal_syncs_only_after_the_last_app(self, monkeypatch):
        calls = []
        monkeypatch.setattr("accounts.services.roles_sync", lambda **kw: calls.append(kw))
        configs = list(apps.get_app_configs())

        _sync_roles_after_last_app(configs[0], using="default")
        assert calls == []
        _sync_roles_after_last_app(configs[-1], using="default")
        assert calls == [{"using": "default"}]


class TestRolesSync:
    def test_is_idempotent(self):
        before = all_role_permissions()
        group_ids = dict(Group.objects.values_list("name", "pk"))
        group_count = Group.objects.count()

        first = roles_sync()
        second = roles_sync()

        assert all_role_permissions() == before
        assert Group.objects.count() == group_count
        assert {name: group.pk for name, group in second.items()} == {
            name: group_ids[name] for name in second
        }
        assert set(first) == set(second) == set(Role)

    def test_recreates_a_deleted_group(self):
        Group.objects.filter(name=Role.REVIEWER).delete()

        roles_sync()

        assert group_permissions(Role.REVIEWER) == set(ROLE_PERMISSIONS[Role.REVIEWER])

    def test_removes_permissions_added_by_hand_and_restores_removed_ones(self):
        hr = Group.objects.get(name=Role.HR_OFFICER)
        hr.permissions.add(Permission.objects.get(codename="delete_user"))
        hr.permissions.remove(Permission.objects.get(codename="assign_courses"))

        roles_sync()

        assert group_permissions(Role.HR_OFFICER) == set(ROLE_PERMISSIONS[Role.HR_OFFICER])

    def test_leaves_other_groups_alone(self):
        extra = Group.objects.create(name="Visiting lecturers")
        extra.permissions.add(Permission.objects.get(codename="view_user"))

        roles_sync()

        assert group_permissions("Visiting lecturers") == {"accounts.view_user"}

    def test_an_unknown_permission_is_an_error(self, monkeypatch):
        monkeypatch.setitem(ROLE_PERMISSIONS, Role.LEARNER, ["courses.view_nonexistentmodel"])

        with pytest.raises(LookupError, match=r"courses\.view_nonexistentmodel"):
            roles_sync()

        assert group_permissions(Role.LEARNER) == set()

    def test_a_permission_of_the_wrong_app_is_an_error(self, monkeypatch):
        # `view_user` exists, but in accounts, not in auth.
        monkeypatch.setitem(ROLE_PERMISSIONS, Role.LEARNER, ["auth.view_user"])

        with pytest.raises(LookupError, match=r"auth\.view_user"):
            roles_sync()


class TestUserRoles:
    def test_user_add_role(self):
        user = UserFactory()

        user_add_role(user=user, role=Role.COURSE_AUTHOR)

        assert list(user.groups.values_list("name", flat=True)) == ["Course author"]
        assert user.has_perm("wagtailadmin.access_admin")

    def test_hr_scope_grant_adds_the_hr_officer_group(self, institutions):
        user = UserFactory()
        assert not user.has_perm("accounts.view_staff_records")

        scope = hr_scope_grant(user=user, institution=institutions["county_a"])

        assert scope.user == user
        assert scope.institution == institutions["county_a"]
        assert user.groups.filter(name=Role.HR_OFFICER).exists()
        user = type(user).objects.get(pk=user.pk)  # permissions are cached per instance
        assert user.has_perm("accounts.view_staff_records")
        assert user.has_perm("accounts.assign_courses")
        assert not user.has_perm("accounts.change_user")

    def test_hr_scope_grant_is_idempotent(self, institutions):
        user = UserFactory()

        first = hr_scope_grant(user=user, institution=institutions["county_a"])
        second = hr_scope_grant(user=user, institution=institutions["county_a"])

        assert first == second
        assert HRScope.objects.filter(user=user).count() == 1
        assert user.groups.filter(name=Role.HR_OFFICER).count() == 1

    def test_an_officer_may_hold_several_scopes(self, institutions):
        user = UserFactory()

        hr_scope_grant(user=user, institution=institutions["county_a"])
        hr_scope_grant(user=user, institution=institutions["county_b"])

        assert set(HRScope.objects.filter(user=user).values_list("institution", flat=True)) == {
            institutions["county_a"].pk,
            institutions["county_b"].pk,
        }
