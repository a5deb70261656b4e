"""The pure compliance engine: every rule kind, its edges, and its properties."""

import datetime
from decimal import Decimal as D

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from courses.choices import CreditClass, SubjectType
from lms.compliance import (
    ComplianceStatus,
    LedgerLine,
    RuleSetSpec,
    RuleSpec,
    evaluate_compliance,
    format_amount,
    rule_field_errors,
    rule_set_errors,
    year_elapsed_share,
)
from lms.models import ClassGroup, RequirementRuleKind

NAT, PROV, II = CreditClass.CLASS_1_NATIONAL, CreditClass.CLASS_1_PROVINCIAL, CreditClass.CLASS_2
PRO, PUB = SubjectType.PROFESSIONAL, SubjectType.PUBLIC_COMPULSORY
YEAR = 2026
AFTER_YEAR = datetime.date(2027, 1, 15)

NATIONAL = RuleSetSpec(
    name="national",
    version="1",
    rules=(
        RuleSpec(kind="credits_total", minimum=D(25)),
        RuleSpec(kind="credits_class", credit_class="class_1", minimum=D(5), maximum=D(10)),
        RuleSpec(kind="credits_class", credit_class="class_2", minimum=D(15), maximum=D(20)),
        RuleSpec(kind="study_hours", minimum=D(90), professional_share_percent=D("66.67")),
    ),
)


@pytest.fixture(autouse=True)
def _english():
    # The gaps are plain language; these tests read the English of it.
    with translation.override("en"):
        yield


def line(credits, credit_class=II, *, hours=0, subject=PRO, year=YEAR, project=""):
    return LedgerLine(
        year=year,
        credit_class=credit_class,
        subject_type=subject,
        project_number=project,
        credits=D(credits),
        study_hours=D(hours),
    )


def evaluate(lines, rule_set=NATIONAL, today=AFTER_YEAR, year=YEAR):
    return evaluate_compliance(rule_set=rule_set, lines=lines, year=year, today=today)


def check(report, code):
    return next(c for c in report.checks if c.code == code)


def test_engine_vocabulary_matches_the_models():
    assert set(RequirementRuleKind.values) == {
        "credits_total",
        "credits_class",
        "national_window",
        "study_hours",
        "public_compulsory_hours",
    }
    assert set(ClassGroup.values) == {"class_1", "class_2"}


class TestCredits:
    def test_exactly_at_every_minimum_is_compliant(self):
        report = evaluate([line(10, NAT, hours=60), line(15, II, hours=30, subject=PUB)])
        assert report.status == ComplianceStatus.COMPLIANT
        assert check(report, "credits_total").earned == D(25)

    def test_just_under_the_total_names_the_gap(self):
        report = evaluate([line("9.5", NAT, hours=90), line(15, II)])
        total = check(report, "credits_total")
        assert not total.met
        assert total.gap == "0.5 more credits"
        assert report.status == ComplianceStatus.NOT_COMPLIANT

    def test_class_minimum_missing_is_named(self):
        report = evaluate([line(2, NAT, hours=90), line(20, II)])
        assert check(report, "credits_class_1").gap == "3 more Class I credits"
        assert check(report, "credits_class_2").met

    def test_provincial_and_national_both_count_as_class_one(self):
        report = evaluate([line(3, NAT), line(2, PROV)])
        assert check(report, "credits_class_1").earned == D(5)

    def test_credits_beyond_a_class_maximum_do_not_count(self):
        # 30 Class I credits: only 10 count, so the total is 10 + 15 = 25, not 45.
        report = evaluate([line(30, NAT), line(15, II)])
        assert check(report, "credits_class_1").earned == D(10)
        assert check(report, "credits_total").earned == D(25)

    def test_classes_do_not_substitute_by_default(self):
        report = evaluate([line(10, NAT), line(10, II), line(10, II)])
        assert check(report, "credits_class_1").met
        assert check(report, "credits_class_2").earned == D(20)
        report = evaluate([line(10, NAT), line(0, II)])
        assert check(report, "credits_class_2").earned == D(0)

    def test_substitution_is_capped_by_share_of_the_minimum(self):
        rules = (
            RuleSpec(kind="credits_class", credit_class="class_1", minimum=D(10)),
            RuleSpec(kind="credits_class", credit_class="class_2", minimum=D(10)),
        )
        half = RuleSetSpec(name="half", version="1", rules=rules, substitution_cap_percent=50)
        # Class II has 20, i.e. 10 beyond its minimum; Class I has 2, short by 8,
        # but at most half of its minimum (5) may be made up.
        report = evaluate([line(2, NAT), line(20, II)], rule_set=half)
        class_one = check(report, "credits_class_1")
        assert class_one.substituted == D(5)
        assert class_one.earned == D(7)
        assert class_one.gap == "3 more Class I credits"
        # With 5 of its own, the other 5 may come from Class II's surplus: met.
        report = evaluate([line(5, NAT), line(20, II)], rule_set=half)
        assert check(report, "credits_class_1").met
        # Without surplus in the other class there is nothing to substitute.
        report = evaluate([line(5, NAT), line(10, II)], rule_set=half)
        assert check(report, "credits_class_1").substituted == D(0)

    def test_credits_per_project_are_capped(self):
        capped = RuleSetSpec(
            name="cap",
            version="1",
            rules=(RuleSpec(kind="credits_total", minimum=D(30)),),
            project_credit_cap=D(25),
        )
        report = evaluate(
            [line(20, NAT, project="P-1"), line(20, NAT, project="P-1"), line(5, II)],
            rule_set=capped,
        )
        assert check(report, "credits_total").earned == D(30)

    def test_other_years_do_not_count(self):
        report = evaluate([line(25, II, year=YEAR - 1), line(25, II, year=YEAR + 1)])
        assert check(report, "credits_total").earned == D(0)


class TestNationalWindow:
    RULES = RuleSetSpec(
        name="tertiary",
        version="1",
        rules=(RuleSpec(kind="national_window", minimum=D(10), window_years=5),),
    )

    def test_counts_the_year_and_the_four_before(self):
        report = evaluate(
            [line(4, NAT, year=2022), line(6, NAT, year=2026), line(9, NAT, year=2021)],
            rule_set=self.RULES,
        )
        window = check(report, "national_window")
        assert window.first_year == 2022
        assert window.earned == D(10)
        assert window.met

    def test_a_year_outside_the_window_is_not_counted(self):
        report = evaluate([line(10, NAT, year=2021)], rule_set=self.RULES)
        assert check(report, "national_window").gap == (
            "10 more national-project Class I credits by the end of 2026"
        )

    def test_provincial_credits_are_not_national(self):
        report = evaluate([line(10, PROV)], rule_set=self.RULES)
        assert not check(report, "national_window").met

    def test_needs_the_years_of_its_window(self):
        assert self.RULES.years_needed == 5
        assert NATIONAL.years_needed == 1


class TestStudyHours:
    def test_exactly_ninety_hours_two_thirds_professional(self):
        report = evaluate([line(0, hours=60), line(0, hours=30, subject=PUB)])
        assert check(report, "study_hours").met
        professional = check(report, "professional_hours")
        assert professional.required == D("60.0")
        assert professional.met

    def test_too_few_professional_hours_is_named(self):
        report = evaluate([line(0, hours=48), line(0, hours=42, subject=PUB)])
        assert check(report, "study_hours").met
        assert check(report, "professional_hours").gap == "12 more professional study hours"

    def test_forty_five_minute_study_hours(self):
        short = RuleSetSpec(
            name="45",
            version="1",
            rules=(RuleSpec(kind="study_hours", minimum=D(90)),),
            study_hour_minutes=45,
        )
        # 67.5 clock hours are 90 study hours of 45 minutes.
        report = evaluate([line(0, hours="67.5")], rule_set=short)
        assert check(report, "study_hours").earned == D(90)
        assert check(report, "study_hours").met
        report = evaluate([line(0, hours="67.4")], rule_set=short)
        assert check(report, "study_hours").gap == "0.2 more study hours"

    def test_public_compulsory_minimum(self):
        rules = RuleSetSpec(
            name="pc",
            version="1",
            rules=(RuleSpec(kind="public_compulsory_hours", minimum=D(30)),),
        )
        report = evaluate([line(0, hours=29, subject=PUB), line(0, hours=80)], rule_set=rules)
        assert check(report, "public_compulsory_hours").gap == (
            "1 more public-compulsory study hours"
        )


class TestStatus:
    def test_no_rule_set(self):
        report = evaluate([line(3)], rule_set=None)
        assert report.status == ComplianceStatus.NO_RULES
        assert report.checks == ()
        assert report.credits_by_class[II] == D(3)

    def test_behind_the_year_is_at_risk_and_in_step_is_on_track(self):
        october = datetime.date(YEAR, 10, 1)  # three quarters of the year passed
        behind = evaluate([line(10, NAT, hours=90), line(5, II)], today=october)
        assert behind.status == ComplianceStatus.AT_RISK
        in_step = evaluate([line(10, NAT, hours=90), line(12, II)], today=october)
        assert in_step.status == ComplianceStatus.ON_TRACK

    def test_early_in_the_year_nobody_is_at_risk(self):
        report = evaluate([], today=datetime.date(YEAR, 2, 1))
        assert report.status == ComplianceStatus.ON_TRACK

    def test_once_the_year_is_over_a_gap_is_not_compliant(self):
        report = evaluate([line(24, II)], today=datetime.date(YEAR + 1, 1, 1))
        assert report.status == ComplianceStatus.NOT_COMPLIANT

    def test_compliant_during_the_year(self):
        report = evaluate([line(10, NAT, hours=90), line(15, II)], today=datetime.date(YEAR, 3, 1))
        assert report.status == ComplianceStatus.COMPLIANT

    def test_year_elapsed_share_at_the_boundaries(self):
        assert year_elapsed_share(year=YEAR, today=datetime.date(YEAR - 1, 12, 31)) == 0
        assert year_elapsed_share(year=YEAR, today=datetime.date(YEAR, 12, 31)) == 1
        assert year_elapsed_share(year=YEAR, today=datetime.date(YEAR + 1, 1, 1)) == 1
        assert 0 < year_elapsed_share(year=YEAR, today=datetime.date(YEAR, 1, 1)) < D("0.01")


class TestRuleValidation:
    def test_each_kind_needs_its_values(self):
        errors = rule_field_errors(
            kind="national_window",
            credit_class="",
            minimum=D(10),
            maximum=None,
            window_years=None,
            professional_share_percent=None,
        )
        assert errors == {"window_years": "This rule needs a value here."}

    def test_fields_a_kind_does_not_use_must_stay_empty(self):
        errors = rule_field_errors(
            kind="credits_total",
            credit_class="class_1",
            minimum=D(25),
            maximum=None,
            window_years=3,
            professional_share_percent=None,
        )
        assert set(errors) == {"credit_class", "window_years"}

    def test_class_rule_needs_a_bound_and_an_order(self):
        assert "minimum" in rule_field_errors(
            kind="credits_class",
            credit_class="class_1",
            minimum=None,
            maximum=None,
            window_years=None,
            professional_share_percent=None,
        )
        assert rule_field_errors(
            kind="credits_class",
            credit_class="class_1",
            minimum=D(10),
            maximum=D(5),
            window_years=None,
            professional_share_percent=None,
        ) == {"maximum": "The maximum is below the minimum."}

    def test_unknown_kind(self):
        assert "kind" in rule_field_errors(
            kind="bogus",
            credit_class="",
            minimum=None,
            maximum=None,
            window_years=None,
            professional_share_percent=None,
        )

    def test_repeated_rules_and_impossible_sets(self):
        assert rule_set_errors(NATIONAL.rules) == []
        assert rule_set_errors([NATIONAL.rules[0], NATIONAL.rules[0]])
        impossible = [
            RuleSpec(kind="credits_total", minimum=D(25)),
            RuleSpec(kind="credits_class", credit_class="class_1", maximum=D(5)),
            RuleSpec(kind="credits_class", credit_class="class_2", maximum=D(10)),
        ]
        assert "nobody could comply" in rule_set_errors(impossible)[0]


def test_format_amount():
    assert format_amount(D("25.00")) == "25"
    assert format_amount(D("2.50")) == "2.5"
    assert format_amount(D("-3")) == "-3"


# --- Properties ------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=30, places=2, allow_nan=False, allow_infinity=False)
awards = st.builds(
    line,
    amounts,
    st.sampled_from([NAT, PROV, II]),
    hours=amounts,
    subject=st.sampled_from([PRO, PUB]),
    year=st.integers(min_value=YEAR - 5, max_value=YEAR),
    project=st.sampled_from(["", "P-1", "P-2"]),
)
rule_sets = st.sampled_from(
    [
        NATIONAL,
        RuleSetSpec(
            name="tertiary",
            version="1",
            substitution_cap_percent=50,
            study_hour_minutes=45,
            rules=(
                *NATIONAL.rules,
                RuleSpec(kind="national_window", minimum=D(10), window_years=5),
                RuleSpec(kind="public_compulsory_hours", minimum=D(20)),
            ),
        ),
    ]
)
days = st.dates(min_value=datetime.date(YEAR, 1, 1), max_value=datetime.date(YEAR + 1, 2, 1))


def _standing(report):
    return (
        ComplianceStatus.rank(report.status),
        tuple((c.code, c.met, c.earned) for c in report.checks),
    )


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(awards, max_size=12), extra=awards, rule_set=rule_sets, today=days)
def test_adding_an_award_never_lowers_compliance(lines, extra, rule_set, today):
    before = evaluate(lines, rule_set=rule_set, today=today)
    after = evaluate([*lines, extra], rule_set=rule_set, today=today)
    assert ComplianceStatus.rank(after.status) >= ComplianceStatus.rank(before.status)
    for old, new in zip(before.checks, after.checks, strict=True):
        assert new.earned >= old.earned
        assert new.met or not old.met


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(awards, max_size=12), rule_set=rule_sets, today=days, data=st.data())
def test_the_order_of_awards_does_not_matter(lines, rule_set, today, data):
    shuffled = data.draw(st.permutations(lines))
    assert _standing(evaluate(lines, rule_set=rule_set, today=today)) == _standing(
        evaluate(shuffled, rule_set=rule_set, today=today)
    )


def _reversal(award: LedgerLine) -> LedgerLine:
    return LedgerLine(
        year=award.year,
        credit_class=award.credit_class,
        subject_type=award.subject_type,
        project_number=award.project_number,
        credits=-award.credits,
        study_hours=-award.study_hours,
    )


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(awards, max_size=12), extra=awards, rule_set=rule_sets, today=days)
def test_a_reversing_entry_restores_the_previous_state(lines, extra, rule_set, today):
    # The ledger is summed before judging, as the selector's query does.
    before = evaluate(lines, rule_set=rule_set, today=today)
    reversed_ = evaluate([*lines, extra, _reversal(extra)], rule_set=rule_set, today=today)
    assert _standing(reversed_) == _standing(before)


@pytest.mark.parametrize("cap", [0, 50, 100])
def test_substitution_never_exceeds_its_cap(cap):
    spec = RuleSetSpec(
        name="s",
        version="1",
        substitution_cap_percent=cap,
        rules=(
            RuleSpec(kind="credits_class", credit_class="class_1", minimum=D(10)),
            RuleSpec(kind="credits_class", credit_class="class_2", minimum=D(10)),
        ),
    )
    report = evaluate([line(40, II)], rule_set=spec)
    assert check(report, "credits_class_1").substituted == D(10) * cap / 100
