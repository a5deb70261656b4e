import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from wagtail.models import Page, Revision

from accounts.models import Department, HRScope, Institution, User
from accounts.roles import Role
from cms import demo_content
from cms.demo import DEMO_PASSWORD, DEMO_USERS
from cms.models import HomePage, StandardPage
from courses.models import CourseCategory, CoursePage, LessonPage
from lms.models import (
    ActivityDecision,
    ActivityStatus,
    ApprovalChain,
    ApprovalLevel,
    CreditEntry,
    CreditSource,
    ExternalActivity,
)
from lms.selectors import approval_queue, approver_profile
from lms.services import external_activity_decide

pytestmark = pytest.mark.django_db


def _snapshot() -> dict:
    return {
        "pages": list(Page.objects.order_by("path").values_list("path", "title", "live")),
        "revisions": Revision.objects.count(),
        "users": list(User.objects.order_by("email").values_list("email", "password")),
        "institutions": list(Institution.objects.order_by("path").values_list("path", "name")),
        "departments": Department.objects.count(),
        "emails": EmailAddress.objects.count(),
        "hr_scopes": HRScope.objects.count(),
        "categories": CourseCategory.objects.count(),
        "external_activities": list(
            ExternalActivity.objects.order_by("pk").values_list("title", "status")
        ),
        "approval_chains": ApprovalChain.objects.count(),
        "credit_entries": CreditEntry.objects.count(),
    }


def test_seed_demo_builds_the_demo_and_is_idempotent(client):
    call_command("seed_demo", verbosity=0)
    first = _snapshot()
    call_command("seed_demo", verbosity=0)
    assert _snapshot() == first

    assert HomePage.objects.live().count() == 1
    courses = CoursePage.objects.live()
    assert courses.count() == len(demo_content.COURSES) >= 8
    assert {c.category.slug for c in courses} == {c["slug"] for c in demo_content.CATEGORIES}
    for course in courses:
        lessons = LessonPage.objects.live().child_of(course)
        assert lessons.count() >= 3
        for lesson in lessons:
            paragraphs = [b for b in lesson.body if b.block_type == "paragraph"]
            assert len(paragraphs) >= 3
    assert {p.slug for p in StandardPage.objects.live()} >= {"about", "help", "policies"}


def test_seed_demo_gives_one_verified_user_per_role(client):
    call_command("seed_demo", verbosity=0)
    for role in Role:
        assert User.objects.filter(groups__name=role).exists(), role
    for spec in DEMO_USERS:
        assert client.login(email=spec.email, password=DEMO_PASSWORD)
        client.logout()
    hr = User.objects.get(groups__name=Role.HR_OFFICER)
    assert hr.hr_scopes.get().institution.name == "林周县"


def test_demo_site_serves_home_and_catalogue_in_chinese(client):
    call_command("seed_demo", verbosity=0)
    home = client.get("/")
    assert home.status_code == 200
    assert "雪域继续医学教育平台" in home.content.decode()
    assert len(home.context["featured"]) == 4
    catalogue = client.get("/courses/")
    html = catalogue.content.decode()
    assert catalogue.status_code == 200
    for spec in demo_content.COURSES[:8]:
        assert spec["title"] in html
    assert 'lang="zh-hans"' in html
    assert "课程" in html  # interface text is Chinese by default


def test_demo_learner_has_real_progress_and_an_assignment(
    client, django_capture_on_commit_callbacks
):
    from courses.models import Question
    from lms.models import (
        CreditEntry,
        CreditSource,
        Enrollment,
        EnrollmentSource,
        EnrollmentStatus,
        LessonProgress,
    )

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)
    learner = User.objects.get(email=DEMO_USERS[0].email)
    enrollments = Enrollment.objects.filter(learner=learner)
    assert enrollments.count() == 3
    assigned = enrollments.get(source=EnrollmentSource.ASSIGNED)
    assert assigned.due_date is not None
    # One course completed through the heartbeat rule, with its credits in the ledger.
    completed = enrollments.get(status=EnrollmentStatus.COMPLETED)
    assert completed.completion.study_seconds > 0
    award = CreditEntry.objects.get(learner=learner, source=CreditSource.COURSE_COMPLETION)
    assert award.activity_title == completed.course.title
    # And one lesson of another course studied today.
    [progress] = LessonProgress.objects.filter(
        enrollment__learner=learner, enrollment__status=EnrollmentStatus.ACTIVE
    )
    assert progress.completed_at is not None
    assert progress.study_seconds >= progress.lesson.required_study_minutes * 60
    assert Question.objects.count() == sum(len(q) for _n, q in demo_content.EXAMS.values())
    client.login(email=learner.email, password=DEMO_PASSWORD)
    assert len(client.get("/learn/").context["in_progress"]) == 2


def test_demo_learner_has_an_approved_and_a_waiting_external_activity(client):
    call_command("seed_demo", verbosity=0)
    learner = User.objects.get(email=DEMO_USERS[0].email)
    hr = User.objects.get(email="hr@demo.snowland-cme.cn")
    chain = ApprovalChain.objects.get(institution__name="林周县人民医院")
    assert list(chain.steps.values_list("level", flat=True)) == [
        ApprovalLevel.DEPARTMENT_HEAD,
        ApprovalLevel.INSTITUTION_OFFICE,
    ]
    approved = ExternalActivity.objects.get(learner=learner, status=ActivityStatus.APPROVED)
    assert approved.credit_entry.source == CreditSource.EXTERNAL_ACTIVITY
    assert approved.credit_entry.awarded_by == hr
    waiting = ExternalActivity.objects.get(learner=learner, status=ActivityStatus.SUBMITTED)
    assert waiting.current_level == ApprovalLevel.INSTITUTION_OFFICE
    assert list(approval_queue(profile=approver_profile(user=hr))) == [waiting]

    client.login(email=learner.email, password=DEMO_PASSWORD)
    assert client.get(f"/learn/activities/{waiting.pk}/").status_code == 200
    client.login(email=hr.email, password=DEMO_PASSWORD)
    assert client.get(f"/learn/approvals/{waiting.pk}/").status_code == 200
    external_activity_decide(
        activity_id=waiting.pk,
        actor=hr,
        step=waiting.current_step,
        decision=ActivityDecision.APPROVE,
    )
    waiting.refresh_from_db()
    assert waiting.status == ActivityStatus.APPROVED
