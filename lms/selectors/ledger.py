"""Who may correct whose credit records."""

from accounts.models import User
from accounts.selectors import hr_scope_covers

ADJUST_PERMISSION = "lms.adjust_credits"


def may_correct_credits(*, user: User, learner: User) -> bool:
    """Officers with the right correct the records of staff in their HR scope; nobody
    corrects their own."""
    if not user.is_authenticated or user.pk == learner.pk:
        return False
    if user.is_superuser:
        return True
    return user.has_perm(ADJUST_PERMISSION) and hr_scope_covers(
        user=user, institution_id=learner.institution_id
    )
