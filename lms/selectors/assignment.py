from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from accounts.models import Department, Institution, User
from accounts.selectors import institution_subtree, institutions_in_hr_scope


def institutions_assignable_by(*, user: User) -> QuerySet[Institution]:
    """Where a user may assign courses: everywhere for administrators, their scope for
    HR officers; anyone else may not assign at all."""
    if user.is_superuser:
        return Institution.objects.all()
    if not user.has_perm("accounts.assign_courses"):
        raise PermissionDenied
    return institutions_in_hr_scope(user=user)


def assignment_learners(
    *,
    person: User | None = None,
    department: Department | None = None,
    institution: Institution | None = None,
) -> list[User]:
    """The active staff an assignment reaches: one person, a department, or everyone
    in an institution and beneath it."""
    if person is not None:
        return [person]
    if department is not None:
        return list(User.objects.filter(department=department, is_active=True))
    if institution is not None:
        return list(
            User.objects.filter(
                institution__in=institution_subtree(root=institution), is_active=True
            )
        )
    return []
