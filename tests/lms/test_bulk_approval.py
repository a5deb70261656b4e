"""Approving several external-activity claims at once: the service that approves each
in its own transaction through the single-decision service, and the queue's selection,
confirmation page and result."""

from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.choices import InstitutionKind
from accounts.roles import Role
from accounts.services import hr_scope_grant
from lms.errors import BulkApprovalRefused, ExternalActivityNotAllowed
from lms.models import (
    ActivityAction,
    ActivityStatus,
    ApprovalLevel,
    CreditEntry,
    ExternalActivity,
    ExternalActivityEvent,
)
from lms.services import approval_chain_save, external_activity_decide
from lms.services.external_activities import (
    BULK_APPROVE_LIMIT,
    external_activities_approve_many,
)
from tests.accounts.factories import DepartmentFactory, UserFactory, institution
from tests.lms.factories import submitted_activity

pytestmark = pytest.mark.django_db

DEPT, OFFICE, COMMISSION = (
    ApprovalLevel.DEPARTMENT_HEAD,
    ApprovalLevel.INSTITUTION_OFFICE,
    ApprovalLevel.HEALTH_COMMISSION,
)
BULK_URL = reverse("lms:approvals_bulk")
QUEUE_URL = reverse("lms:approvals")


def english(message) -> str:
    with translation.override("en"):
        return str(message)


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def org(institutions):
    """A county hospital with a department and its head, the hospital's office (HR
    officer of the county), the city's health commission, another county's officer, a
    learner without rights and a superuser."""
    hospital = institutions["hospital_a"]
    commission_body = institution(
        name="拉萨市卫生健康委员会",
        kind=InstitutionKind.HEALTH_COMMISSION,
        parent=institutions["city"],
    )
    medicine = DepartmentFactory(institution=hospital, name="内科")
    head = UserFactory(role=Role.LEARNER, institution=hospital, department=medicine)
    medicine.head = head
    medicine.save()
    office = UserFactory(institution=hospital, real_name="王晓梅")
    hr_scope_grant(user=office, institution=institutions["county_a"])
    commission = UserFactory(institution=commission_body, real_name="卫健委科教科")
    hr_scope_grant(user=commission, institution=institutions["city"])
    other_hr = UserFactory(institution=institutions["hospital_b"])
    hr_scope_grant(user=other_hr, institution=institutions["county_b"])
    return SimpleNamespace(
        hospital=hospital,
        institutions=institutions,
        medicine=medicine,
        head=head,
        office=office,
        commission=commission,
        other_hr=other_hr,
        learner=UserFactory(role=Role.LEARNER, institution=hospital),
        admin=UserFactory(is_superuser=True, is_staff=True, institution=commission_body),
    )


def claims_at_office(org, count: int) -> list[ExternalActivity]:
    """Claims of different learners of the hospital, each waiting at the office (the
    default chain: the office decides alone)."""
    return [
        submitted_activity(
            UserFactory(role=Role.LEARNER, institution=org.hospital, real_name=f"学员乙{n}"),
            title=f"学术会议{n}",
        )
        for n in range(count)
    ]


def fresh(activity) -> ExternalActivity:
    return ExternalActivity.objects.get(pk=activity.pk)


def seen(activities) -> list[tuple[int, int]]:
    return [(a.pk, a.current_step) for a in activities]


def posted(activities) -> list[str]:
    return [f"{a.pk}:{a.current_step}" for a in activities]


# -- The service ------------------------------------------------------------------------------


class TestApproveMany:
    def test_each_claim_is_approved_and_audited_on_its_own(self, org):
        claims = claims_at_office(org, 3)
        result = external_activities_approve_many(
            actor=org.office, items=seen(claims), comment="材料齐全"
        )
        assert [item.activity_id for item in result.approved] == [c.pk for c in claims]
        assert result.skipped == []
        for claim in claims:
            assert fresh(claim).status == ActivityStatus.APPROVED
            approvals = ExternalActivityEvent.objects.filter(
                activity=claim, action=ActivityAction.APPROVED
            )
            assert approvals.count() == 1
            event = approvals.get()
            assert event.actor == org.office
            assert event.step == 0
            assert event.level == OFFICE
            assert event.reason == "材料齐全"
            assert CreditEntry.objects.filter(learner=claim.learner).count() == 1

    def test_a_stale_claim_is_skipped_and_the_others_still_approved(self, org):
        approval_chain_save(institution=org.hospital, levels=[OFFICE, COMMISSION])
        first, stale, last = claims_at_office(org, 3)
        items = seen([first, stale, last])  # as the office saw them: all at step 0
        # Meanwhile a superuser decides the office step of the middle one.
        external_activity_decide(activity_id=stale.pk, actor=org.admin, step=0, decision="approve")
        result = external_activities_approve_many(actor=org.office, items=items, comment="")
        assert [item.activity_id for item in result.approved] == [first.pk, last.pk]
        [skipped] = result.skipped
        assert skipped.activity_id == stale.pk
        assert skipped.code == "step_decided"
        assert skipped.error == str(ExternalActivityNotAllowed.STEP_DECIDED)
        assert fresh(first).current_level == fresh(last).current_level == COMMISSION
        # The stale claim has only the superuser's approval of that step.
        step_approvals = ExternalActivityEvent.objects.filter(
            activity=stale, action=ActivityAction.STEP_APPROVED
        )
        assert [event.actor for event in step_approvals] == [org.admin]

    def test_claims_not_at_the_officers_step_or_scope_are_refused(self, org):
        approval_chain_save(institution=org.hospital, levels=[DEPT, OFFICE])
        at_head = submitted_activity(
            UserFactory(role=Role.LEARNER, institution=org.hospital, department=org.medicine),
            title="待科主任审核",
        )
        assert fresh(at_head).current_level == DEPT
        elsewhere = submitted_activity(
            UserFactory(role=Role.LEARNER, institution=org.institutions["hospital_b"]),
            title="当雄县的申请",
        )
        mine = claims_at_office(org, 1)[0]  # hospital without department: head skipped
        assert fresh(mine).current_level == OFFICE
        result = external_activities_approve_many(
            actor=org.office,
            items=[*seen([at_head, elsewhere, mine]), (987654, 0)],
            comment="",
        )
        assert [item.activity_id for item in result.approved] == [mine.pk]
        assert {item.activity_id: item.code for item in result.skipped} == {
            at_head.pk: "not_eligible",
            elsewhere.pk: "not_eligible",
            987654: "not_eligible",
        }
        assert fresh(at_head).status == fresh(elsewhere).status == ActivityStatus.SUBMITTED
        assert (
            not ExternalActivityEvent.objects.filter(actor=org.office)
            .exclude(activity=mine)
            .exists()
        )

    def test_a_claim_listed_twice_is_decided_once(self, org):
        [claim] = claims_at_office(org, 1)
        result = external_activities_approve_many(
            actor=org.office, items=[(claim.pk, 0), (claim.pk, 0)], comment=""
        )
        assert len(result.approved) == 1
        assert result.skipped == []

    def test_more_than_the_limit_or_nothing_is_refused_before_anything_is_decided(self, org):
        [claim] = claims_at_office(org, 1)
        items = [(claim.pk, 0)] + [(10_000 + n, 0) for n in range(BULK_APPROVE_LIMIT)]
        with pytest.raises(BulkApprovalRefused) as caught:
            external_activities_approve_many(actor=org.office, items=items, comment="")
        assert caught.value.code == "too_many"
        assert fresh(claim).status == ActivityStatus.SUBMITTED
        with pytest.raises(BulkApprovalRefused) as caught:
            external_activities_approve_many(actor=org.office, items=[], comment="")
        assert caught.value.code == "no_items"

    def test_a_learner_approves_nothing(self, org):
        claims = claims_at_office(org, 2)
        result = external_activities_approve_many(actor=org.learner, items=seen(claims))
        assert result.approved == []
        assert {item.code for item in result.skipped} == {"not_eligible"}
        assert all(fresh(c).status == ActivityStatus.SUBMITTED for c in claims)


# -- The pages ---------------------------------------------------------------------------------


class TestBulkPages:
    def test_the_queue_offers_a_box_per_claim_with_the_step_it_shows(self, client, org):
        claims = claims_at_office(org, 2)
        client.force_login(org.office)
        page = client.get(QUEUE_URL).content.decode()
        for value in posted(claims):
            assert f'name="item" value="{value}"' in page
        assert f'action="{BULK_URL}"' in page

    def test_select_confirm_and_approve(self, client, org):
        claims = claims_at_office(org, 3)
        chosen = claims[:2]
        client.force_login(org.office)
        response = client.post(BULK_URL, {"item": posted(chosen)})
        assert response.status_code == 200
        page = response.content.decode()
        for claim in chosen:
            assert claim.title in page
            assert str(claim.learner) in page
            evidence = claim.evidence.get()
            assert reverse("lms:activity_evidence", args=[claim.pk, evidence.pk]) in page
            assert f'name="item" value="{claim.pk}:0"' in page
        assert claims[2].title not in page
        assert 'name="confirmed"' in page
        assert all(fresh(c).status == ActivityStatus.SUBMITTED for c in claims)  # nothing yet

        response = client.post(
            BULK_URL,
            {"item": posted(chosen), "stage": "approve", "confirmed": "on", "comment": "已核对"},
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "2 claims approved" in page
        for claim in chosen:
            assert fresh(claim).status == ActivityStatus.APPROVED
            event = ExternalActivityEvent.objects.get(
                activity=claim, action=ActivityAction.APPROVED
            )
            assert (event.actor, event.reason) == (org.office, "已核对")
        assert fresh(claims[2]).status == ActivityStatus.SUBMITTED

    def test_the_confirming_tick_is_required(self, client, org):
        claims = claims_at_office(org, 2)
        client.force_login(org.office)
        response = client.post(
            BULK_URL, {"item": posted(claims), "stage": "approve", "comment": "好"}
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "Tick the box to confirm" in page
        assert all(claim.title in page for claim in claims)
        assert all(fresh(c).status == ActivityStatus.SUBMITTED for c in claims)
        assert not ExternalActivityEvent.objects.filter(actor=org.office).exists()

    def test_the_result_lists_skipped_claims_with_the_reason(self, client, org):
        approval_chain_save(institution=org.hospital, levels=[OFFICE, COMMISSION])
        ok, stale = claims_at_office(org, 2)
        items = posted([ok, stale])
        external_activity_decide(activity_id=stale.pk, actor=org.admin, step=0, decision="approve")
        client.force_login(org.office)
        response = client.post(BULK_URL, {"item": items, "stage": "approve", "confirmed": "on"})
        page = response.content.decode()
        assert "1 claim approved" in page
        assert "1 claim not approved" in page
        assert stale.title in page  # the office may still see it: it is on its chain
        assert english(ExternalActivityNotAllowed.STEP_DECIDED) in page
        assert fresh(ok).current_level == COMMISSION

    def test_a_claim_decided_before_the_confirmation_is_left_out(self, client, org):
        approval_chain_save(institution=org.hospital, levels=[OFFICE, COMMISSION])
        ok, stale = claims_at_office(org, 2)
        items = posted([ok, stale])
        external_activity_decide(activity_id=stale.pk, actor=org.admin, step=0, decision="approve")
        client.force_login(org.office)
        page = client.post(BULK_URL, {"item": items}).content.decode()
        assert ok.title in page
        assert stale.title not in page
        assert "1 selected claim no longer waits at the step you saw" in page

    def test_more_than_the_limit_goes_back_to_the_queue_with_an_error(self, client, org):
        [claim] = claims_at_office(org, 1)
        items = [f"{claim.pk}:0"] + [f"{10_000 + n}:0" for n in range(BULK_APPROVE_LIMIT)]
        client.force_login(org.office)
        for stage in ("", "approve"):
            response = client.post(
                BULK_URL, {"item": items, "stage": stage, "confirmed": "on"}, follow=True
            )
            assert response.redirect_chain[-1][0] == QUEUE_URL
            assert "Approve at most 100 claims at once." in response.content.decode()
        assert fresh(claim).status == ActivityStatus.SUBMITTED

    @pytest.mark.parametrize("items", [[], ["12"], ["a:b"], ["1:-1"]])
    def test_an_empty_or_malformed_selection_goes_back_to_the_queue(self, client, org, items):
        client.force_login(org.office)
        response = client.post(BULK_URL, {"item": items})
        assert response.status_code == 302
        assert response["Location"] == QUEUE_URL

    def test_learners_cannot_and_others_approve_nothing(self, client, org):
        claims = claims_at_office(org, 2)
        data = {"item": posted(claims), "stage": "approve", "confirmed": "on"}
        client.force_login(org.learner)
        assert client.post(BULK_URL, data).status_code == 403
        assert client.post(BULK_URL, {"item": posted(claims)}).status_code == 403
        client.logout()
        response = client.post(BULK_URL, data)
        assert response.status_code == 302
        assert "login" in response["Location"]
        # An officer of another county: nothing listed, nothing approved, no titles shown.
        client.force_login(org.other_hr)
        page = client.post(BULK_URL, {"item": posted(claims)}).content.decode()
        assert not any(claim.title in page for claim in claims)
        page = client.post(BULK_URL, data).content.decode()
        assert "2 claims not approved" in page
        assert not any(claim.title in page for claim in claims)
        assert all(fresh(c).status == ActivityStatus.SUBMITTED for c in claims)
        assert client.get(BULK_URL).status_code == 405

    @pytest.mark.parametrize("count", [3, 12])
    def test_the_confirmation_page_query_count_does_not_grow_with_claims(
        self, client, org, count, django_assert_num_queries
    ):
        claims = claims_at_office(org, count)
        client.force_login(org.office)
        client.post(BULK_URL, {"item": posted(claims)})
        with django_assert_num_queries(CONFIRM_QUERIES):
            response = client.post(BULK_URL, {"item": posted(claims)})
        assert len(response.context["claims"]) == count


# The user, HR scopes and institution kind; the claims (with learner, institution and
# department) and their evidence; the site and its two settings (a POST); the admin
# user bar's profile (twice). Permission sets come from the cache.
CONFIRM_QUERIES = 10
