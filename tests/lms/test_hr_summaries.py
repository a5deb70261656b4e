"""The per-learner-year compliance summaries: kept in step with the ledger and the
profiles, computed in batches like the one-learner selector, and refreshed nightly."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.choices import TitleLevel
from accounts.roles import Role
from accounts.services import hr_scope_grant, user_profile_update
from courses.choices import CreditClass, SubjectType
from lms.compliance import ComplianceStatus
from lms.models import ComplianceSummary
from lms.selectors import learner_compliance
from lms.selectors.summaries import learners_compliance
from lms.services import credit_adjust, credit_reverse
from lms.services.summaries import compliance_summaries_refresh_year, compliance_summary_refresh
from tests.accounts.factories import UserFactory
from tests.lms.test_requirements import award

pytestmark = pytest.mark.django_db
THIS_YEAR = timezone.localdate().year


def summary(user, year=THIS_YEAR):
    return ComplianceSummary.objects.get(learner=user, year=year)


def test_an_award_refreshes_the_learners_summary_after_commit(
    learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        award(learner, 4, CreditClass.CLASS_1_NATIONAL, hours=12, year=THIS_YEAR)
    row = summary(learner)
    assert row.credits_class_1_national == D(4)
    assert row.credits_total == D(4)
    assert row.hours_professional == D(12)
    assert row.hours_total == D(12)
    assert row.status != ComplianceStatus.COMPLIANT
    assert row.gaps["zh-hans"]
    assert row.gaps["en"]
    assert any("Class II" in gap for gap in row.gaps["en"])


def test_a_reversal_puts_the_summary_back(
    learner, institutions, django_capture_on_commit_callbacks
):
    officer = UserFactory(role=Role.HR_OFFICER, institution=institutions["city_hospital"])
    with django_capture_on_commit_callbacks(execute=True):
        entry = award(learner, 5, hours=15)
    assert summary(learner).credits_class_2 == D(5)
    with django_capture_on_commit_callbacks(execute=True):
        credit_reverse(entry=entry, acting_user=officer, reason="重复登记")
    row = summary(learner)
    assert row.credits_class_2 == D(0)
    assert row.hours_total == D(0)


def test_an_adjustment_updates_the_summary(
    learner, institutions, django_capture_on_commit_callbacks
):
    officer = UserFactory(role=Role.HR_OFFICER, institution=institutions["hospital_a"])
    hr_scope_grant(user=officer, institution=institutions["county_a"])
    with django_capture_on_commit_callbacks(execute=True):
        credit_adjust(
            learner=learner,
            acting_user=officer,
            credits=D(3),
            study_hours=D(9),
            credit_class=CreditClass.CLASS_1_PROVINCIAL,
            subject_type=SubjectType.PUBLIC_COMPULSORY,
            year=THIS_YEAR,
            activity_title="论文",
            reason="审核通过",
        )
    row = summary(learner)
    assert row.credits_class_1_provincial == D(3)
    assert row.hours_public_compulsory == D(9)


def test_meeting_every_rule_makes_the_summary_compliant_since_that_month(
    learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        award(learner, 10, CreditClass.CLASS_1_NATIONAL, hours=60, year=THIS_YEAR)
        award(learner, 15, CreditClass.CLASS_2, hours=30, year=THIS_YEAR)
    row = summary(learner)
    assert row.status == ComplianceStatus.COMPLIANT
    assert row.gaps == {}
    today = timezone.localdate()
    assert row.compliant_since.year == today.year
    assert row.compliant_since.month == today.month


def test_a_profile_change_refreshes_the_current_year(learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user_profile_update(
            user=learner,
            real_name=learner.real_name,
            profession=learner.profession,
            title_level=TitleLevel.JUNIOR,
            institution=learner.institution,
        )
    assert summary(learner).rule_set is not None


def test_a_login_save_does_not_refresh(learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        learner.last_login = timezone.now()
        learner.save(update_fields=["last_login"])
    assert callbacks == []


def test_the_batch_selector_agrees_with_the_one_learner_selector(institutions):
    people = [
        UserFactory(institution=institutions["hospital_a"], title_level=TitleLevel.JUNIOR),
        UserFactory(institution=institutions["township_a"], title_level=TitleLevel.JUNIOR),
        UserFactory(institution=institutions["city_hospital"], title_level=TitleLevel.SENIOR),
        UserFactory(institution=None),
    ]
    award(people[0], 12, hours=30)
    award(people[1], 5, CreditClass.CLASS_1_NATIONAL, hours=15, cme_project_number="P-1")
    award(people[2], 10, CreditClass.CLASS_1_NATIONAL, year=THIS_YEAR - 2, cme_project_number="N")
    today = datetime.date(THIS_YEAR, 6, 30)
    for learner in people:
        learner.refresh_from_db()
    batch = {
        r.learner_id: r.report
        for r in learners_compliance(learners=people, year=THIS_YEAR, today=today)
    }
    for learner in people:
        one = learner_compliance(learner=learner, year=THIS_YEAR, today=today)
        assert batch[learner.pk].status == one.status
        assert batch[learner.pk].credits_by_class == one.credits_by_class
        assert batch[learner.pk].gaps == one.gaps


def test_the_batch_selector_reads_a_fixed_number_of_queries(
    institutions, django_assert_num_queries
):
    people = [UserFactory(institution=institutions["hospital_a"]) for _ in range(5)]
    for person in people:
        award(person, 2)
    with django_assert_num_queries(3):  # rule sets, their rules, the ledger
        learners_compliance(learners=people, year=THIS_YEAR, today=timezone.localdate())


def test_the_nightly_refresh_writes_a_row_for_everyone_and_moves_statuses_with_the_date(
    institutions,
):
    busy = UserFactory(institution=institutions["hospital_a"])
    idle = UserFactory(institution=institutions["hospital_b"])
    UserFactory(institution=institutions["hospital_b"], is_active=False)
    award(busy, 3)
    compliance_summaries_refresh_year(year=THIS_YEAR, today=datetime.date(THIS_YEAR, 1, 15))
    assert summary(idle).status == ComplianceStatus.ON_TRACK
    compliance_summaries_refresh_year(year=THIS_YEAR, today=datetime.date(THIS_YEAR, 11, 30))
    assert summary(idle).status == ComplianceStatus.AT_RISK
    assert summary(busy).credits_class_2 == D(3)
    assert ComplianceSummary.objects.filter(year=THIS_YEAR, learner__is_active=False).count() == 0
    # Idempotent: a second run rewrites the same rows.
    count = ComplianceSummary.objects.count()
    call_command("refresh_compliance", "--year", str(THIS_YEAR))
    assert ComplianceSummary.objects.count() == count


def test_refreshing_one_learner_touches_only_their_row(institutions):
    one = UserFactory(institution=institutions["hospital_a"])
    other = UserFactory(institution=institutions["hospital_a"])
    compliance_summary_refresh(learner_ids=[one.pk], year=THIS_YEAR)
    assert ComplianceSummary.objects.filter(learner=one).exists()
    assert not ComplianceSummary.objects.filter(learner=other).exists()
