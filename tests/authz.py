"""The world of the authorisation matrix (tests/test_authorisation_matrix.py).

One small organisation with everything a URL of the project can point at: learner A's
enrolment, lesson progress, exam attempts, credit entry, certificate (with its PDF),
external activity (with evidence, waiting for approval) and transcript document; a
second learner B elsewhere; an author, a reviewer, two HR officers (one whose scope
covers A, one whose does not) and an administrator. Every object that belongs to A
carries a marker (`LEAK_MARKERS`) that no forbidden answer may contain.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import ApiKey, Department, HRScope, User
from accounts.roles import Role
from accounts.services import api_key_create, hr_scope_grant
from certificates.document_services import transcript_document_request
from certificates.models import Certificate, CertificateTemplate, TranscriptDocument
from cms.services import site_setup
from courses.choices import CreditClass, QuestionKind, SubjectType
from courses.models import CourseCategory, CourseIndexPage, CoursePage, LessonPage, Question
from lms.models import (
    ApprovalChain,
    ApprovalChainStep,
    ApprovalLevel,
    CreditEntry,
    CreditSource,
    EvidenceFile,
    ExamAttempt,
    ExportJob,
    ExportKind,
    ExportStatus,
    ExternalActivity,
    RequirementRuleSet,
)
from lms.services import exam_attempt_start, exam_attempt_submit
from tests.accounts.factories import DepartmentFactory, UserFactory, institution_tree
from tests.certificates.factories import CertificateTemplateFactory, attach_pdf, issued
from tests.courses.factories import CourseCategoryFactory, CoursePageFactory, LessonPageFactory
from tests.lms.builders import enrolled, opened
from tests.lms.factories import (
    LessonProgressFactory,
    QuestionFactory,
    pdf_upload,
    submitted_activity,
)

# -- Who asks ------------------------------------------------------------------------------

ANONYMOUS = "anonymous"
LEARNER = "learner"  # learner A: the owner of every "own" object
OTHER = "other_learner"  # learner B, in the other hospital
AUTHOR = "author"
REVIEWER = "reviewer"
HR_IN = "hr_inside"  # HR officer whose scope (hospital 1) covers learner A
HR_OUT = "hr_outside"  # HR officer whose scope (hospital 2) does not
ADMIN = "admin"  # a superuser (also in the site administrators' group)

ROLES = (ANONYMOUS, LEARNER, OTHER, AUTHOR, REVIEWER, HR_IN, HR_OUT, ADMIN)

# Learner A's name and the titles of A's things: a forbidden answer contains none.
LEARNER_A_NAME = "央金拉姆AUTHZ"
LEARNER_A_EMAIL = "learner-a-authz@example.cn"
ACTIVITY_TITLE = "AUTHZ高原医学秘密年会"
EVIDENCE_NAME = "AUTHZ参会证明.pdf"
ENTRY_TITLE = "AUTHZ院内讲座学分"
DEPARTMENT_NAME = "AUTHZ急诊科"
LEAK_MARKERS = (LEARNER_A_NAME, LEARNER_A_EMAIL, ACTIVITY_TITLE, EVIDENCE_NAME, ENTRY_TITLE)


@dataclass
class World:
    """Everything the matrix's URLs point at, by name."""

    users: dict[str, User | None]
    institutions: dict
    home: object
    catalogue: CourseIndexPage
    learning_course: CoursePage  # A is enrolled, a lesson (with a checkpoint) is open
    checkpoint_lesson: LessonPage
    checkpoint_block: str
    exam_course: CoursePage  # A has a submitted and an open attempt
    open_attempt: ExamAttempt
    done_attempt: ExamAttempt
    open_course: CoursePage  # nobody is enrolled: anyone may enrol
    certificate: Certificate  # A's, with its PDF
    entry: CreditEntry  # A's ledger entry (the completion's credits)
    activity: ExternalActivity  # A's claim, waiting at the hospital's office
    evidence: EvidenceFile
    transcript: TranscriptDocument  # A's yearly transcript PDF
    department: Department  # a department of hospital 1 (A's)
    category: CourseCategory
    question: Question
    rule_set: RequirementRuleSet
    approval_chain: ApprovalChain
    template: CertificateTemplate
    hr_scope: HRScope  # the inside officer's scope (hospital 1)
    export_job: ExportJob  # the inside officer's staff export (naming A), ready
    api_key: ApiKey  # hospital 1's key to the API

    @property
    def learner_a(self) -> User:
        return self.users[LEARNER]


CHECKPOINT = {
    "question": "首选药物？",
    "kind": "single",
    "choices": [
        {"text": "乙酰唑胺", "correct": True},
        {"text": "阿司匹林", "correct": False},
    ],
    "explanation": "<p>乙酰唑胺加快习服。</p>",
}


def _exam_attempts(catalogue, learner) -> tuple[CoursePage, ExamAttempt, ExamAttempt]:
    course = CoursePageFactory(
        parent=catalogue,
        title="AUTHZ考试课程",
        exam_question_count=2,
        exam_pass_mark=60,
        exam_max_attempts=5,
        exam_time_limit_minutes=None,
        exam_retry_wait_minutes=0,
    )
    lesson = LessonPageFactory(parent=course)
    enrollment = enrolled(learner, course)
    LessonProgressFactory(enrollment=enrollment, lesson=lesson)
    for kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE):
        QuestionFactory(course=course, kind=kind)
    first = exam_attempt_start(enrollment=enrollment)
    done = exam_attempt_submit(attempt=first, answers={})  # a failed attempt, scored
    return course, exam_attempt_start(enrollment=enrollment), done


def build_world() -> World:
    """Build the world; call inside a transaction that the caller rolls back."""
    home = site_setup(hostname="testserver")
    catalogue = CourseIndexPage.objects.child_of(home).get()
    places = institution_tree()
    hospital_1, hospital_2 = places["hospital_a"], places["hospital_b"]

    learner_a = UserFactory(
        role=Role.LEARNER,
        institution=hospital_1,
        real_name=LEARNER_A_NAME,
        email=LEARNER_A_EMAIL,
    )
    department = DepartmentFactory(institution=hospital_1, name=DEPARTMENT_NAME)
    learner_b = UserFactory(role=Role.LEARNER, institution=hospital_2, real_name="达瓦B")
    author = UserFactory(role=Role.COURSE_AUTHOR, institution=places["city_hospital"])
    reviewer = UserFactory(role=Role.REVIEWER, institution=places["city_hospital"])
    hr_inside = UserFactory(role=Role.HR_OFFICER, institution=hospital_1)
    hr_scope = hr_scope_grant(user=hr_inside, institution=hospital_1)
    hr_outside = UserFactory(role=Role.HR_OFFICER, institution=hospital_2)
    hr_scope_grant(user=hr_outside, institution=hospital_2)
    admin = UserFactory(
        role=Role.SITE_ADMINISTRATOR,
        institution=places["region"],
        is_superuser=True,
        is_staff=True,
    )

    # Learning: an open lesson with a checkpoint; an exam with two attempts.
    learning_course = CoursePageFactory(parent=catalogue, title="AUTHZ学习课程")
    lesson = LessonPageFactory(parent=learning_course, body=[("checkpoint", CHECKPOINT)])
    opened(enrolled(learner_a, learning_course), lesson)
    exam_course, open_attempt, done_attempt = _exam_attempts(catalogue, learner_a)
    open_course = CoursePageFactory(parent=catalogue, title="AUTHZ开放课程")

    # A completed course: its ledger entry and its certificate, rendered.
    template = CertificateTemplateFactory(name="AUTHZ模板")
    certificate = issued(learner_a, catalogue)
    attach_pdf(certificate)
    entry = CreditEntry.objects.create(
        learner=learner_a,
        credits=Decimal("2.0"),
        study_hours=Decimal("6.0"),
        credit_class=CreditClass.CLASS_2,
        subject_type=SubjectType.PROFESSIONAL,
        activity_title=ENTRY_TITLE,
        year=timezone.localdate().year,
        source=CreditSource.ADJUSTMENT,
        source_ref=f"authz:{uuid.uuid4()}",
        reason="AUTHZ",
    )

    # An external activity with evidence, waiting at the hospital's office.
    activity = submitted_activity(
        learner_a, title=ACTIVITY_TITLE, evidence=[pdf_upload(EVIDENCE_NAME)]
    )
    evidence = EvidenceFile.objects.get(activity=activity)

    # A's transcript document, with its PDF.
    transcript = transcript_document_request(learner=learner_a, year=timezone.localdate().year)
    transcript.pdf.save("authz.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)

    # Admin-only data: a rule set, an approval chain (for hospital 2), a question.
    rule_set = RequirementRuleSet.objects.create(
        name="AUTHZ规则", version="t", effective_from=timezone.localdate().replace(month=1, day=1)
    )
    rule_set.save_revision(user=admin)  # its history has a revision to compare and revert to
    chain = ApprovalChain.objects.create(institution=hospital_2)
    ApprovalChainStep.objects.create(chain=chain, level=ApprovalLevel.INSTITUTION_OFFICE)
    question = Question.objects.filter(course=exam_course).first()

    # The inside officer's staff export, ready to download (it names learner A).
    export_job = ExportJob.objects.create(
        requested_by=hr_inside,
        kind=ExportKind.STAFF_CSV,
        status=ExportStatus.DONE,
        file_name="staff-authz.csv",
    )
    export_job.file.save(
        "staff-authz.csv", ContentFile(f"{LEARNER_A_NAME},{LEARNER_A_EMAIL}\n".encode()), save=True
    )

    api_key, _plaintext = api_key_create(
        institution=hospital_1, name="AUTHZ接口密钥", created_by=admin
    )

    users = {
        ANONYMOUS: None,
        LEARNER: learner_a,
        OTHER: learner_b,
        AUTHOR: author,
        REVIEWER: reviewer,
        HR_IN: hr_inside,
        HR_OUT: hr_outside,
        ADMIN: admin,
    }
    return World(
        users=users,
        institutions={**places, "hospital_1": hospital_1, "hospital_2": hospital_2},
        home=home,
        catalogue=catalogue,
        learning_course=learning_course,
        checkpoint_lesson=lesson,
        checkpoint_block=lesson.body[0].id,
        exam_course=exam_course,
        open_attempt=open_attempt,
        done_attempt=done_attempt,
        open_course=open_course,
        certificate=certificate,
        entry=entry,
        activity=activity,
        evidence=evidence,
        transcript=transcript,
        department=department,
        category=CourseCategoryFactory(name="AUTHZ类别", slug="authz"),
        question=question,
        rule_set=rule_set,
        approval_chain=chain,
        template=template,
        hr_scope=hr_scope,
        export_job=export_job,
        api_key=api_key,
    )


STAFF_CSV_HEADER = ["姓名", "邮箱", "手机", "单位", "科室", "专业", "职称", "执业证书编号"]


def staff_csv() -> bytes:
    """A staff list of one new person in hospital 1, as HR offices upload them."""
    row = ["次仁AUTHZ", "ciren-authz@example.cn", "", "林周县人民医院", "", "医师", "中级", ""]
    return ("\r\n".join([",".join(STAFF_CSV_HEADER), ",".join(row)]) + "\r\n").encode("utf-8-sig")
