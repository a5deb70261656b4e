"""Who may enter the Wagtail admin, and what authors and reviewers may do with courses.

Page permissions and the review workflow come from `cms.services.site_setup` (the
`home` fixture); the roles' model permissions from `accounts.services.roles_sync`.
"""

from decimal import Decimal

import pytest
from django.urls import reverse
from wagtail.models import Page, WorkflowState
from wagtail.test.utils.form_data import (
    inline_formset,
    nested_form_data,
    querydict_from_html,
    rich_text,
)

from accounts.roles import Role
from courses.choices import ContentLanguage, CreditClass, SubjectType
from courses.models import CourseCategory, CoursePage
from tests.accounts.factories import UserFactory

REVIEW_WORKFLOW = "CME committee review"
ADMIN_HOME = "/admin/"


@pytest.fixture
def category(db):
    return CourseCategory.objects.create(name="急诊医学", slug="emergency")


@pytest.fixture
def course_data(category):
    return nested_form_data(
        {
            "title": "高原病的识别与处置",
            "slug": "high-altitude-illness",
            "summary": "急性高原病、高原肺水肿和高原脑水肿的早期识别与现场处置。",
            "learning_objectives": rich_text("<ul><li>识别高原肺水肿</li></ul>"),
            "faculty": inline_formset([]),
            "category": category.pk,
            "credit_class": CreditClass.CLASS_2,
            "cme_project_number": "",
            "credits": "2.0",
            "study_hours": "4.0",
            "subject_type": SubjectType.PROFESSIONAL,
            "estimated_minutes": "120",
            "language": ContentLanguage.CHINESE,
            "exam_question_count": "0",
            "exam_pass_mark": "60",
            "exam_max_attempts": "3",
            "exam_time_limit_minutes": "",
            "exam_retry_wait_minutes": "0",
            "seo_title": "",
            "search_description": "",
        }
    )


@pytest.fixture
def draft_course(catalogue, author, category) -> CoursePage:
    """A course an author has written but nobody has published."""
    course = CoursePage(
        title="藏区常见传染病",
        slug="infectious-diseases",
        summary="结核病与包虫病的基层筛查。",
        category=category,
        credits=Decimal("1.0"),
        study_hours=Decimal("3.0"),
        live=False,
        owner=author,
    )
    catalogue.add_child(instance=course)
    course.save_revision(user=author)
    return CoursePage.objects.get(pk=course.pk)


def assert_no_dashboard(response) -> None:
    """Nothing of the admin's dashboard or menus in a refusal."""
    templates = [t.name for t in response.templates]
    assert "403.html" in templates
    assert "wagtailadmin/home.html" not in templates
    assert "wagtailadmin/base.html" not in templates
    body = response.content.decode()
    for admin_link in (reverse("wagtailadmin_explore_root"), "/admin/snippets/", "/admin/users/"):
        assert admin_link not in body, admin_link


def add_url(parent) -> str:
    return reverse("wagtailadmin_pages:add", args=["courses", "coursepage", parent.pk])


def edit_url(page) -> str:
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def edit_form_data(client, page):
    """The edit form as the browser would send it back, unchanged."""
    response = client.get(edit_url(page))
    assert response.status_code == 200
    return querydict_from_html(response.content.decode(), form_id="page-edit-form")


def submit_for_review(client, page) -> None:
    data = edit_form_data(client, page)
    data["action-submit"] = "action-submit"
    response = client.post(edit_url(page), data)
    assert response.status_code == 302, response.context and response.context["form"].errors


def fresh(page: Page) -> CoursePage:
    return CoursePage.objects.get(pk=page.pk)


class TestEnteringTheAdmin:
    def test_anonymous_is_sent_to_the_wagtail_login(self, client, home):
        response = client.get(ADMIN_HOME)

        assert response.status_code == 302
        assert response.url.startswith(reverse("wagtailadmin_login"))

    def test_learner_never_sees_the_dashboard(self, client, home, learner):
        client.force_login(learner)

        response = client.get(ADMIN_HOME)

        # Refused outright (config.middleware.AdminRefusalMiddleware), not sent to the
        # admin's login page, and nothing of the dashboard in the answer.
        assert response.status_code == 403
        assert_no_dashboard(response)
        assert not learner.has_perm("wagtailadmin.access_admin")

    def test_learner_cannot_reach_the_page_editor_either(self, client, catalogue, learner):
        client.force_login(learner)

        for url in (add_url(catalogue), edit_url(catalogue), "/admin/pages/"):
            response = client.get(url)
            assert response.status_code in (302, 403), url
            if response.status_code == 302:
                assert response.url.startswith(reverse("wagtailadmin_login")), url

    @pytest.mark.parametrize(
        "role",
        [Role.COURSE_AUTHOR, Role.REVIEWER, Role.HR_OFFICER, Role.SITE_ADMINISTRATOR],
    )
    def test_staff_roles_see_the_dashboard(self, client, home, role):
        client.force_login(UserFactory(role=role))

        response = client.get(ADMIN_HOME)

        assert response.status_code == 200
        assert "wagtailadmin/home.html" in [t.name for t in response.templates]

    def test_a_user_without_a_role_is_a_learner_for_the_admin(self, client, home):
        client.force_login(UserFactory())

        response = client.get(ADMIN_HOME)

        assert response.status_code == 403
        assert_no_dashboard(response)

    def test_author_cannot_manage_institutions(self, client, home, author):
        client.force_login(author)

        response = client.get("/admin/snippets/accounts/institution/")

        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert response.url != "/admin/snippets/accounts/institution/"


class TestAuthor:
    def test_may_add_courses_under_the_catalogue_only(self, catalogue, home, author):
        assert catalogue.permissions_for_user(author).can_add_subpage()
        assert not catalogue.permissions_for_user(author).can_publish_subpage()
        assert not home.permissions_for_user(author).can_add_subpage()

    def test_can_edit_but_not_publish(self, draft_course, author):
        permissions = draft_course.permissions_for_user(author)

        assert permissions.can_edit()
        assert not permissions.can_publish()

    def test_creates_a_course_and_submits_it_for_review(
        self, client, catalogue, author, course_data, category
    ):
        client.force_login(author)
        assert client.get(add_url(catalogue)).status_code == 200

        response = client.post(add_url(catalogue), {**course_data, "action-submit": "1"})

        assert response.status_code == 302
        course = CoursePage.objects.get(slug="high-altitude-illness")
        assert course.get_parent().specific == catalogue
        assert course.owner == author
        assert course.category == category
        assert course.credits == Decimal("2.0")
        assert not course.live
        assert course.has_unpublished_changes
        assert course.workflow_in_progress
        state = course.current_workflow_state
        assert state is not None
        assert state.workflow.name == REVIEW_WORKFLOW
        assert state.requested_by == author
        assert state.current_task_state.task.name == "CME committee approval"

    def test_publish_on_create_only_saves_a_draft(self, client, catalogue, author, course_data):
        client.force_login(author)

        client.post(add_url(catalogue), {**course_data, "action-publish": "1"})

        course = CoursePage.objects.get(slug="high-altitude-illness")
        assert not course.live
        assert course.first_published_at is None

    def test_publish_from_the_editor_does_not_make_the_page_live(
        self, client, draft_course, author
    ):
        client.force_login(author)
        data = edit_form_data(client, draft_course)
        data["title"] = "藏区常见传染病（修订）"
        data["action-publish"] = "action-publish"

        client.post(edit_url(draft_course), data)

        course = fresh(draft_course)
        assert not course.live
        assert course.first_published_at is None
        assert course.live_revision is None
        # The edit is kept as a draft revision, not thrown away.
        assert course.get_latest_revision_as_object().title == "藏区常见传染病（修订）"

    def test_submit_from_the_editor_starts_the_review(self, client, draft_course, author):
        client.force_login(author)

        submit_for_review(client, draft_course)

        course = fresh(draft_course)
        assert not course.live
        assert course.workflow_in_progress
        assert course.current_workflow_state.workflow.name == REVIEW_WORKFLOW
        assert course.current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS

    def test_cannot_approve_their_own_submission(self, client, draft_course, author):
        client.force_login(author)
        submit_for_review(client, draft_course)
        task_state = fresh(draft_course).current_workflow_task_state

        response = client.post(
            reverse(
                "wagtailadmin_pages:workflow_action",
                args=[draft_course.pk, "approve", task_state.pk],
            ),
            {"comment": ""},
        )

        assert response.status_code in (302, 403)
        course = fresh(draft_course)
        assert not course.live
        assert course.workflow_in_progress

    def test_invalid_course_is_not_created(self, client, catalogue, author, course_data):
        client.force_login(author)
        course_data.update(credits="99", title="")

        response = client.post(add_url(catalogue), {**course_data, "action-submit": "1"})

        assert response.status_code == 200
        assert {"title", "credits"} <= response.context["form"].errors.keys()
        assert not CoursePage.objects.filter(slug="high-altitude-illness").exists()


class TestReviewer:
    def test_can_publish(self, draft_course, reviewer):
        permissions = draft_course.permissions_for_user(reviewer)

        assert permissions.can_edit()
        assert permissions.can_publish()

    def test_approves_a_submitted_course_which_goes_live(
        self, client, draft_course, author, reviewer
    ):
        client.force_login(author)
        submit_for_review(client, draft_course)
        task_state = fresh(draft_course).current_workflow_task_state
        client.force_login(reviewer)

        response = client.post(
            reverse(
                "wagtailadmin_pages:workflow_action",
                args=[draft_course.pk, "approve", task_state.pk],
            ),
            {"comment": "内容准确，同意发布。"},
        )

        assert response.status_code == 302
        course = fresh(draft_course)
        assert course.live
        assert not course.workflow_in_progress
        task_state.refresh_from_db()
        assert task_state.status == task_state.STATUS_APPROVED
        assert task_state.finished_by == reviewer

    def test_rejects_a_submitted_course_which_stays_a_draft(
        self, client, draft_course, author, reviewer
    ):
        client.force_login(author)
        submit_for_review(client, draft_course)
        task_state = fresh(draft_course).current_workflow_task_state
        client.force_login(reviewer)

        client.post(
            reverse(
                "wagtailadmin_pages:workflow_action",
                args=[draft_course.pk, "reject", task_state.pk],
            ),
            {"comment": "学分计算有误。"},
        )

        course = fresh(draft_course)
        assert not course.live
        task_state.refresh_from_db()
        assert task_state.status == task_state.STATUS_REJECTED

    def test_publishes_from_the_editor(self, client, draft_course, reviewer):
        client.force_login(reviewer)
        data = edit_form_data(client, draft_course)
        data["action-publish"] = "action-publish"

        response = client.post(edit_url(draft_course), data)

        assert response.status_code == 302
        assert fresh(draft_course).live
