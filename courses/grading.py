"""Rules for choice questions, shared by lesson checkpoints and the exam bank."""

from collections.abc import Iterable, Sequence

from django.utils.translation import gettext_lazy as _

from courses.choices import QuestionKind

TOO_FEW_CHOICES = _("Give at least two choices.")
TRUE_FALSE_CHOICES = _("A true-or-false question has exactly two choices.")
ONE_CORRECT = _("Mark exactly one choice as correct.")
SOME_CORRECT = _("Mark at least one choice as correct.")


def choice_set_errors(*, kind: str, correct_flags: Sequence[bool]) -> list[str]:
    """What is wrong with a question's choices, as messages for the author."""
    errors = []
    if kind == QuestionKind.TRUE_FALSE and len(correct_flags) != 2:
        errors.append(str(TRUE_FALSE_CHOICES))
    elif len(correct_flags) < 2:
        errors.append(str(TOO_FEW_CHOICES))
    correct = sum(bool(flag) for flag in correct_flags)
    if kind == QuestionKind.MULTIPLE:
        if correct < 1:
            errors.append(str(SOME_CORRECT))
    elif correct != 1:
        errors.append(str(ONE_CORRECT))
    return errors


def answer_is_correct(*, correct_indexes: Iterable[int], given_indexes: Iterable[int]) -> bool:
    """All-or-nothing: exactly the correct choices, no more and no fewer."""
    return set(correct_indexes) == set(given_indexes)
