"""The learner's own credit standing, kept in the cache: cheap on a repeat view, and
never stale, whatever changes (the ledger, the rules, the profile, the day)."""

import datetime
import pickle
from decimal import Decimal as D

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.users.models import UserProfile

from accounts.choices import InstitutionKind, TitleLevel
from accounts.models import User
from accounts.roles import Role
from accounts.services import institution_update, user_profile_update
from courses.choices import CreditClass, SubjectType
from lms.compliance import ComplianceStatus
from lms.models import (
    ActivityStatus,
    CreditEntry,
    CreditSource,
    ExternalActivity,
    LessonProgress,
    RequirementRuleSet,
)
from lms.selectors import learner_compliance
from lms.selectors.compliance_cache import learner_compliance_cached
from lms.services import (
    credit_adjust,
    credit_award_for_external_activity,
    credit_reverse,
    enrollment_complete,
)
from tests.accounts.factories import UserFactory
from tests.lms.builders import course_with_lessons, enrolled
from tests.lms.factories import submitted_activity
from tests.lms.test_dashboard import DASHBOARD_QUERIES
from tests.lms.test_requirements import award, rule_set

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year
# What computing the standing costs: the learner's institution, the rule sets in
# effect, their rules and the ledger sums.
COMPLIANCE_QUERIES = 4


@pytest.fixture(autouse=True)
def rules(institutions):
    # Only this test's rule set applies (the shipped ones are switched off first,
    # before anything is cached).
    RequirementRuleSet.objects.update(active=False)
    return rule_set(
        "全区",
        rules=[{"kind": "credits_total", "minimum": D(10)}],
        effective_from=datetime.date(2000, 1, 1),
    )


@pytest.fixture
def officer():
    return UserFactory(is_superuser=True, is_staff=True)


def standing(person, *, year=THIS_YEAR, today=None):
    """As a request would see it: the user row read afresh, then the cached standing."""
    learner = User.objects.get(pk=person.pk)
    return learner_compliance_cached(learner=learner, year=year, today=today)


def queries_of(function) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as captured:
        result = function()
    return result, len(captured)


def total_earned(report) -> D:
    return next(check.earned for check in report.checks if check.code == "credits_total")


def total_required(report) -> D:
    return next(check.required for check in report.checks if check.code == "credits_total")


# -- Cheap when nothing changed ------------------------------------------------------------


def test_a_repeat_dashboard_view_reads_no_compliance_queries(
    client, learner, officer, django_assert_num_queries
):
    client.force_login(learner)
    client.get("/learn/")  # warms every cache the page uses
    award(learner, 3, year=THIS_YEAR)
    with django_assert_num_queries(DASHBOARD_QUERIES + COMPLIANCE_QUERIES):
        first = client.get("/learn/").context["compliance"]
    with django_assert_num_queries(DASHBOARD_QUERIES):
        again = client.get("/learn/").context["compliance"]
    assert again == first
    assert total_earned(again) == D(3)


def test_the_cached_report_equals_the_computed_one_and_holds_no_model(learner):
    award(learner, 4, year=THIS_YEAR)
    standing(learner)
    cached, queries = queries_of(lambda: standing(learner))
    assert queries == 1  # the user row, as a request reads it: nothing else
    fresh = learner_compliance(learner=learner, year=THIS_YEAR)
    assert cached == fresh
    payload = pickle.dumps(cached)
    assert b"django.db.models" not in payload
    assert b"accounts.models" not in payload
    assert b"lms.models" not in payload


# -- The ledger ----------------------------------------------------------------------------


def _complete_a_course(catalogue, learner, django_capture_on_commit_callbacks):
    course, lessons = course_with_lessons(
        catalogue,
        lessons=1,
        credits=D("2.0"),
        study_hours=D("6.0"),
        credit_class=CreditClass.CLASS_2,
        subject_type=SubjectType.PROFESSIONAL,
    )
    enrollment = enrolled(learner, course)
    LessonProgress.objects.create(
        enrollment=enrollment, lesson=lessons[0], completed_at=timezone.now(), study_seconds=60
    )
    with django_capture_on_commit_callbacks(execute=True):
        enrollment_complete(enrollment_id=enrollment.pk)
    return THIS_YEAR


def _approve_an_external_activity(learner, officer):
    activity = submitted_activity(learner, credits=D("2"))
    ExternalActivity.objects.filter(pk=activity.pk).update(status=ActivityStatus.APPROVED)
    credit_award_for_external_activity(activity_id=activity.pk, approved_by=officer)
    return activity.year


def _adjust(learner, officer):
    credit_adjust(
        learner=learner,
        acting_user=officer,
        credits=D(2),
        study_hours=D(6),
        credit_class=CreditClass.CLASS_2,
        subject_type=SubjectType.PROFESSIONAL,
        year=THIS_YEAR,
        activity_title="在《中国高原医学杂志》发表论文",
        reason="论文经科教科审核",
    )
    return THIS_YEAR


@pytest.mark.parametrize("writer", ["completion", "external_activity", "adjustment"])
def test_a_new_award_shows_on_the_next_view(
    request, learner, officer, writer, django_capture_on_commit_callbacks
):
    award(learner, 1, year=THIS_YEAR)
    award(learner, 1, year=THIS_YEAR - 1)
    year = {
        "completion": lambda: _complete_a_course(
            request.getfixturevalue("catalogue"), learner, django_capture_on_commit_callbacks
        ),
        "external_activity": lambda: _approve_an_external_activity(learner, officer),
        "adjustment": lambda: _adjust(learner, officer),
    }
    before = {y: total_earned(standing(learner, year=y)) for y in (THIS_YEAR, THIS_YEAR - 1)}
    counted = year[writer]()
    assert total_earned(standing(learner, year=counted)) == before[counted] + 2


def test_a_reversal_shows_on_the_next_view(client, learner, officer):
    entry = award(learner, 3, year=THIS_YEAR)
    client.force_login(learner)
    assert total_earned(client.get("/learn/").context["compliance"]) == D(3)
    credit_reverse(entry=entry, acting_user=officer, reason="重复录入")
    assert total_earned(client.get("/learn/").context["compliance"]) == D(0)


def test_a_standing_computed_before_the_write_commits_is_not_kept(
    learner, officer, django_capture_on_commit_callbacks
):
    standing(learner)
    with django_capture_on_commit_callbacks(execute=True):
        _adjust(learner, officer)
        # A view racing the write: it may read the ledger as it was and store that.
        standing(learner)
    # The commit replaced the stamp again: the next view computes afresh.
    report, queries = queries_of(lambda: standing(learner))
    assert queries == 1 + COMPLIANCE_QUERIES
    assert total_earned(report) == D(2)


def test_an_evicted_stamp_never_serves_an_old_entry(learner):
    standing(learner)
    # A write the signals do not see (a bulk insert), with the learner's stamp evicted.
    CreditEntry.objects.bulk_create(
        [
            CreditEntry(
                learner=learner,
                credits=D(5),
                study_hours=D(0),
                credit_class=CreditClass.CLASS_2,
                subject_type=SubjectType.PROFESSIONAL,
                activity_title="导入",
                year=THIS_YEAR,
                source=CreditSource.IMPORT,
                source_ref="import:1",
                reason="import",
            )
        ]
    )
    cache.delete(f"snowland:compliance:ledger:{learner.pk}")
    assert total_earned(standing(learner)) == D(5)


def test_two_learners_never_see_each_others_standing(client, institutions):
    first = UserFactory(role=Role.LEARNER, institution=institutions["hospital_a"])
    second = UserFactory(role=Role.LEARNER, institution=institutions["hospital_a"])
    award(first, 7, year=THIS_YEAR)
    award(second, 2, year=THIS_YEAR)
    for _ in range(2):  # computed, then from the cache
        for person, earned in ((first, D(7)), (second, D(2))):
            client.force_login(person)
            assert total_earned(client.get("/learn/").context["compliance"]) == earned
    award(first, 1, year=THIS_YEAR)
    assert total_earned(standing(first)) == D(8)
    assert total_earned(standing(second)) == D(2)


# -- The rules and what they read ------------------------------------------------------------


@pytest.fixture
def admin_client(client, home):
    admin = UserFactory(is_superuser=True, is_staff=True)
    profile = UserProfile.get_for_user(admin)
    profile.preferred_language = "en"
    profile.save()
    client.force_login(admin)
    return client


def _edit_form(rule_set, *, minimum):
    rule = rule_set.rules.get()
    return {
        "name": rule_set.name,
        "version": rule_set.version,
        "description": "",
        "effective_from": rule_set.effective_from.isoformat(),
        "effective_until": "",
        "priority": str(rule_set.priority),
        "active": "on",
        "institution": "",
        "study_hour_minutes": "60",
        "substitution_cap_percent": "0",
        "national_hours_per_credit": "3",
        "provincial_hours_per_credit": "6",
        "class_2_hours_per_credit": "3",
        "project_credit_cap": "25",
        "rules-TOTAL_FORMS": "1",
        "rules-INITIAL_FORMS": "1",
        "rules-MIN_NUM_FORMS": "1",
        "rules-MAX_NUM_FORMS": "1000",
        "rules-0-kind": "credits_total",
        "rules-0-credit_class": "",
        "rules-0-minimum": str(minimum),
        "rules-0-maximum": "",
        "rules-0-window_years": "",
        "rules-0-professional_share_percent": "",
        "rules-0-ORDER": "1",
        "rules-0-id": str(rule.pk),
        "rules-0-DELETE": "",
    }


def test_a_rule_set_edited_in_the_admin_shows_at_once(admin_client, learner, rules):
    assert total_required(standing(learner)) == D(10)
    url = reverse("wagtailsnippets_lms_requirementruleset:edit", args=[rules.pk])
    response = admin_client.post(url, _edit_form(rules, minimum=12))
    assert response.status_code == 302, response.context["form"].errors
    assert total_required(standing(learner)) == D(12)


def test_a_rule_saved_or_a_rule_set_retired_shows_at_once(learner, rules):
    assert total_required(standing(learner)) == D(10)
    rule = rules.rules.get()
    rule.minimum = D(15)
    rule.save()
    assert total_required(standing(learner)) == D(15)
    rules.active = False
    rules.save()
    assert standing(learner).status == ComplianceStatus.NO_RULES


def test_a_new_or_deleted_rule_set_shows_at_once(learner, institutions, rules):
    standing(learner)
    county = rule_set(
        "林周县",
        institution=institutions["county_a"],
        rules=[{"kind": "credits_total", "minimum": D(20)}],
    )
    assert total_required(standing(learner)) == D(20)
    county.delete()
    assert total_required(standing(learner)) == D(10)


def test_an_institution_kind_or_move_shows_at_once(institutions):
    rule_set(
        "乡镇卫生院",
        priority=5,
        institution_kinds=[InstitutionKind.TOWNSHIP_HEALTH_CENTRE],
        rules=[{"kind": "credits_total", "minimum": D(6)}],
    )
    rule_set(
        "当雄县",
        priority=5,
        institution=institutions["county_b"],
        rules=[{"kind": "credits_total", "minimum": D(8)}],
    )
    hospital = institutions["hospital_a"]
    person = UserFactory(role=Role.LEARNER, institution=hospital)
    assert total_required(standing(person)) == D(10)
    institution_update(
        institution=hospital,
        name=hospital.name,
        kind=InstitutionKind.TOWNSHIP_HEALTH_CENTRE,
        code="",
        parent=institutions["county_a"],
    )
    assert total_required(standing(person)) == D(6)
    institution_update(
        institution=hospital,
        name=hospital.name,
        kind=InstitutionKind.COUNTY_HOSPITAL,
        code="",
        parent=institutions["county_b"],
    )
    assert total_required(standing(person)) == D(8)


# -- The profile, the day, the language ------------------------------------------------------


def test_a_profile_change_shows_at_once(client, learner, institutions):
    rule_set(
        "初级",
        priority=5,
        title_levels=[TitleLevel.JUNIOR],
        rules=[{"kind": "credits_total", "minimum": D(4)}],
    )
    rule_set(
        "当雄县",
        priority=5,
        institution=institutions["county_b"],
        rules=[{"kind": "credits_total", "minimum": D(8)}],
    )
    client.force_login(learner)
    assert total_required(client.get("/learn/").context["compliance"]) == D(10)

    def update(**changes):
        person = User.objects.get(pk=learner.pk)
        values = {
            "real_name": person.real_name,
            "profession": person.profession,
            "title_level": person.title_level,
            "institution": person.institution,
        }
        user_profile_update(user=person, **(values | changes))

    update(title_level=TitleLevel.JUNIOR)
    assert total_required(client.get("/learn/").context["compliance"]) == D(4)
    update(title_level=TitleLevel.INTERMEDIATE, institution=institutions["hospital_b"])
    assert total_required(client.get("/learn/").context["compliance"]) == D(8)


def test_the_day_changing_flips_on_track_to_at_risk(learner):
    award(learner, 1, year=THIS_YEAR)
    early = standing(learner, today=datetime.date(THIS_YEAR, 1, 5))
    assert early.status == ComplianceStatus.ON_TRACK
    assert standing(learner, today=datetime.date(THIS_YEAR, 1, 5)) == early
    late = standing(learner, today=datetime.date(THIS_YEAR, 12, 1))
    assert late.status == ComplianceStatus.AT_RISK


def test_each_language_gets_its_own_labels(learner):
    with translation.override("en"):
        assert standing(learner).checks[0].label == "Total credits"
    with translation.override("zh-hans"):
        assert standing(learner).checks[0].label == "总学分"
