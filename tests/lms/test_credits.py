"""The credit ledger: awards copied at award time, one per source, corrections by reversal."""

from decimal import Decimal

import pytest
from django.utils import timezone

from courses.choices import CreditClass, SubjectType
from lms.errors import CreditCorrectionRejected
from lms.models import CourseCompletion, CreditEntry, CreditLedgerIsAppendOnly, LessonProgress
from lms.services import credit_award_for_completion, credit_reverse, enrollment_complete
from tests.concurrency import require_postgresql, run_at_once
from tests.lms.builders import course_with_lessons, enrolled


def _complete(enrollment, lessons, django_capture_on_commit_callbacks):
    for lesson in lessons:
        LessonProgress.objects.create(
            enrollment=enrollment, lesson=lesson, completed_at=timezone.now(), study_seconds=60
        )
    with django_capture_on_commit_callbacks(execute=True):
        return enrollment_complete(enrollment_id=enrollment.pk)


@pytest.fixture
def national_course(catalogue):
    return course_with_lessons(
        catalogue,
        lessons=1,
        title="高原病的识别与处置",
        credits=Decimal("2.0"),
        study_hours=Decimal("6.0"),
        credit_class=CreditClass.CLASS_1_NATIONAL,
        cme_project_number="2026-04-05-021 (国)",
        subject_type=SubjectType.PROFESSIONAL,
        organiser="拉萨市人民医院",
    )


@pytest.mark.django_db
def test_completion_awards_the_courses_credits_once(
    learner, national_course, django_capture_on_commit_callbacks
):
    course, lessons = national_course
    completion = _complete(enrolled(learner, course), lessons, django_capture_on_commit_callbacks)
    [entry] = CreditEntry.objects.filter(learner=learner)
    assert entry.credits == Decimal("2.00")
    assert entry.study_hours == Decimal("6.00")
    assert entry.credit_class == CreditClass.CLASS_1_NATIONAL
    assert entry.cme_project_number == "2026-04-05-021 (国)"
    assert entry.activity_title == "高原病的识别与处置"
    assert entry.organiser == "拉萨市人民医院"
    assert entry.year == timezone.localtime(completion.completed_at).year
    assert entry.source_ref == f"completion:{completion.pk}"
    again = credit_award_for_completion(completion_id=completion.pk)
    assert again.pk == entry.pk
    assert CreditEntry.objects.count() == 1


@pytest.mark.django_db
def test_editing_the_course_later_does_not_change_the_award(
    learner, national_course, django_capture_on_commit_callbacks
):
    course, lessons = national_course
    _complete(enrolled(learner, course), lessons, django_capture_on_commit_callbacks)
    course.credits = Decimal("5.0")
    course.title = "改名后的课程"
    course.save()
    entry = CreditEntry.objects.get(learner=learner)
    assert entry.credits == Decimal("2.00")
    assert entry.activity_title == "高原病的识别与处置"


@pytest.mark.django_db
def test_a_course_without_credits_awards_nothing(
    learner, catalogue, django_capture_on_commit_callbacks
):
    course, lessons = course_with_lessons(catalogue, lessons=1, credits=Decimal("0"))
    completion = _complete(enrolled(learner, course), lessons, django_capture_on_commit_callbacks)
    assert completion is not None
    assert not CreditEntry.objects.exists()


@pytest.mark.django_db
def test_the_ledger_is_append_only(learner, national_course, django_capture_on_commit_callbacks):
    course, lessons = national_course
    _complete(enrolled(learner, course), lessons, django_capture_on_commit_callbacks)
    entry = CreditEntry.objects.get()
    entry.credits = Decimal("9")
    with pytest.raises(CreditLedgerIsAppendOnly):
        entry.save()
    with pytest.raises(CreditLedgerIsAppendOnly):
        entry.delete()
    with pytest.raises(CreditLedgerIsAppendOnly):
        CreditEntry.objects.filter(pk=entry.pk).update(credits=Decimal("9"))
    with pytest.raises(CreditLedgerIsAppendOnly):
        CreditEntry.objects.all().delete()
    assert CreditEntry.objects.get().credits == Decimal("2.00")


@pytest.mark.django_db
def test_a_correction_is_a_reversing_entry_with_a_reason(
    learner, reviewer, national_course, django_capture_on_commit_callbacks
):
    course, lessons = national_course
    _complete(enrolled(learner, course), lessons, django_capture_on_commit_callbacks)
    award = CreditEntry.objects.get()
    with pytest.raises(CreditCorrectionRejected) as caught:
        credit_reverse(entry=award, acting_user=reviewer, reason="  ")
    assert caught.value.message == CreditCorrectionRejected.REASON_REQUIRED
    reversal = credit_reverse(entry=award, acting_user=reviewer, reason="重复登记")
    assert reversal.credits == Decimal("-2.00")
    assert reversal.reverses == award
    assert reversal.awarded_by == reviewer
    total = sum(e.credits for e in CreditEntry.objects.filter(learner=learner))
    assert total == 0
    with pytest.raises(CreditCorrectionRejected) as caught:
        credit_reverse(entry=award, acting_user=reviewer, reason="再次")
    assert caught.value.message == CreditCorrectionRejected.ALREADY_REVERSED
    with pytest.raises(CreditCorrectionRejected):
        credit_reverse(entry=reversal, acting_user=reviewer, reason="撤销撤销")


@pytest.mark.django_db(transaction=True)
def test_racing_awards_give_one_entry(migration_data, learner, national_course):
    require_postgresql()
    course, _lessons = national_course
    enrollment = enrolled(learner, course)
    completion = CourseCompletion.objects.create(
        enrollment=enrollment, completed_at=timezone.now(), study_seconds=60
    )
    results, errors = run_at_once(
        lambda: credit_award_for_completion(completion_id=completion.pk).pk
    )
    assert errors == []
    assert len(set(results)) == 1
    assert CreditEntry.objects.count() == 1
