"""Reads for accounts and institutions."""

import hmac

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.api_keys import ApiKey, api_key_hash, api_key_parse
from accounts.choices import AREA_KINDS
from accounts.models import Department, Institution, User


def institution_subtree(*, root: Institution) -> QuerySet[Institution]:
    """The institution and every institution beneath it (an indexed prefix query).

    The root's path is read from the database: moving a node re-paths its subtree,
    so an object in hand may be out of date.
    """
    path = Institution.objects.values_list("path", flat=True).get(pk=root.pk)
    return Institution.objects.filter(path__startswith=path)


def hr_scope_paths(*, user: User) -> tuple[str, ...]:
    """The tree paths of the subtrees an HR officer is assigned (one query)."""
    return tuple(user.hr_scopes.values_list("institution__path", flat=True))


def paths_cover(paths: tuple[str, ...], institution: Institution | None) -> bool:
    """Whether an institution lies in one of the subtrees: the one scope rule."""
    return institution is not None and any(institution.path.startswith(p) for p in paths)


def hr_scope_covers(*, user: User, institution_id: int | None) -> bool:
    """Whether the officer's HR scope holds the institution (one query)."""
    return (
        institution_id is not None
        and institutions_in_hr_scope(user=user).filter(pk=institution_id).exists()
    )


def institutions_in_hr_scope(*, user: User) -> QuerySet[Institution]:
    """Every institution an HR officer may see: the union of their assigned subtrees."""
    roots = list(user.hr_scopes.values_list("institution__path", flat=True))
    if not roots:
        return Institution.objects.none()
    condition = Q()
    for path in roots:
        condition |= Q(path__startswith=path)
    return Institution.objects.filter(condition)


def institution_choices_for_signup() -> QuerySet[Institution]:
    """Facilities a person can work at: everything but the administrative areas."""
    return Institution.objects.exclude(kind__in=AREA_KINDS).order_by("path")


def departments_of(*, institution: Institution | None) -> QuerySet[Department]:
    if institution is None:
        return Department.objects.none()
    return Department.objects.filter(institution=institution)


# A hash compared when no row matches, so that an unknown prefix costs the same work.
_NO_KEY_HASH = api_key_hash("")


def api_key_authenticate(*, presented: str) -> ApiKey | None:
    """The usable key (not revoked, not expired) that was presented, with its
    institution, or None (one query; none for a malformed key)."""
    parts = api_key_parse(presented)
    if parts is None:
        return None
    key = ApiKey.objects.select_related("institution").filter(prefix=parts.prefix).first()
    stored = key.secret_hash if key is not None else _NO_KEY_HASH
    matches = hmac.compare_digest(stored, api_key_hash(presented))
    if key is None or not matches or not key.is_usable_at(timezone.now()):
        return None
    return key


def api_keys_for_admin() -> QuerySet[ApiKey]:
    return ApiKey.objects.select_related("institution", "created_by", "revoked_by")


ORGANISATION_PERMISSION = "accounts.change_institution"


def manages_whole_organisation(*, user) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm(ORGANISATION_PERMISSION))


def departments_for_admin(*, user) -> QuerySet[Department]:
    """The departments the user may see and edit in the admin (an HR officer's scope is
    read at once, the departments when the queryset is)."""
    departments = Department.objects.select_related("institution", "head")
    if not user.is_authenticated:
        return departments.none()
    if manages_whole_organisation(user=user):
        return departments
    return departments.filter(institution__in=institutions_in_hr_scope(user=user))
