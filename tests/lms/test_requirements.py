"""Requirement rule sets as data: the shipped defaults, which set applies to whom,
the admin's validation, and the compliance selector over the real ledger."""

import datetime
import itertools
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import translation
from wagtail.users.models import UserProfile

from accounts.choices import InstitutionKind, Profession, TitleLevel
from accounts.roles import Role
from courses.choices import CreditClass, SubjectType
from lms.compliance import ComplianceStatus
from lms.models import CreditEntry, CreditSource, RequirementRule, RequirementRuleSet
from lms.selectors import (
    learner_compliance,
    requirement_rule_set_conflicts,
    requirement_rule_set_for,
)
from lms.services import credit_reverse
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

_refs = itertools.count()


def award(learner, credits, credit_class=CreditClass.CLASS_2, *, hours=0, year=2026, **extra):
    return CreditEntry.objects.create(
        learner=learner,
        credits=D(credits),
        study_hours=D(hours),
        credit_class=credit_class,
        subject_type=extra.pop("subject_type", SubjectType.PROFESSIONAL),
        activity_title=extra.pop("activity_title", "院内学术讲座"),
        year=year,
        source=CreditSource.ADJUSTMENT,
        source_ref=f"test:{next(_refs)}",
        reason="test",
        **extra,
    )


def rule_set(name, *, rules=(), **fields):
    fields.setdefault("version", "test")
    fields.setdefault("effective_from", datetime.date(2020, 1, 1))
    created = RequirementRuleSet.objects.create(name=name, **fields)
    for order, rule in enumerate(rules):
        RequirementRule.objects.create(rule_set=created, sort_order=order, **rule)
    return created


def staff(institution, *, title=TitleLevel.INTERMEDIATE, profession=Profession.DOCTOR):
    return UserFactory(
        role=Role.LEARNER, institution=institution, title_level=title, profession=profession
    )


class TestShippedRuleSets:
    def test_national_default_and_local_variants_are_installed(self):
        assert RequirementRuleSet.objects.count() == 4
        national = RequirementRuleSet.objects.get(priority=0)
        kinds = sorted(national.rules.values_list("kind", "minimum"))
        assert ("credits_total", D(25)) in kinds
        assert national.national_hours_per_credit == 3
        assert national.provincial_hours_per_credit == 6
        assert national.project_credit_cap == 25

    @pytest.mark.parametrize(
        ("place", "title", "total", "window"),
        [
            ("hospital_a", TitleLevel.INTERMEDIATE, D(25), False),
            ("hospital_a", TitleLevel.JUNIOR, D(20), False),
            ("township_a", TitleLevel.JUNIOR, D(15), False),
            ("township_a", TitleLevel.SENIOR, D(25), False),
            ("city_hospital", TitleLevel.ASSOCIATE_SENIOR, D(25), True),
            ("city_hospital", TitleLevel.JUNIOR, D(20), False),
        ],
    )
    def test_each_person_gets_the_right_set(self, institutions, place, title, total, window):
        person = staff(institutions[place], title=title)
        chosen = requirement_rule_set_for(learner=person, year=2026)
        rules = {rule.kind: rule for rule in chosen.rules.all()}
        assert rules["credits_total"].minimum == total
        assert ("national_window" in rules) is window


class TestScopeChoice:
    @pytest.fixture(autouse=True)
    def _only_test_sets(self):
        RequirementRuleSet.objects.update(active=False)

    def test_no_rule_set_applies(self, institutions):
        person = staff(institutions["hospital_a"])
        assert requirement_rule_set_for(learner=person, year=2026) is None
        assert learner_compliance(learner=person, year=2026).status == ComplianceStatus.NO_RULES

    def test_institution_scope_covers_its_subtree_only(self, institutions):
        linzhou = rule_set("林周县", institution=institutions["county_a"])
        inside = staff(institutions["township_a"])
        outside = staff(institutions["hospital_b"])
        assert requirement_rule_set_for(learner=inside, year=2026) == linzhou
        assert requirement_rule_set_for(learner=outside, year=2026) is None

    def test_narrower_scope_wins_at_equal_priority(self, institutions):
        everyone = rule_set("everyone")
        nurses = rule_set("nurses", professions=[Profession.NURSE])
        county = rule_set("county", institution=institutions["county_a"])
        nurse = staff(institutions["hospital_b"], profession=Profession.NURSE)
        doctor = staff(institutions["hospital_b"])
        county_nurse = staff(institutions["hospital_a"], profession=Profession.NURSE)
        assert requirement_rule_set_for(learner=nurse, year=2026) == nurses
        assert requirement_rule_set_for(learner=doctor, year=2026) == everyone
        # A deeper institution is narrower than a profession.
        assert requirement_rule_set_for(learner=county_nurse, year=2026) == county

    def test_priority_beats_scope(self, institutions):
        rule_set("county", institution=institutions["county_a"])
        urgent = rule_set("urgent", priority=5)
        assert requirement_rule_set_for(learner=staff(institutions["hospital_a"]), year=2026) == (
            urgent
        )

    def test_kinds_and_title_levels(self, institutions):
        township_junior = rule_set(
            "township junior",
            institution_kinds=[InstitutionKind.TOWNSHIP_HEALTH_CENTRE],
            title_levels=[TitleLevel.JUNIOR],
        )
        junior = staff(institutions["township_a"], title=TitleLevel.JUNIOR)
        senior = staff(institutions["township_a"], title=TitleLevel.SENIOR)
        elsewhere = staff(institutions["hospital_a"], title=TitleLevel.JUNIOR)
        assert requirement_rule_set_for(learner=junior, year=2026) == township_junior
        assert requirement_rule_set_for(learner=senior, year=2026) is None
        assert requirement_rule_set_for(learner=elsewhere, year=2026) is None

    def test_versions_follow_their_effective_periods(self, institutions):
        old = rule_set("national", version="2006", effective_until=datetime.date(2025, 12, 31))
        new = rule_set("national", version="2026", effective_from=datetime.date(2026, 1, 1))
        person = staff(institutions["hospital_a"])
        assert requirement_rule_set_for(learner=person, year=2025) == old
        assert requirement_rule_set_for(learner=person, year=2026) == new
        assert requirement_rule_set_for(learner=person, year=2019) is None

    def test_a_mid_year_regulation_judges_that_whole_year(self, institutions):
        rule_set("old", effective_until=datetime.date(2026, 6, 30))
        mid = rule_set("mid", effective_from=datetime.date(2026, 7, 1))
        person = staff(institutions["hospital_a"])
        assert requirement_rule_set_for(learner=person, year=2026) == mid

    def test_inactive_sets_never_apply(self, institutions):
        rule_set("retired", active=False)
        assert (
            requirement_rule_set_for(learner=staff(institutions["hospital_a"]), year=2026) is None
        )

    def test_a_learner_without_institution_gets_only_unscoped_sets(self, institutions):
        everyone = rule_set("everyone")
        rule_set("county", institution=institutions["county_a"], priority=9)
        rule_set("tertiary", institution_kinds=[InstitutionKind.TERTIARY_HOSPITAL], priority=9)
        person = UserFactory(role=Role.LEARNER, institution=None)
        assert requirement_rule_set_for(learner=person, year=2026) == everyone


class TestConflicts:
    @pytest.fixture(autouse=True)
    def _only_test_sets(self):
        RequirementRuleSet.objects.update(active=False)

    def test_same_scope_same_priority_overlapping_is_a_conflict(self, institutions):
        first = rule_set("first", professions=[Profession.NURSE])
        second = RequirementRuleSet(
            name="second", effective_from=datetime.date(2024, 1, 1), professions=["nurse"]
        )
        assert requirement_rule_set_conflicts(rule_set=second) == [first]

    @pytest.mark.parametrize(
        "fields",
        [
            {"priority": 1},
            {"effective_from": datetime.date(2030, 1, 1)},
            {"professions": [Profession.DOCTOR]},
            {"professions": [Profession.NURSE], "title_levels": [TitleLevel.JUNIOR]},
            {"active": False},
        ],
    )
    def test_no_conflict_when_something_decides(self, fields):
        rule_set("first", professions=[Profession.NURSE], effective_until=datetime.date(2029, 1, 1))
        candidate = RequirementRuleSet(
            name="second",
            **{
                "effective_from": datetime.date(2024, 1, 1),
                "professions": [Profession.NURSE],
                **fields,
            },
        )
        assert requirement_rule_set_conflicts(rule_set=candidate) == []

    def test_disjoint_institutions_do_not_conflict(self, institutions):
        rule_set("a", institution=institutions["county_a"])
        other = RequirementRuleSet(
            name="b", effective_from=datetime.date(2020, 1, 1), institution=institutions["county_b"]
        )
        nested = RequirementRuleSet(
            name="c", effective_from=datetime.date(2020, 1, 1), institution=institutions["county_a"]
        )
        assert requirement_rule_set_conflicts(rule_set=other) == []
        assert len(requirement_rule_set_conflicts(rule_set=nested)) == 1


class TestLearnerCompliance:
    def test_reads_the_ledger_and_names_the_gaps(self, institutions):
        person = staff(institutions["hospital_a"])
        award(person, 4, CreditClass.CLASS_1_NATIONAL, hours=12)
        award(person, 18, hours=60, subject_type=SubjectType.PUBLIC_COMPULSORY)
        with translation.override("en"):
            report = learner_compliance(learner=person, year=2026, today=datetime.date(2027, 1, 2))
        assert report.status == ComplianceStatus.NOT_COMPLIANT
        assert report.gaps == [
            "1 more Class I credits",
            "3 more credits",
            "18 more study hours",
            "48 more professional study hours",
        ]

    def test_a_reversal_takes_the_credits_back(self, institutions):
        person = staff(institutions["hospital_a"])
        officer = UserFactory(role=Role.SITE_ADMINISTRATOR)
        keep = award(person, 10, CreditClass.CLASS_1_NATIONAL, hours=90)
        wrong = award(person, 15, hours=0)
        today = datetime.date(2027, 1, 2)
        assert learner_compliance(learner=person, year=2026, today=today).status == "compliant"
        credit_reverse(entry=wrong, acting_user=officer, reason="重复登记")
        report = learner_compliance(learner=person, year=2026, today=today)
        assert report.status == ComplianceStatus.NOT_COMPLIANT
        assert report.credits_by_class[CreditClass.CLASS_2] == 0
        assert keep.pk

    def test_the_rolling_window_reads_earlier_years(self, institutions):
        person = staff(institutions["city_hospital"], title=TitleLevel.SENIOR)
        award(person, 6, CreditClass.CLASS_1_NATIONAL, year=2022)
        award(person, 4, CreditClass.CLASS_1_NATIONAL, year=2026)
        award(person, 9, CreditClass.CLASS_1_NATIONAL, year=2021)
        report = learner_compliance(learner=person, year=2026)
        window = next(c for c in report.checks if c.code == "national_window")
        assert window.earned == D(10)
        assert window.met

    @pytest.mark.parametrize("entries", [1, 40])
    def test_query_count_is_constant(self, institutions, entries, django_assert_num_queries):
        person = staff(institutions["city_hospital"])
        for n in range(entries):
            award(
                person,
                1,
                CreditClass.CLASS_1_NATIONAL,
                year=2022 + n % 5,
                cme_project_number=f"P{n}",
            )
        person = type(person).objects.select_related("institution").get(pk=person.pk)
        # rule sets, their rules, the ledger sums
        with django_assert_num_queries(3):
            learner_compliance(learner=person, year=2026)


class TestAdminEditing:
    @pytest.fixture
    def admin_client(self, client, home):
        admin = UserFactory(is_superuser=True, is_staff=True)
        profile = UserProfile.get_for_user(admin)
        profile.preferred_language = "en"  # the assertions read Django's English messages
        profile.save()
        client.force_login(admin)
        return client

    def _post(self, client, **overrides):
        data = {
            "name": "林周县乡村医生学分要求",
            "version": "2027",
            "description": "",
            "effective_from": "2027-01-01",
            "effective_until": "",
            "priority": "40",
            "active": "on",
            "institution": "",
            "professions": ["village_doctor"],
            "study_hour_minutes": "45",
            "substitution_cap_percent": "0",
            "national_hours_per_credit": "3",
            "provincial_hours_per_credit": "6",
            "class_2_hours_per_credit": "3",
            "project_credit_cap": "25",
            "rules-TOTAL_FORMS": "1",
            "rules-INITIAL_FORMS": "0",
            "rules-MIN_NUM_FORMS": "1",
            "rules-MAX_NUM_FORMS": "1000",
            "rules-0-kind": "credits_total",
            "rules-0-credit_class": "",
            "rules-0-minimum": "12",
            "rules-0-maximum": "",
            "rules-0-window_years": "",
            "rules-0-professional_share_percent": "",
            "rules-0-ORDER": "1",
            "rules-0-id": "",
            "rules-0-DELETE": "",
        }
        data.update(overrides)
        url = reverse("wagtailsnippets_lms_requirementruleset:add")
        return client.post(url, data)

    def test_a_valid_rule_set_is_saved_with_its_scope(self, admin_client):
        response = self._post(admin_client)
        assert response.status_code == 302, response.context["form"].errors
        saved = RequirementRuleSet.objects.get(version="2027")
        assert saved.professions == ["village_doctor"]
        assert saved.study_hour_minutes == 45
        assert saved.rules.get().minimum == 12

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"effective_until": "2026-01-01"}, "before its start"),
            ({"rules-0-minimum": "-1"}, "greater than or equal to 0"),
            ({"rules-0-kind": "nonsense"}, "not one of the available choices"),
            ({"rules-0-window_years": "5"}, "leave it empty"),
            ({"professions": ["astronaut"]}, "not one of the available choices"),
            ({"substitution_cap_percent": "150"}, "less than or equal to 100"),
            ({"priority": "0", "professions": []}, "could apply to the same people"),
        ],
    )
    def test_bad_input_is_refused_and_nothing_is_saved(self, admin_client, overrides, message):
        before = RequirementRuleSet.objects.count()
        response = self._post(admin_client, **overrides)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert RequirementRuleSet.objects.count() == before
