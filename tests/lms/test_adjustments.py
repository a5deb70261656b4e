"""Officers' adjustments and reversals of a learner's credit record, scope-checked."""

from decimal import Decimal as D

import pytest
from django.utils import timezone

from accounts.roles import Role
from accounts.services import hr_scope_grant
from courses.choices import CreditClass, SubjectType
from lms.errors import CreditCorrectionRejected
from lms.models import CreditEntry, CreditSource
from lms.services import credit_adjust, credit_correct
from tests.accounts.factories import UserFactory
from tests.lms.test_requirements import award

pytestmark = pytest.mark.django_db
THIS_YEAR = timezone.localdate().year


@pytest.fixture
def officer(institutions):
    user = UserFactory(role=Role.HR_OFFICER, institution=institutions["hospital_a"])
    hr_scope_grant(user=user, institution=institutions["county_a"])
    return user


@pytest.fixture
def person(institutions):
    return UserFactory(role=Role.LEARNER, institution=institutions["township_a"])


def adjustment(**overrides):
    values = {
        "credits": D(2),
        "study_hours": D(6),
        "credit_class": CreditClass.CLASS_2,
        "subject_type": SubjectType.PROFESSIONAL,
        "year": THIS_YEAR,
        "activity_title": "在《中国高原医学杂志》发表论文",
        "reason": "论文经科教科审核",
    }
    return values | overrides


def test_an_officer_records_an_adjustment_with_name_and_reason(officer, person):
    entry = credit_adjust(learner=person, acting_user=officer, **adjustment())
    assert entry.source == CreditSource.ADJUSTMENT
    assert entry.awarded_by == officer
    assert entry.reason == "论文经科教科审核"
    assert entry.credits == D(2)
    # Each adjustment is its own award: a second one is not a duplicate.
    credit_adjust(learner=person, acting_user=officer, **adjustment())
    assert CreditEntry.objects.filter(learner=person).count() == 2


def test_an_adjustment_may_take_credits_away(officer, person):
    entry = credit_adjust(learner=person, acting_user=officer, **adjustment(credits=D(-1)))
    assert entry.credits == D(-1)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"reason": "  "}, CreditCorrectionRejected.REASON_REQUIRED),
        ({"activity_title": ""}, CreditCorrectionRejected.TITLE_REQUIRED),
        ({"credits": D(0), "study_hours": D(0)}, CreditCorrectionRejected.ZERO),
        ({"credit_class": "class_3"}, CreditCorrectionRejected.UNKNOWN_CLASS),
        ({"subject_type": "leisure"}, CreditCorrectionRejected.UNKNOWN_SUBJECT),
    ],
)
def test_bad_adjustments_are_refused_and_record_nothing(officer, person, overrides, message):
    with pytest.raises(CreditCorrectionRejected) as caught:
        credit_adjust(learner=person, acting_user=officer, **adjustment(**overrides))
    assert caught.value.messages == [str(message)]
    assert not CreditEntry.objects.exists()


@pytest.mark.parametrize("year", [1999, THIS_YEAR + 1])
def test_years_outside_the_record_are_refused(officer, person, year):
    with pytest.raises(CreditCorrectionRejected, match=str(THIS_YEAR)):
        credit_adjust(learner=person, acting_user=officer, **adjustment(year=year))


def test_officers_outside_the_scope_and_learners_may_not(institutions, person, officer):
    other = UserFactory(role=Role.HR_OFFICER, institution=institutions["hospital_b"])
    hr_scope_grant(user=other, institution=institutions["county_b"])
    colleague = UserFactory(role=Role.LEARNER, institution=institutions["township_a"])
    for actor in (other, colleague):
        with pytest.raises(CreditCorrectionRejected) as caught:
            credit_adjust(learner=person, acting_user=actor, **adjustment())
        assert caught.value.messages == [str(CreditCorrectionRejected.NOT_ALLOWED)]
    with pytest.raises(CreditCorrectionRejected) as caught:
        credit_adjust(learner=officer, acting_user=officer, **adjustment())
    assert caught.value.messages == [str(CreditCorrectionRejected.OWN_RECORD)]
    assert not CreditEntry.objects.exists()


def test_an_officer_reverses_an_entry_of_their_staff(officer, person):
    entry = award(person, 3, year=THIS_YEAR)
    reversal = credit_correct(entry=entry, acting_user=officer, reason="重复登记")
    assert reversal.credits == D(-3)
    assert reversal.awarded_by == officer
    with pytest.raises(CreditCorrectionRejected):
        credit_correct(entry=entry, acting_user=officer, reason="again")


class TestPages:
    def test_the_audit_page_offers_corrections_only_to_those_who_may(
        self, client, home, officer, person, institutions
    ):
        award(person, 3, year=THIS_YEAR)
        client.force_login(officer)
        page = client.get(f"/learn/audit/{person.pk}/")
        assert page.status_code == 200
        assert page.context["may_correct"]
        assert f"/learn/audit/{person.pk}/adjust/".encode() in page.content

    def test_adjust_and_reverse_through_the_page(self, client, home, officer, person):
        entry = award(person, 3, year=THIS_YEAR)
        client.force_login(officer)
        form = {k: str(v) for k, v in adjustment().items()}
        response = client.post(f"/learn/audit/{person.pk}/adjust/", form)
        assert response.status_code == 302
        assert CreditEntry.objects.filter(source=CreditSource.ADJUSTMENT).count() == 2
        response = client.post(
            f"/learn/audit/{person.pk}/entries/{entry.pk}/reverse/", {"reason": "重复登记"}
        )
        assert response.status_code == 302
        assert CreditEntry.objects.filter(reverses=entry).exists()

    def test_bad_form_input_records_nothing(self, client, home, officer, person):
        client.force_login(officer)
        form = {k: str(v) for k, v in adjustment(credits="abc").items()}
        response = client.post(f"/learn/audit/{person.pk}/adjust/", form, follow=True)
        assert not CreditEntry.objects.exists()
        assert any(
            "Nothing was recorded" in str(m) or "未登记" in str(m)
            for m in response.context["messages"]
        )

    def test_others_get_not_found(self, client, home, institutions, person):
        entry = award(person, 3, year=THIS_YEAR)
        stranger = UserFactory(role=Role.LEARNER, institution=institutions["hospital_b"])
        client.force_login(stranger)
        form = {k: str(v) for k, v in adjustment().items()}
        assert client.post(f"/learn/audit/{person.pk}/adjust/", form).status_code == 404
        reverse_url = f"/learn/audit/{person.pk}/entries/{entry.pk}/reverse/"
        assert client.post(reverse_url, {"reason": "x"}).status_code == 404
        client.force_login(person)  # not even the learner corrects their own record
        assert client.post(reverse_url, {"reason": "x"}).status_code == 404
        assert CreditEntry.objects.count() == 1
