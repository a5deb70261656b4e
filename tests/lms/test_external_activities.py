"""External activities: reporting with evidence, the configurable approval chain, who
may decide which step, the credit written on final approval, e-mail, and the pages."""

import datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.choices import InstitutionKind
from accounts.roles import Role
from accounts.services import hr_scope_grant
from courses.choices import CreditClass
from lms.errors import ApprovalChainRejected, ExternalActivityNotAllowed, ExternalActivityRejected
from lms.models import (
    ActivityAction,
    ActivityDecision,
    ActivityStatus,
    ApprovalChain,
    ApprovalLevel,
    CreditEntry,
    CreditSource,
    EvidenceFile,
    ExternalActivity,
    ExternalActivityEvent,
    RequirementRuleSet,
    SkipReason,
)
from lms.selectors import (
    activity_counting_rules,
    approval_chain_for,
    approval_queue,
    approver_profile,
    eligible_approvers,
    may_act_on_level,
)
from lms.services import (
    approval_chain_save,
    credit_award_for_external_activity,
    credit_reverse,
    external_activity_decide,
    external_activity_resubmit,
    external_activity_withdraw,
)
from lms.services.activity_mail import external_activity_event_notify
from lms.storage import private_media_storage
from tests.accounts.factories import DepartmentFactory, UserFactory, institution
from tests.concurrency import require_postgresql, run_at_once
from tests.lms.factories import (
    activity_report,
    image_upload,
    pdf_upload,
    submitted_activity,
)

pytestmark = pytest.mark.django_db

DEPT, OFFICE, COMMISSION = (
    ApprovalLevel.DEPARTMENT_HEAD,
    ApprovalLevel.INSTITUTION_OFFICE,
    ApprovalLevel.HEALTH_COMMISSION,
)
APPROVE, RETURN, REJECT = ActivityDecision.APPROVE, ActivityDecision.RETURN, ActivityDecision.REJECT


# -- People and chains ----------------------------------------------------------------------


@pytest.fixture
def org(institutions):
    """A county hospital's internal-medicine department with its head, the hospital's
    office, the city's health commission, another county's HR officer, a colleague
    without rights and a superuser."""
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
    claimant = UserFactory(
        role=Role.LEARNER, institution=hospital, department=medicine, real_name="次仁多吉"
    )
    office = UserFactory(institution=hospital, real_name="王晓梅")
    hr_scope_grant(user=office, institution=institutions["county_a"])
    commission = UserFactory(institution=commission_body, real_name="卫健委科教科")
    hr_scope_grant(user=commission, institution=institutions["city"])
    other_hr = UserFactory(institution=institutions["hospital_b"])
    hr_scope_grant(user=other_hr, institution=institutions["county_b"])
    return SimpleNamespace(
        hospital=hospital,
        institutions=institutions,
        commission_body=commission_body,
        medicine=medicine,
        head=head,
        claimant=claimant,
        office=office,
        commission=commission,
        other_hr=other_hr,
        outsider=UserFactory(role=Role.LEARNER, institution=hospital),
        admin=UserFactory(is_superuser=True, is_staff=True, institution=commission_body),
    )


@pytest.fixture
def full_chain(org):
    return approval_chain_save(institution=org.hospital, levels=[DEPT, OFFICE, COMMISSION])


def fresh(activity) -> ExternalActivity:
    return ExternalActivity.objects.get(pk=activity.pk)


def decide(activity, actor, decision=APPROVE, reason="", *, step=None):
    current = fresh(activity)
    return external_activity_decide(
        activity_id=activity.pk,
        actor=actor,
        step=current.current_step if step is None else step,
        decision=decision,
        reason=reason,
    )


def actions(activity) -> list[str]:
    return list(
        ExternalActivityEvent.objects.filter(activity=activity)
        .order_by("pk")
        .values_list("action", flat=True)
    )


def stored_files() -> list[Path]:
    root = Path(settings.SNOWLAND_PRIVATE_MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def nothing_written():
    assert ExternalActivity.objects.count() == 0
    assert EvidenceFile.objects.count() == 0
    assert ExternalActivityEvent.objects.count() == 0
    assert stored_files() == []


def messages_of(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


# -- Which chain applies ----------------------------------------------------------------------


class TestChainResolution:
    def test_without_a_chain_the_institutions_office_decides_alone(self, org):
        resolved = approval_chain_for(institution=org.hospital)
        assert resolved.levels == (OFFICE,)
        assert resolved.chain is None

    def test_a_chain_applies_to_everything_under_its_institution(self, org):
        county = org.institutions["county_a"]
        approval_chain_save(institution=county, levels=[OFFICE, COMMISSION])
        assert approval_chain_for(institution=org.hospital).levels == (OFFICE, COMMISSION)
        township = org.institutions["township_a"]
        assert approval_chain_for(institution=township).chain.institution == county
        assert approval_chain_for(institution=org.institutions["hospital_b"]).levels == (OFFICE,)

    def test_the_deepest_chain_wins(self, org):
        approval_chain_save(institution=org.institutions["city"], levels=[OFFICE, COMMISSION])
        approval_chain_save(institution=org.hospital, levels=[DEPT, OFFICE])
        assert approval_chain_for(institution=org.hospital).levels == (DEPT, OFFICE)
        assert approval_chain_for(institution=org.institutions["hospital_b"]).levels == (
            OFFICE,
            COMMISSION,
        )

    def test_a_chain_of_only_the_department_head_ends_at_the_office(self, org):
        approval_chain_save(institution=org.hospital, levels=[DEPT])
        assert approval_chain_for(institution=org.hospital).levels == (DEPT, OFFICE)

    @pytest.mark.parametrize(
        ("levels", "message"),
        [
            ([], ApprovalChainRejected.NO_STEPS),
            ([OFFICE, DEPT, OFFICE], ApprovalChainRejected.DUPLICATE_LEVEL),
            (["dean"], ApprovalChainRejected.UNKNOWN_LEVEL),
        ],
    )
    def test_incoherent_chains_are_refused(self, org, levels, message):
        with pytest.raises(ApprovalChainRejected) as caught:
            approval_chain_save(institution=org.hospital, levels=levels)
        assert str(message) in messages_of(caught.value)
        assert not ApprovalChain.objects.exists()

    def test_editing_a_chain_does_not_change_claims_in_flight(self, org, full_chain):
        activity = submitted_activity(org.claimant)
        approval_chain_save(institution=org.hospital, levels=[OFFICE])
        assert fresh(activity).chain_levels == [DEPT, OFFICE, COMMISSION]
        decide(activity, org.head)
        assert fresh(activity).current_level == OFFICE


# -- Who may act ---------------------------------------------------------------------------------

WHO_MAY_ACT = {
    # person: (department head step, office step, commission step)
    "head": (True, False, False),
    "office": (False, True, False),
    "commission": (False, False, True),
    "outsider": (False, False, False),
    "claimant": (False, False, False),
    "other_hr": (False, False, False),
    "admin": (False, True, False),
}


@pytest.mark.parametrize("person", list(WHO_MAY_ACT))
def test_who_may_act_on_each_level(org, person):
    user = getattr(org, person)
    profile = approver_profile(user=user)
    claimant = (
        type(org.claimant)
        .objects.select_related("department", "institution")
        .get(pk=org.claimant.pk)
    )
    allowed = tuple(
        may_act_on_level(profile=profile, learner=claimant, level=level)
        for level in (DEPT, OFFICE, COMMISSION)
    )
    assert allowed == WHO_MAY_ACT[person]


def test_an_office_holder_at_a_health_commission_does_not_decide_office_steps(org):
    # The commission's officer covers the hospital by scope, but is not its office.
    assert approver_profile(user=org.commission).at_health_commission
    assert org.commission.has_perm("lms.approve_external_activities")


def test_hr_officers_and_site_administrators_hold_the_approval_permission(org):
    admin = UserFactory(role=Role.SITE_ADMINISTRATOR)
    assert admin.has_perm("lms.approve_external_activities")
    assert org.office.has_perm("lms.approve_external_activities")
    assert not org.outsider.has_perm("lms.approve_external_activities")


def test_eligible_approvers_of_each_step(org, full_chain):
    activity = submitted_activity(org.claimant)
    activity = ExternalActivity.objects.select_related(
        "learner__department__head", "learner__institution"
    ).get(pk=activity.pk)
    assert eligible_approvers(activity=activity, level=DEPT) == [org.head]
    assert eligible_approvers(activity=activity, level=OFFICE) == [org.office]
    assert eligible_approvers(activity=activity, level=COMMISSION) == [org.commission]


# -- Submitting ---------------------------------------------------------------------------------


class TestSubmit:
    def test_a_report_waits_at_the_first_step_with_its_evidence_stored_privately(
        self, org, full_chain
    ):
        png = image_upload("证书照片.png")
        activity = submitted_activity(org.claimant, evidence=[pdf_upload(), png])
        activity = fresh(activity)
        assert activity.status == ActivityStatus.SUBMITTED
        assert activity.chain_levels == [DEPT, OFFICE, COMMISSION]
        assert (activity.current_step, activity.current_level) == (0, DEPT)
        assert activity.year == activity.end_date.year
        pdf, image = activity.evidence.order_by("pk")
        assert (pdf.original_name, pdf.content_type) == ("参会证明.pdf", "application/pdf")
        assert (image.original_name, image.content_type) == ("证书照片.png", "image/png")
        assert len(pdf.sha256) == 64
        # Random stored names, under the private root and nowhere under MEDIA_ROOT.
        assert "参会证明" not in pdf.file.name
        assert Path(pdf.file.path).is_relative_to(Path(settings.SNOWLAND_PRIVATE_MEDIA_ROOT))
        assert not Path(pdf.file.path).is_relative_to(Path(settings.MEDIA_ROOT))
        assert len(stored_files()) == 2
        assert actions(activity) == [ActivityAction.SUBMITTED, ActivityAction.AWAITING]

    def test_evidence_has_no_public_url(self, org):
        activity = submitted_activity(org.claimant)
        evidence = activity.evidence.get()
        with pytest.raises(ValueError, match="no URL"):
            evidence.file.url  # noqa: B018
        with pytest.raises(ValueError, match="no URL"):
            private_media_storage.url(evidence.file.name)

    def test_jpeg_evidence_is_accepted(self, org):
        activity = submitted_activity(
            org.claimant, evidence=[image_upload("a.jpg", image_format="JPEG")]
        )
        assert activity.evidence.get().content_type == "image/jpeg"

    def test_a_department_without_a_head_is_skipped_and_said_why(self, org, full_chain):
        org.medicine.head = None
        org.medicine.save()
        activity = fresh(submitted_activity(org.claimant))
        assert (activity.current_step, activity.current_level) == (1, OFFICE)
        skipped = activity.events.get(action=ActivityAction.STEP_SKIPPED)
        assert (skipped.step, skipped.level, skipped.actor) == (0, DEPT, None)
        assert skipped.details == {"skip": SkipReason.NO_HEAD, "department": "内科"}
        assert skipped.note == SkipReason.NO_HEAD.label % {"department": "内科"}
        assert actions(activity) == [
            ActivityAction.SUBMITTED,
            ActivityAction.STEP_SKIPPED,
            ActivityAction.AWAITING,
        ]

    def test_a_head_reporting_their_own_activity_skips_their_own_step(self, org, full_chain):
        activity = fresh(submitted_activity(org.head))
        assert activity.current_level == OFFICE
        skipped = activity.events.get(action=ActivityAction.STEP_SKIPPED)
        assert skipped.details["skip"] == SkipReason.LEARNER_IS_HEAD

    def test_a_learner_without_a_department_skips_the_department_step(self, org, full_chain):
        activity = fresh(submitted_activity(org.outsider))
        assert activity.current_level == OFFICE
        skipped = activity.events.get(action=ActivityAction.STEP_SKIPPED)
        assert skipped.details["skip"] == SkipReason.NO_DEPARTMENT

    def test_credits_are_worked_out_from_hours_with_the_learners_rule_set(self, org):
        RequirementRuleSet.objects.create(
            name="林周县人民医院规则",
            version="test",
            effective_from=datetime.date(2000, 1, 1),
            priority=50,
            institution=org.hospital,
            national_hours_per_credit=Decimal(4),
            provincial_hours_per_credit=Decimal(8),
            class_2_hours_per_credit=Decimal(5),
            project_credit_cap=Decimal(10),
        )
        national = submitted_activity(
            org.claimant,
            credit_class=CreditClass.CLASS_1_NATIONAL,
            cme_project_number="2026-04-05-021（国）",
            credits=None,
            study_hours=Decimal(14),
        )
        assert (national.credits, national.study_hours) == (Decimal("3.50"), Decimal("14.00"))
        class_two = submitted_activity(org.claimant, credits=Decimal(2), study_hours=None)
        assert class_two.study_hours == Decimal("10.00")
        # Worked-out credits stop at the rule set's cap; the hours still count in full.
        long_one = submitted_activity(org.claimant, credits=None, study_hours=Decimal(200))
        assert (long_one.credits, long_one.study_hours) == (Decimal("10.00"), Decimal("200.00"))
        with pytest.raises(ExternalActivityRejected) as caught:
            submitted_activity(org.claimant, credits=Decimal(11))
        assert str(ExternalActivityRejected.CREDITS_OVER_CAP % {"cap": 10}) in messages_of(
            caught.value
        )

    def test_the_national_figures_apply_when_no_rule_set_does(self, org):
        RequirementRuleSet.objects.update(active=False)
        rules = activity_counting_rules(learner=org.claimant, year=2026)
        assert rules.hours_per_credit[CreditClass.CLASS_1_PROVINCIAL] == 6
        assert rules.project_credit_cap == 25
        activity = submitted_activity(
            org.claimant,
            credit_class=CreditClass.CLASS_1_PROVINCIAL,
            cme_project_number="XZ-2026-011",
            credits=None,
            study_hours=Decimal(18),
        )
        assert activity.credits == Decimal("3.00")


def _today():
    return timezone.localdate()


BAD_REPORTS = [
    pytest.param(
        {"credits": Decimal(-2)},
        "credits",
        ExternalActivityRejected.CREDITS_NOT_POSITIVE,
        id="negative credits",
    ),
    pytest.param(
        {"credits": None, "study_hours": Decimal(0)},
        "study_hours",
        ExternalActivityRejected.HOURS_NOT_POSITIVE,
        id="zero hours",
    ),
    pytest.param(
        {"credits": None, "study_hours": None},
        "credits",
        ExternalActivityRejected.CREDITS_OR_HOURS,
        id="neither",
    ),
    pytest.param(
        {"credit_class": "class_3"},
        "credit_class",
        ExternalActivityRejected.UNKNOWN_CLASS,
        id="unknown class",
    ),
    pytest.param(
        {"subject_type": "hobby"},
        "subject_type",
        ExternalActivityRejected.UNKNOWN_SUBJECT,
        id="unknown subject",
    ),
    pytest.param(
        {"kind": "holiday"}, "kind", ExternalActivityRejected.UNKNOWN_KIND, id="unknown kind"
    ),
    pytest.param({"title": "  "}, "title", ExternalActivityRejected.TITLE_REQUIRED, id="no title"),
    pytest.param(
        {"organiser": ""},
        "organiser",
        ExternalActivityRejected.ORGANISER_REQUIRED,
        id="no organiser",
    ),
    pytest.param(
        {"title": "会" * 256},
        "title",
        ExternalActivityRejected.TOO_LONG % {"limit": 255},
        id="title too long",
    ),
    pytest.param(
        {"start_date": None}, "end_date", ExternalActivityRejected.DATES_REQUIRED, id="no dates"
    ),
    pytest.param(
        {"credit_class": CreditClass.CLASS_1_NATIONAL},
        "cme_project_number",
        ExternalActivityRejected.PROJECT_NUMBER_REQUIRED,
        id="class I without number",
    ),
    pytest.param(
        {"credits": Decimal(26)},
        "credits",
        ExternalActivityRejected.CREDITS_OVER_CAP % {"cap": 25},
        id="over the cap",
    ),
    pytest.param(
        {"credits": Decimal("NaN")},
        "credits",
        ExternalActivityRejected.CREDITS_NOT_POSITIVE,
        id="not a number",
    ),
]


class TestBadInput:
    @pytest.mark.parametrize(("overrides", "field", "message"), BAD_REPORTS)
    def test_is_refused_with_its_error_and_changes_nothing(self, org, overrides, field, message):
        with pytest.raises(ExternalActivityRejected) as caught:
            submitted_activity(org.claimant, **overrides)
        assert str(message) in [str(m) for m in caught.value.message_dict[field]]
        nothing_written()

    def test_reversed_dates(self, org):
        today = _today()
        with pytest.raises(ExternalActivityRejected) as caught:
            submitted_activity(
                org.claimant,
                start_date=today - datetime.timedelta(days=3),
                end_date=today - datetime.timedelta(days=5),
            )
        assert caught.value.message_dict["end_date"] == [
            str(ExternalActivityRejected.DATES_REVERSED)
        ]
        nothing_written()

    def test_dates_in_the_future(self, org):
        today = _today()
        with pytest.raises(ExternalActivityRejected) as caught:
            submitted_activity(
                org.claimant, start_date=today, end_date=today + datetime.timedelta(days=1)
            )
        assert str(ExternalActivityRejected.DATE_IN_FUTURE) in messages_of(caught.value)
        nothing_written()

    def test_a_file_too_large(self, org, settings):
        settings.SNOWLAND_EVIDENCE_MAX_BYTES = 1024 * 1024
        big = pdf_upload("扫描件.pdf", content=b"%PDF-1.7\n" + b"0" * (1024 * 1024) + b"\n%%EOF")
        with pytest.raises(ExternalActivityRejected) as caught:
            submitted_activity(org.claimant, evidence=[pdf_upload(), big])
        assert caught.value.message_dict["evidence"] == [
            str(ExternalActivityRejected.FILE_TOO_LARGE % {"name": "扫描件.pdf", "size": "1"})
        ]
        nothing_written()

    @pytest.mark.parametrize(
        "upload",
        [
            pytest.param(
                lambda: pdf_upload(
                    "证书.pdf", content=b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
                ),
                id="an exe renamed .pdf",
            ),
            pytest.param(
                lambda: pdf_upload("证书.png", content=b"\x89PNG\r\n\x1a\n" + b"not an image" * 20),
                id="a broken png",
            ),
            pytest.param(
                lambda: pdf_upload("证书.pdf", content=b"%PDF-1.4\n1 0 obj\n(cut off"),
                id="a truncated pdf",
            ),
            pytest.param(lambda: pdf_upload("空.pdf", content=b""), id="an empty file"),
            pytest.param(
                lambda: pdf_upload("page.pdf", content=b"<html><script>alert(1)</script></html>"),
                id="html named pdf",
            ),
        ],
    )
    def test_a_file_of_the_wrong_type_whatever_its_name(self, org, upload):
        evidence = upload()
        with pytest.raises(ExternalActivityRejected) as caught:
            submitted_activity(org.claimant, evidence=[evidence])
        assert caught.value.message_dict["evidence"] == [
            str(ExternalActivityRejected.FILE_WRONG_TYPE % {"name": evidence.name})
        ]
        nothing_written()

    def test_no_evidence_or_too_much(self, org):
        with pytest.raises(ExternalActivityRejected) as caught:
            submitted_activity(org.claimant, evidence=[])
        assert str(ExternalActivityRejected.EVIDENCE_REQUIRED) in messages_of(caught.value)
        with pytest.raises(ExternalActivityRejected) as caught:
            submitted_activity(org.claimant, evidence=[pdf_upload() for _ in range(6)])
        assert str(ExternalActivityRejected.TOO_MANY_FILES % {"count": 5}) in messages_of(
            caught.value
        )
        nothing_written()

    def test_a_learner_without_an_institution(self, org):
        nomad = UserFactory(role=Role.LEARNER)
        with pytest.raises(ExternalActivityRejected) as caught:
            submitted_activity(nomad)
        assert str(ExternalActivityRejected.NO_INSTITUTION) in messages_of(caught.value)
        nothing_written()

    def test_a_failure_while_writing_leaves_no_file_behind(self, org, monkeypatch):
        from lms.services import external_activities

        def broken(*args, **kwargs):
            raise RuntimeError("database went away")

        monkeypatch.setattr(external_activities, "_start_chain", broken)
        with pytest.raises(RuntimeError):
            submitted_activity(org.claimant, evidence=[pdf_upload(), image_upload()])
        nothing_written()


# -- Deciding -------------------------------------------------------------------------------------


class TestTheChain:
    def test_every_step_approves_and_the_last_writes_the_credit_once(
        self, org, full_chain, django_capture_on_commit_callbacks
    ):
        activity = submitted_activity(
            org.claimant,
            credit_class=CreditClass.CLASS_1_PROVINCIAL,
            cme_project_number="XZ-2026-03-007（省）",
            credits=Decimal("3.5"),
        )
        decide(activity, org.head, reason="情况属实")
        assert fresh(activity).current_level == OFFICE
        decide(activity, org.office)
        assert fresh(activity).current_level == COMMISSION
        assert not CreditEntry.objects.exists()
        decide(activity, org.commission)

        activity = fresh(activity)
        assert activity.status == ActivityStatus.APPROVED
        assert activity.decided_at is not None
        [entry] = CreditEntry.objects.all()
        assert activity.credit_entry == entry
        assert entry.learner == org.claimant
        assert (entry.credits, entry.study_hours) == (Decimal("3.50"), Decimal("21.00"))
        assert entry.credit_class == CreditClass.CLASS_1_PROVINCIAL
        assert entry.subject_type == activity.subject_type
        assert entry.cme_project_number == "XZ-2026-03-007（省）"
        assert entry.activity_title == activity.title
        assert entry.organiser == activity.organiser
        assert entry.year == activity.end_date.year
        assert (entry.source, entry.source_ref) == (
            CreditSource.EXTERNAL_ACTIVITY,
            f"external:{activity.pk}",
        )
        assert entry.awarded_by == org.commission
        assert entry.reason == str(CreditSource.EXTERNAL_ACTIVITY.label)
        assert actions(activity)[-4:] == [
            ActivityAction.AWAITING,
            ActivityAction.STEP_APPROVED,
            ActivityAction.AWAITING,
            ActivityAction.APPROVED,
        ]
        approved = activity.events.get(action=ActivityAction.APPROVED)
        assert (approved.actor, approved.step, approved.level) == (org.commission, 2, COMMISSION)
        assert approved.details["credit_entry"] == entry.pk
        # The award is idempotent: asking again returns the one entry.
        again = credit_award_for_external_activity(activity_id=activity.pk, approved_by=org.admin)
        assert again == entry
        assert CreditEntry.objects.count() == 1

    def test_a_decided_step_cannot_be_decided_again(self, org):
        second_office = UserFactory(institution=org.hospital)
        hr_scope_grant(user=second_office, institution=org.hospital)
        activity = submitted_activity(org.claimant)  # no chain: the office alone
        step = fresh(activity).current_step
        decide(activity, org.office, step=step)
        with pytest.raises(ExternalActivityNotAllowed) as caught:
            decide(activity, second_office, step=step)
        assert caught.value.code == "not_waiting"
        assert CreditEntry.objects.count() == 1
        assert ExternalActivityEvent.objects.filter(action=ActivityAction.APPROVED).count() == 1

    def test_a_stale_step_is_refused_even_if_the_claim_still_waits(self, org, full_chain):
        activity = submitted_activity(org.claimant)
        decide(activity, org.head)
        with pytest.raises(ExternalActivityNotAllowed) as caught:
            decide(activity, org.office, REJECT, "重复", step=0)
        assert str(ExternalActivityNotAllowed.STEP_DECIDED) in messages_of(caught.value)
        assert fresh(activity).status == ActivityStatus.SUBMITTED

    @pytest.mark.parametrize("person", ["outsider", "other_hr", "commission", "head"])
    def test_people_who_may_not_decide_the_office_step_are_refused(self, org, person):
        activity = submitted_activity(org.claimant)  # waits at the office
        before = actions(activity)
        with pytest.raises(ExternalActivityNotAllowed) as caught:
            decide(activity, getattr(org, person))
        assert str(ExternalActivityNotAllowed.NOT_ELIGIBLE) in messages_of(caught.value)
        assert fresh(activity).status == ActivityStatus.SUBMITTED
        assert actions(activity) == before

    def test_approving_your_own_claim_is_refused(self, org):
        reporting_officer = org.office
        activity = submitted_activity(reporting_officer)
        assert fresh(activity).current_level == OFFICE  # a step they could otherwise decide
        with pytest.raises(ExternalActivityNotAllowed) as caught:
            decide(activity, reporting_officer)
        assert messages_of(caught.value) == [str(ExternalActivityNotAllowed.OWN_CLAIM)]
        assert fresh(activity).status == ActivityStatus.SUBMITTED
        assert not CreditEntry.objects.exists()
        # The queue never offers it either.
        assert activity not in approval_queue(profile=approver_profile(user=reporting_officer))

    def test_a_superuser_may_decide_an_office_step(self, org):
        activity = submitted_activity(org.claimant)
        decide(activity, org.admin)
        assert fresh(activity).status == ActivityStatus.APPROVED
        assert CreditEntry.objects.get().awarded_by == org.admin

    def test_a_superuser_may_not_decide_a_department_heads_step(self, org, full_chain):
        activity = submitted_activity(org.claimant)
        with pytest.raises(ExternalActivityNotAllowed):
            decide(activity, org.admin)

    def test_reject_needs_a_reason_and_ends_the_claim(self, org, full_chain):
        activity = submitted_activity(org.claimant)
        with pytest.raises(ExternalActivityNotAllowed) as caught:
            decide(activity, org.head, REJECT, "  ")
        assert str(ExternalActivityNotAllowed.REASON_REQUIRED) in messages_of(caught.value)
        assert fresh(activity).status == ActivityStatus.SUBMITTED
        decide(activity, org.head, REJECT, "该会议不属于继续医学教育项目。")
        activity = fresh(activity)
        assert activity.status == ActivityStatus.REJECTED
        assert activity.current_level == ""
        rejected = activity.events.get(action=ActivityAction.REJECTED)
        assert rejected.reason == "该会议不属于继续医学教育项目。"
        assert (rejected.from_status, rejected.to_status) == ("submitted", "rejected")
        assert not CreditEntry.objects.exists()
        with pytest.raises(ExternalActivityNotAllowed):
            decide(activity, org.office)
        with pytest.raises(ExternalActivityNotAllowed):
            external_activity_withdraw(activity_id=activity.pk, actor=org.claimant)

    def test_unknown_decisions_are_refused(self, org):
        activity = submitted_activity(org.claimant)
        with pytest.raises(ExternalActivityNotAllowed) as caught:
            decide(activity, org.office, "maybe")
        assert str(ExternalActivityNotAllowed.UNKNOWN_DECISION) in messages_of(caught.value)


class TestReturnAndResubmit:
    def test_return_then_resubmit_restarts_at_the_first_step(self, org, full_chain):
        first, second = pdf_upload("一.pdf"), pdf_upload("二.pdf")
        activity = submitted_activity(org.claimant, evidence=[first, second])
        decide(activity, org.head)
        with pytest.raises(ExternalActivityNotAllowed) as caught:
            decide(activity, org.office, RETURN, "")
        assert str(ExternalActivityNotAllowed.REASON_REQUIRED) in messages_of(caught.value)
        decide(activity, org.office, RETURN, "请补充学分证书。")
        activity = fresh(activity)
        assert activity.status == ActivityStatus.RETURNED
        assert activity.current_level == ""
        # Nobody decides a returned claim; the chain itself may change meanwhile.
        with pytest.raises(ExternalActivityNotAllowed):
            decide(activity, org.commission)
        approval_chain_save(institution=org.hospital, levels=[OFFICE])

        one = activity.evidence.get(original_name="一.pdf")
        external_activity_resubmit(
            activity_id=activity.pk,
            actor=org.claimant,
            report=activity_report(title="西藏高原医学学术年会（第十二届）", credits=Decimal(5)),
            add_evidence=[image_upload("学分证书.png")],
            remove_evidence_ids=[one.pk],
        )
        activity = fresh(activity)
        assert activity.status == ActivityStatus.SUBMITTED
        assert activity.chain_levels == [DEPT, OFFICE, COMMISSION]
        assert (activity.current_step, activity.current_level) == (0, DEPT)
        assert activity.title == "西藏高原医学学术年会（第十二届）"
        assert activity.credits == Decimal("5.00")
        current = set(
            activity.evidence.filter(removed_at__isnull=True).values_list(
                "original_name", flat=True
            )
        )
        assert current == {"二.pdf", "学分证书.png"}
        one.refresh_from_db()
        assert one.removed_at is not None  # kept for the audit trail
        resubmitted = activity.events.get(action=ActivityAction.RESUBMITTED)
        assert set(resubmitted.details["changes"]) == {"title", "credits", "study_hours"}
        assert actions(activity)[-5:] == [
            ActivityAction.RETURNED,
            ActivityAction.EVIDENCE_REMOVED,
            ActivityAction.EVIDENCE_ADDED,
            ActivityAction.RESUBMITTED,
            ActivityAction.AWAITING,
        ]

    def test_only_the_claimant_resubmits_and_only_a_returned_claim(self, org, full_chain):
        activity = submitted_activity(org.claimant)
        with pytest.raises(ExternalActivityNotAllowed) as caught:
            external_activity_resubmit(
                activity_id=activity.pk, actor=org.claimant, report=activity_report()
            )
        assert caught.value.code == "not_returned"
        decide(activity, org.head, RETURN, "日期有误")
        with pytest.raises(ExternalActivityNotAllowed) as caught:
            external_activity_resubmit(
                activity_id=activity.pk, actor=org.head, report=activity_report()
            )
        assert caught.value.code == "not_your_claim"

    def test_bad_input_on_resubmission_changes_nothing(self, org, full_chain):
        activity = submitted_activity(org.claimant)
        decide(activity, org.head, RETURN, "请补充材料")
        before = (actions(activity), stored_files(), fresh(activity).title)
        evidence = activity.evidence.get()
        with pytest.raises(ExternalActivityRejected) as caught:
            external_activity_resubmit(
                activity_id=activity.pk,
                actor=org.claimant,
                report=activity_report(title="新标题", credits=Decimal(-1)),
                add_evidence=[pdf_upload()],
            )
        assert "credits" in caught.value.message_dict
        with pytest.raises(ExternalActivityRejected) as caught:
            external_activity_resubmit(
                activity_id=activity.pk,
                actor=org.claimant,
                report=activity_report(),
                remove_evidence_ids=[evidence.pk],
            )
        assert str(ExternalActivityRejected.EVIDENCE_REQUIRED) in messages_of(caught.value)
        with pytest.raises(ExternalActivityRejected) as caught:
            external_activity_resubmit(
                activity_id=activity.pk,
                actor=org.claimant,
                report=activity_report(),
                remove_evidence_ids=[evidence.pk + 1000],
            )
        assert "remove_evidence" in caught.value.message_dict
        assert (actions(activity), stored_files(), fresh(activity).title) == before
        assert fresh(activity).status == ActivityStatus.RETURNED


class TestWithdraw:
    def test_the_learner_withdraws_while_under_review_or_returned(self, org, full_chain):
        waiting = submitted_activity(org.claimant)
        external_activity_withdraw(activity_id=waiting.pk, actor=org.claimant)
        assert fresh(waiting).status == ActivityStatus.WITHDRAWN
        assert fresh(waiting).current_level == ""
        with pytest.raises(ExternalActivityNotAllowed):
            decide(waiting, org.head)

        returned = submitted_activity(org.claimant)
        decide(returned, org.head, RETURN, "材料不全")
        external_activity_withdraw(activity_id=returned.pk, actor=org.claimant)
        event = fresh(returned).events.get(action=ActivityAction.WITHDRAWN)
        assert (event.from_status, event.to_status, event.actor) == (
            "returned",
            "withdrawn",
            org.claimant,
        )

    def test_nobody_else_withdraws_and_a_decided_claim_stays(self, org):
        activity = submitted_activity(org.claimant)
        with pytest.raises(ExternalActivityNotAllowed) as caught:
            external_activity_withdraw(activity_id=activity.pk, actor=org.office)
        assert caught.value.code == "not_your_claim"
        decide(activity, org.office)
        with pytest.raises(ExternalActivityNotAllowed) as caught:
            external_activity_withdraw(activity_id=activity.pk, actor=org.claimant)
        assert str(ExternalActivityNotAllowed.CANNOT_WITHDRAW) in messages_of(caught.value)
        assert fresh(activity).status == ActivityStatus.APPROVED


def test_the_award_refuses_a_claim_that_is_not_approved(org):
    activity = submitted_activity(org.claimant)
    with pytest.raises(ExternalActivityNotAllowed) as caught:
        credit_award_for_external_activity(activity_id=activity.pk, approved_by=org.office)
    assert caught.value.code == "not_approved"
    assert not CreditEntry.objects.exists()


def test_audit_events_are_append_only(org):
    from lms.models import ActivityAuditIsAppendOnly

    event = submitted_activity(org.claimant).events.first()
    event.reason = "改写"
    with pytest.raises(ActivityAuditIsAppendOnly):
        event.save()
    with pytest.raises(ActivityAuditIsAppendOnly):
        event.delete()
    with pytest.raises(ActivityAuditIsAppendOnly):
        ExternalActivityEvent.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_racing_approvers_approve_once(migration_data, institutions):
    require_postgresql()
    hospital = institutions["hospital_a"]
    learner = UserFactory(role=Role.LEARNER, institution=hospital)
    officers = []
    for _ in range(4):
        officer = UserFactory(institution=hospital)
        hr_scope_grant(user=officer, institution=hospital)
        officers.append(officer)
    activity = submitted_activity(learner)
    turn = iter(officers * 2)

    def approve():
        return external_activity_decide(
            activity_id=activity.pk, actor=next(turn), step=0, decision=APPROVE
        ).pk

    results, errors = run_at_once(approve, threads=4)
    assert len(results) == 1
    assert len(errors) == 3
    assert all(isinstance(error, ExternalActivityNotAllowed) for error in errors)
    assert CreditEntry.objects.filter(source=CreditSource.EXTERNAL_ACTIVITY).count() == 1
    assert ExternalActivityEvent.objects.filter(action=ActivityAction.APPROVED).count() == 1


# -- E-mail ---------------------------------------------------------------------------------------


class TestEmail:
    def test_approvers_hear_when_a_claim_reaches_them_and_the_learner_of_each_decision(
        self, org, full_chain, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            activity = submitted_activity(org.claimant)
        [to_head] = mail.outbox
        assert to_head.to == [org.head.email]
        assert activity.title in to_head.subject
        assert f"http://testserver/learn/approvals/{activity.pk}/" in to_head.body
        assert "次仁多吉" in to_head.body

        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            decide(activity, org.head)
        assert sorted(m.to[0] for m in mail.outbox) == sorted(
            [org.claimant.email, org.office.email]
        )
        to_learner = next(m for m in mail.outbox if m.to == [org.claimant.email])
        assert f"http://testserver/learn/activities/{activity.pk}/" in to_learner.body

        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            decide(activity, org.office, RETURN, "请补充学分证书。")
        [returned] = mail.outbox
        assert returned.to == [org.claimant.email]
        assert "请补充学分证书。" in returned.body

        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            external_activity_resubmit(
                activity_id=activity.pk, actor=org.claimant, report=activity_report()
            )
            decide(activity, org.head)
            decide(activity, org.office)
            decide(activity, org.commission, REJECT, "证书与本人信息不符。")
        rejected = mail.outbox[-1]
        assert rejected.to == [org.claimant.email]
        assert "证书与本人信息不符。" in rejected.body

    def test_final_approval_mail_and_the_site_language(
        self, org, django_capture_on_commit_callbacks
    ):
        activity = submitted_activity(org.claimant)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            decide(activity, org.office)
        [approved] = mail.outbox
        assert approved.to == [org.claimant.email]
        assert approved.subject.startswith(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX)
        assert "4" in approved.body  # the credits

    def test_notifying_is_idempotent_and_skips_steps_already_decided(
        self, org, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False):
            activity = submitted_activity(org.claimant)
        waiting = activity.events.get(action=ActivityAction.AWAITING)
        assert external_activity_event_notify(event_id=waiting.pk) == 1
        assert external_activity_event_notify(event_id=waiting.pk) == 0
        assert len(mail.outbox) == 1

        with django_capture_on_commit_callbacks(execute=False):
            late = submitted_activity(org.claimant)
            decide(late, org.office)
        late_waiting = late.events.get(action=ActivityAction.AWAITING)
        mail.outbox.clear()
        assert external_activity_event_notify(event_id=late_waiting.pk) == 0
        assert mail.outbox == []


def test_the_task_is_a_plain_function_of_the_events_id(org, django_capture_on_commit_callbacks):
    from lms.tasks import external_activity_notify_task

    with django_capture_on_commit_callbacks(execute=False):
        activity = submitted_activity(org.claimant)
    waiting = activity.events.get(action=ActivityAction.AWAITING)
    assert external_activity_notify_task(waiting.pk) == 1
    assert external_activity_notify_task(waiting.pk) == 0  # re-running does no harm
    assert [m.to for m in mail.outbox] == [[org.office.email]]


def test_a_department_head_works_at_the_departments_institution(org):
    org.medicine.head = org.other_hr
    with pytest.raises(ValidationError) as caught:
        org.medicine.full_clean()
    assert "head" in caught.value.message_dict


# -- Queues and pages ---------------------------------------------------------------------------


class TestApprovalQueue:
    def test_each_approver_sees_only_the_steps_they_decide_in_their_scope(self, org, full_chain):
        at_head = submitted_activity(org.claimant, title="待科主任审核")
        at_office = submitted_activity(org.claimant, title="待科教科审核")
        decide(at_office, org.head)
        at_commission = submitted_activity(org.claimant, title="待卫健委审核")
        decide(at_commission, org.head)
        decide(at_commission, org.office)
        elsewhere = submitted_activity(
            UserFactory(role=Role.LEARNER, institution=org.institutions["hospital_b"]),
            title="当雄县的申请",
        )

        def queue(user):
            return {a.title for a in approval_queue(profile=approver_profile(user=user))}

        assert queue(org.head) == {at_head.title}
        assert queue(org.office) == {at_office.title}
        assert queue(org.commission) == {at_commission.title}
        assert queue(org.other_hr) == {elsewhere.title}
        assert queue(org.outsider) == set()
        assert queue(org.claimant) == set()
        assert queue(org.admin) == {at_office.title, elsewhere.title}

    def test_the_queue_page_lists_and_links_to_the_review(self, client, org):
        activity = submitted_activity(org.claimant)
        client.force_login(org.office)
        response = client.get(reverse("lms:approvals"))
        assert response.status_code == 200
        assert reverse("lms:approval_detail", args=[activity.pk]) in response.content.decode()
        client.force_login(org.other_hr)
        assert activity.title not in client.get(reverse("lms:approvals")).content.decode()

    @pytest.mark.parametrize("count", [3, 15])
    def test_queue_query_count_does_not_grow_with_claims(
        self, client, org, count, django_assert_num_queries
    ):
        for n in range(count):
            learner = UserFactory(role=Role.LEARNER, institution=org.hospital)
            submitted_activity(learner, title=f"活动{n}")
        client.force_login(org.office)
        url = reverse("lms:approvals")
        client.get(url)
        with django_assert_num_queries(QUEUE_QUERIES):
            response = client.get(url)
        assert len(response.context["page"].object_list) == count


# The session's user, HR scopes and institution kind; the queue's count and rows (with
# learner, institution and department); the admin user bar's profile (twice).
# Permission sets, the site and its settings come from the cache. Whatever the claims.
QUEUE_QUERIES = 7
# The session's user, institution kind and headed departments; the claims with their
# evidence counts. Permission sets, the site and its settings come from the cache.
LEARNER_LIST_QUERIES = 4


class TestLearnerPages:
    @pytest.mark.parametrize("count", [3, 15])
    def test_my_activities_query_count_does_not_grow(
        self, client, org, count, django_assert_num_queries
    ):
        for n in range(count):
            submitted_activity(org.claimant, title=f"活动{n}")
        client.force_login(org.claimant)
        url = reverse("lms:activity_list")
        client.get(url)
        with django_assert_num_queries(LEARNER_LIST_QUERIES):
            response = client.get(url)
        assert len(response.context["activities"]) == count

    def test_report_an_activity_through_the_form(self, client, org, full_chain):
        client.force_login(org.claimant)
        assert client.get(reverse("lms:activity_new")).status_code == 200
        today = _today()
        data = {
            "kind": "further_study",
            "title": "四川大学华西医院进修",
            "organiser": "四川大学华西医院",
            "start_date": (today - datetime.timedelta(days=90)).isoformat(),
            "end_date": (today - datetime.timedelta(days=1)).isoformat(),
            "credit_class": "class_2",
            "subject_type": "professional",
            "credits": "",
            "study_hours": "30",
            "description": "呼吸与危重症医学科进修三个月。",
            "evidence": [pdf_upload(), image_upload()],
        }
        response = client.post(reverse("lms:activity_new"), data)
        activity = ExternalActivity.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("lms:activity_detail", args=[activity.pk])
        assert activity.credits == Decimal("10.00")
        assert activity.evidence.count() == 2
        page = client.get(response["Location"]).content.decode()
        assert "四川大学华西医院进修" in page
        assert reverse("lms:activity_withdraw", args=[activity.pk]) in page

    def test_errors_are_shown_beside_their_fields_and_nothing_typed_is_lost(self, client, org):
        client.force_login(org.claimant)
        today = _today()
        response = client.post(
            reverse("lms:activity_new"),
            {
                "kind": "conference",
                "title": "全国急诊医学年会",
                "organiser": "中华医学会",
                "start_date": today.isoformat(),
                "end_date": (today - datetime.timedelta(days=2)).isoformat(),
                "credit_class": "class_1_national",
                "subject_type": "professional",
                "credits": "-1",
                "study_hours": "",
                "evidence": [pdf_upload("病毒.pdf", content=b"MZ\x90\x00" * 10)],
            },
        )
        assert response.status_code == 200
        form = response.context["form"]
        assert form.errors["end_date"] == [str(ExternalActivityRejected.DATES_REVERSED)]
        page = response.content.decode()
        assert "全国急诊医学年会" in page
        assert "中华医学会" in page
        assert not ExternalActivity.objects.exists()
        assert stored_files() == []

    def test_each_error_of_the_service_lands_on_its_field(self, client, org):
        client.force_login(org.claimant)
        response = client.post(
            reverse("lms:activity_new"),
            {
                "kind": "conference",
                "title": "全国急诊医学年会",
                "organiser": "中华医学会",
                "start_date": (_today() - datetime.timedelta(days=5)).isoformat(),
                "end_date": (_today() - datetime.timedelta(days=4)).isoformat(),
                "credit_class": "class_1_national",
                "subject_type": "professional",
                "credits": "-1",
                "evidence": [pdf_upload("病毒.pdf", content=b"MZ\x90\x00" * 10)],
            },
        )
        errors = response.context["form"].errors
        assert errors["credits"] == [str(ExternalActivityRejected.CREDITS_NOT_POSITIVE)]
        assert errors["cme_project_number"] == [
            str(ExternalActivityRejected.PROJECT_NUMBER_REQUIRED)
        ]
        assert errors["evidence"] == [
            str(ExternalActivityRejected.FILE_WRONG_TYPE % {"name": "病毒.pdf"})
        ]
        assert "callout" in response.content.decode()  # "choose the files again"

    def test_edit_and_resubmit_a_returned_claim(self, client, org, full_chain):
        activity = submitted_activity(org.claimant)
        client.force_login(org.claimant)
        edit = reverse("lms:activity_edit", args=[activity.pk])
        assert client.get(edit).status_code == 302  # not returned: nothing to edit
        decide(activity, org.head, RETURN, "请写明会议届次。")
        page = client.get(edit)
        assert page.status_code == 200
        assert "请写明会议届次。" in page.content.decode()
        assert page.context["form"].initial["title"] == activity.title
        evidence = activity.evidence.get()
        data = {
            "kind": "conference",
            "title": "第十二届西藏高原医学学术年会",
            "organiser": activity.organiser,
            "start_date": activity.start_date.isoformat(),
            "end_date": activity.end_date.isoformat(),
            "credit_class": "class_2",
            "subject_type": "professional",
            "credits": "4",
            "study_hours": "",
            "remove_evidence": [evidence.pk],
            "evidence": [pdf_upload("新证明.pdf")],
        }
        response = client.post(edit, data)
        assert response.status_code == 302
        activity = fresh(activity)
        assert activity.status == ActivityStatus.SUBMITTED
        assert activity.title == "第十二届西藏高原医学学术年会"
        assert list(
            activity.evidence.filter(removed_at__isnull=True).values_list(
                "original_name", flat=True
            )
        ) == ["新证明.pdf"]

    def test_withdraw_through_the_page(self, client, org):
        activity = submitted_activity(org.claimant)
        client.force_login(org.claimant)
        response = client.post(reverse("lms:activity_withdraw", args=[activity.pk]))
        assert response.status_code == 302
        assert fresh(activity).status == ActivityStatus.WITHDRAWN
        assert client.get(reverse("lms:activity_withdraw", args=[activity.pk])).status_code == 405

    def test_other_peoples_claims_are_not_found(self, client, org):
        activity = submitted_activity(org.claimant)
        client.force_login(org.outsider)
        for name in ("lms:activity_detail", "lms:activity_edit", "lms:approval_detail"):
            assert client.get(reverse(name, args=[activity.pk])).status_code == 404
        assert client.post(reverse("lms:activity_withdraw", args=[activity.pk])).status_code == 404
        assert fresh(activity).status == ActivityStatus.SUBMITTED

    def test_the_detail_page_shows_the_audit_timeline(self, client, org, full_chain):
        org.medicine.head = None
        org.medicine.save()
        activity = submitted_activity(org.claimant)
        client.force_login(org.claimant)
        response = client.get(reverse("lms:activity_detail", args=[activity.pk]))
        assert "内科" in response.content.decode()  # why the department step was skipped
        steps = response.context["record"].steps
        assert [step["state"] for step in steps] == ["skipped", "waiting", "later"]
        decide(activity, org.office)
        decide(activity, org.commission, RETURN, "请补充")
        steps = (
            client.get(reverse("lms:activity_detail", args=[activity.pk])).context["record"].steps
        )
        assert [step["state"] for step in steps] == ["skipped", "approved", "returned"]
        assert steps[1]["event"].actor == org.office


class TestReviewPage:
    def test_an_approver_decides_on_the_review_page(self, client, org, full_chain):
        activity = submitted_activity(org.claimant)
        client.force_login(org.head)
        url = reverse("lms:approval_detail", args=[activity.pk])
        page = client.get(url)
        assert page.status_code == 200
        assert page.context["may_decide"]
        response = client.post(url, {"decision": "return", "reason": "", "step": 0})
        assert response.status_code == 200
        assert str(ExternalActivityNotAllowed.REASON_REQUIRED) in response.content.decode()
        response = client.post(url, {"decision": "approve", "reason": "", "step": 0})
        assert response.status_code == 302
        assert fresh(activity).current_level == OFFICE
        # The head may still read the claim, but no longer decide it.
        page = client.get(url)
        assert page.status_code == 200
        assert not page.context["may_decide"]
        response = client.post(url, {"decision": "approve", "reason": "", "step": 0})
        assert str(ExternalActivityNotAllowed.STEP_DECIDED) in response.content.decode()
        response = client.post(url, {"decision": "approve", "reason": "", "step": 1})
        assert str(ExternalActivityNotAllowed.NOT_ELIGIBLE) in response.content.decode()
        assert fresh(activity).current_level == OFFICE

    def test_the_claimant_sees_no_decision_form_and_cannot_post_one(self, client, org):
        activity = submitted_activity(org.office)
        client.force_login(org.office)
        url = reverse("lms:approval_detail", args=[activity.pk])
        assert not client.get(url).context["may_decide"]
        response = client.post(url, {"decision": "approve", "reason": "", "step": 0})
        assert str(ExternalActivityNotAllowed.OWN_CLAIM) in response.content.decode()
        assert fresh(activity).status == ActivityStatus.SUBMITTED


class TestEvidenceAccess:
    def _url(self, activity):
        evidence = activity.evidence.get()
        return reverse("lms:activity_evidence", args=[activity.pk, evidence.pk]), evidence

    @pytest.mark.parametrize("person", ["claimant", "head", "office", "commission", "admin"])
    def test_the_learner_and_the_chains_approvers_download_it(
        self, client, org, full_chain, person
    ):
        activity = submitted_activity(org.claimant)
        url, evidence = self._url(activity)
        client.force_login(getattr(org, person))
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "filename*=utf-8''" in response["Content-Disposition"]
        assert b"".join(response.streaming_content) == evidence.file.open("rb").read()

    @pytest.mark.parametrize("person", ["outsider", "other_hr"])
    def test_everyone_else_gets_a_404(self, client, org, full_chain, person):
        activity = submitted_activity(org.claimant)
        url, _evidence = self._url(activity)
        client.force_login(getattr(org, person))
        assert client.get(url).status_code == 404

    def test_anonymous_visitors_are_sent_to_log_in(self, client, org):
        url, _evidence = self._url(submitted_activity(org.claimant))
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]

    def test_a_file_of_another_claim_is_not_found_under_this_one(self, client, org):
        mine = submitted_activity(org.claimant)
        theirs = submitted_activity(org.outsider)
        client.force_login(org.claimant)
        url = reverse("lms:activity_evidence", args=[mine.pk, theirs.evidence.get().pk])
        assert client.get(url).status_code == 404

    def test_evidence_is_not_reachable_under_media_url(self, client, org):
        activity = submitted_activity(org.claimant)
        evidence = activity.evidence.get()
        client.force_login(org.claimant)
        assert client.get(f"{settings.MEDIA_URL}{evidence.file.name}").status_code == 404
        assert not (Path(settings.MEDIA_ROOT) / evidence.file.name).exists()


class TestAuditPage:
    def _history(self, org):
        activity = submitted_activity(org.claimant)
        decide(activity, org.office, reason="材料齐全")
        entry = CreditEntry.objects.get()
        credit_reverse(entry=entry, acting_user=org.office, reason="证书编号有误，撤销。")
        return activity

    def test_an_administrator_in_scope_sees_the_ledger_and_every_event(self, client, org):
        activity = self._history(org)
        client.force_login(org.office)
        response = client.get(reverse("lms:learner_audit", args=[org.claimant.pk]))
        assert response.status_code == 200
        audit = response.context["audit"]
        assert len(audit.entries) == 2
        assert audit.entries[0].pk in audit.reversed_ids
        assert len(audit.events) == activity.events.count()
        page = response.content.decode()
        assert "王晓梅" in page  # awarded by
        assert "证书编号有误，撤销。" in page
        assert "材料齐全" in page

    @pytest.mark.parametrize("person", ["other_hr", "outsider", "claimant", "head"])
    def test_nobody_else_sees_it(self, client, org, person):
        self._history(org)
        client.force_login(getattr(org, person))
        assert client.get(reverse("lms:learner_audit", args=[org.claimant.pk])).status_code == 404

    def test_superusers_see_anyone(self, client, org):
        self._history(org)
        client.force_login(org.admin)
        assert client.get(reverse("lms:learner_audit", args=[org.claimant.pk])).status_code == 200

    def test_an_unknown_learner_is_not_found(self, client, org):
        client.force_login(org.admin)
        assert client.get(reverse("lms:learner_audit", args=[999_999])).status_code == 404


# -- Wagtail admin ---------------------------------------------------------------------------------


def _chain_form(institution, levels):
    data = {
        "institution": institution.pk,
        "steps-TOTAL_FORMS": len(levels),
        "steps-INITIAL_FORMS": 0,
        "steps-MIN_NUM_FORMS": 1,
        "steps-MAX_NUM_FORMS": 1000,
    }
    for n, level in enumerate(levels):
        data.update({f"steps-{n}-level": level, f"steps-{n}-ORDER": n + 1, f"steps-{n}-id": ""})
    return data


class TestAdmin:
    def test_a_chain_is_made_in_the_admin_and_duplicate_levels_are_refused(self, client, home, org):
        client.force_login(org.admin)
        url = reverse("wagtailsnippets_lms_approvalchain:add")
        response = client.post(url, _chain_form(org.hospital, [DEPT, OFFICE, DEPT]))
        assert response.status_code == 200
        assert str(ApprovalChainRejected.DUPLICATE_LEVEL) in response.content.decode()
        assert not ApprovalChain.objects.exists()
        response = client.post(url, _chain_form(org.hospital, [DEPT, OFFICE]))
        assert response.status_code == 302
        assert approval_chain_for(institution=org.hospital).levels == (DEPT, OFFICE)

    def test_the_department_form_names_its_head(self, client, home, org):
        client.force_login(org.admin)
        url = reverse("wagtailsnippets_accounts_department:edit", args=[org.medicine.pk])
        assert 'name="head"' in client.get(url).content.decode()
