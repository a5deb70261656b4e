"""Writes for accounts, institutions and roles."""

import datetime

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.log_actions import log

from accounts.api_keys import (
    MANAGE_PERMISSION,
    ApiKey,
    api_key_generate,
    api_key_hash,
)
from accounts.choices import InstitutionKind, allowed_parent_kinds
from accounts.errors import DepartmentOutsideInstitution, InstitutionParentNotAllowed
from accounts.models import Department, HRScope, Institution, User
from accounts.roles import ROLE_PERMISSIONS, Role


def _kind_label(kind: str) -> str:
    return str(dict(InstitutionKind.choices).get(kind, kind))


def institution_check_parent(*, kind: str, parent: Institution | None) -> None:
    allowed = allowed_parent_kinds(kind)
    parent_kind = parent.kind if parent else None
    if (parent is None and allowed) or (parent is not None and parent_kind not in allowed):
        raise InstitutionParentNotAllowed(
            InstitutionParentNotAllowed.MESSAGE,
            params={
                "kind": _kind_label(kind),
                "parent_kind": _kind_label(parent_kind) if parent_kind else "—",
            },
            code="parent_not_allowed",
        )


@transaction.atomic
def institution_create(
    *, name: str, kind: str, parent: Institution | None = None, code: str = ""
) -> Institution:
    institution_check_parent(kind=kind, parent=parent)
    node = Institution(name=name, kind=kind, code=code)
    node.full_clean(exclude=["path", "depth", "numchild"])
    if parent is None:
        return Institution.add_root(instance=node)
    # Re-read the parent: treebeard computes the child's path from the stored row.
    parent = Institution.objects.select_for_update().get(pk=parent.pk)
    return parent.add_child(instance=node)


@transaction.atomic
def institution_update(
    *, institution: Institution, name: str, kind: str, code: str, parent: Institution | None
) -> Institution:
    # Work on locked, freshly read rows: adding children or moving nodes changes
    # paths and child counts, so the caller's objects may be out of date, and saving
    # or moving with those would corrupt the tree.
    node = Institution.objects.select_for_update().get(pk=institution.pk)
    if parent is not None:
        parent = Institution.objects.select_for_update().get(pk=parent.pk)
    institution_check_parent(kind=kind, parent=parent)
    if parent is not None and parent.path.startswith(node.path):
        raise InstitutionParentNotAllowed(
            InstitutionParentNotAllowed.MESSAGE,
            params={"kind": _kind_label(kind), "parent_kind": parent.name},
            code="parent_is_descendant",
        )
    current_parent = node.get_parent(update=True)
    node.name, node.kind, node.code = name, kind, code
    node.full_clean(exclude=["path", "depth", "numchild"])
    node.save(update_fields=["name", "kind", "code"])
    if (parent and parent.pk) != (current_parent and current_parent.pk):
        if parent is None:
            node.move(Institution.get_first_root_node(), "last-sibling")
        else:
            node.move(parent, "last-child")
    institution.refresh_from_db()
    return institution


def department_get_or_create(*, institution: Institution, name: str) -> Department:
    department, _created = Department.objects.get_or_create(institution=institution, name=name)
    return department


@transaction.atomic
def user_profile_update(
    *,
    user: User,
    real_name: str,
    profession: str,
    title_level: str,
    institution: Institution | None,
    department: Department | None = None,
    licence_number: str = "",
    phone: str = "",
) -> User:
    if department is not None and department.institution_id != (institution and institution.pk):
        raise DepartmentOutsideInstitution(
            {"department": DepartmentOutsideInstitution.MESSAGE}, code="department_outside"
        )
    user.real_name = real_name
    user.profession = profession
    user.title_level = title_level
    user.institution = institution
    user.department = department
    user.licence_number = licence_number
    user.phone = phone
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def user_create_unverified(
    *,
    email: str,
    real_name: str,
    profession: str = "",
    title_level: str = "",
    institution: Institution | None = None,
    department: Department | None = None,
    licence_number: str = "",
    phone: str = "",
) -> User:
    """An active account with no usable password and an unverified e-mail address,
    for staff added by their HR office: they set a password through "forgot password"
    (which also proves the address). No mail is sent here."""
    if department is not None and department.institution_id != (institution and institution.pk):
        raise DepartmentOutsideInstitution(
            {"department": DepartmentOutsideInstitution.MESSAGE}, code="department_outside"
        )
    user = User(
        email=User.objects.normalize_email(email),
        real_name=real_name,
        profession=profession,
        title_level=title_level,
        institution=institution,
        department=department,
        licence_number=licence_number,
        phone=phone,
        is_active=True,
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    return user


def user_add_role(*, user: User, role: Role) -> None:
    user.groups.add(Group.objects.get(name=role.value))


@transaction.atomic
def hr_scope_grant(*, user: User, institution: Institution) -> HRScope:
    user_add_role(user=user, role=Role.HR_OFFICER)
    scope, _created = HRScope.objects.get_or_create(user=user, institution=institution)
    return scope


def roles_sync(*, using: str = "default") -> dict[str, Group]:
    """Create every role's group and give it exactly its listed model permissions.

    Idempotent: run after every migration. An unknown permission is an error, so a
    renamed model cannot silently drop a role's rights.
    """
    wanted = {perm for perms in ROLE_PERMISSIONS.values() for perm in perms}
    by_name: dict[str, Permission] = {}
    for permission in (
        Permission.objects.using(using)
        .select_related("content_type")
        .filter(codename__in={name.split(".", 1)[1] for name in wanted})
    ):
        by_name[f"{permission.content_type.app_label}.{permission.codename}"] = permission
    missing = sorted(wanted - by_name.keys())
    if missing:
        raise LookupError(f"Role permissions do not exist: {', '.join(missing)}")
    groups: dict[str, Group] = {}
    with transaction.atomic(using=using):
        for role, perms in ROLE_PERMISSIONS.items():
            group, _created = Group.objects.using(using).get_or_create(name=role)
            group.permissions.set([by_name[name] for name in perms])
            groups[role] = group
    return groups


# -- API keys of the HR API ------------------------------------------------------------

# `last_used_at` is written at most this often per key, not on every request.
API_KEY_USE_RESOLUTION = datetime.timedelta(minutes=1)
# Wagtail audit-log actions (Reports → Site history); labels in accounts/wagtail_hooks.py.
LOG_API_KEY_CREATE = "snowland.api_key.create"
LOG_API_KEY_REVOKE = "snowland.api_key.revoke"


def _api_key_log_data(key: ApiKey) -> dict:
    """What the audit log keeps of a key: enough to tell which key it was, never the
    secret nor its hash (the log is readable by more people, for longer)."""
    return {
        "institution_id": key.institution_id,
        "institution": key.institution.name,
        "prefix": key.prefix,
        "name": key.name,
        "expires_at": key.expires_at.isoformat() if key.expires_at else None,
    }


def _check_may_manage_api_keys(user: User) -> None:
    if not (user.is_active and user.has_perm(MANAGE_PERMISSION)):
        raise PermissionDenied


def api_key_create(
    *,
    institution: Institution,
    name: str,
    created_by: User,
    expires_at: datetime.datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new key for `institution`'s subtree, and its plaintext: shown to the
    administrator once, never stored (only its hash is)."""
    _check_may_manage_api_keys(created_by)
    for _attempt in range(5):
        prefix, plaintext = api_key_generate()
        key = ApiKey(
            institution=institution,
            name=name.strip(),
            prefix=prefix,
            secret_hash=api_key_hash(plaintext),
            created_by=created_by,
            expires_at=expires_at,
        )
        key.full_clean(exclude=["prefix", "secret_hash"])
        try:
            with transaction.atomic():
                key.save()
                log(
                    instance=key,
                    action=LOG_API_KEY_CREATE,
                    user=created_by,
                    data=_api_key_log_data(key),
                )
        except IntegrityError:  # a prefix taken already (32 bits): draw again
            continue
        return key, plaintext
    raise IntegrityError("No free API key prefix after 5 attempts.")


@transaction.atomic
def api_key_revoke(*, key: ApiKey, revoked_by: User) -> ApiKey:
    """Revoke a key at once; revoking a revoked key changes nothing."""
    _check_may_manage_api_keys(revoked_by)
    locked = ApiKey.objects.select_for_update().get(pk=key.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.revoked_by = revoked_by
        locked.save(update_fields=["revoked_at", "revoked_by"])
        log(
            instance=locked,
            action=LOG_API_KEY_REVOKE,
            user=revoked_by,
            data=_api_key_log_data(locked),
        )
    key.revoked_at, key.revoked_by_id = locked.revoked_at, locked.revoked_by_id
    return key


def api_key_record_use(*, key: ApiKey, now: datetime.datetime | None = None) -> None:
    """Note that the key was used: one UPDATE per key and minute at most, none while
    the key's last use is that recent (the row in hand was read in this request)."""
    now = now or timezone.now()
    if key.last_used_at is not None and now - key.last_used_at < API_KEY_USE_RESOLUTION:
        return
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    key.last_used_at = now
