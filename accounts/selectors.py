"""Reads for accounts and institutions."""

from django.db.models import Q, QuerySet

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
