"""Credits a failed completion listener left out are awarded by the reconcile command."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from lms.models import CreditEntry, LessonProgress
from lms.services import enrollment_complete
from tests.lms.builders import course_with_lessons, enrolled

pytestmark = pytest.mark.django_db


def _complete_without_listeners(learner, course, lessons, capture):
    enrollment = enrolled(learner, course)
    for lesson in lessons:
        LessonProgress.objects.create(
            enrollment=enrollment, lesson=lesson, completed_at=timezone.now(), study_seconds=60
        )
    with capture(execute=False):  # the after-commit award never runs, as if it had failed
        return enrollment_complete(enrollment_id=enrollment.pk)


def test_reconcile_awards_missing_credits_once(
    catalogue, learner, django_capture_on_commit_callbacks, capsys
):
    course, lessons = course_with_lessons(catalogue, lessons=1, credits=Decimal("1.5"))
    free, free_lessons = course_with_lessons(catalogue, lessons=1, credits=Decimal(0))
    _complete_without_listeners(learner, course, lessons, django_capture_on_commit_callbacks)
    _complete_without_listeners(learner, free, free_lessons, django_capture_on_commit_callbacks)
    assert not CreditEntry.objects.exists()

    call_command("reconcile_credits")
    assert "Awarded 1 missing" in capsys.readouterr().out
    [entry] = CreditEntry.objects.all()
    assert entry.credits == Decimal("1.5")

    call_command("reconcile_credits")
    assert "Awarded 0 missing" in capsys.readouterr().out
    assert CreditEntry.objects.count() == 1
