from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.choices import Profession, TitleLevel
from courses.models import AudienceProfession, AudienceTitleLevel
from lms.errors import AssignmentNotAllowed, EnrollmentNotAllowed
from lms.models import Enrollment, EnrollmentEvent, EnrollmentSource, EnrollmentStatus
from lms.services import course_assign, enrollment_create, enrollment_withdraw
from tests.accounts.factories import DepartmentFactory, UserFactory
from tests.lms.builders import course_with_lessons

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(catalogue):
    course, _lessons = course_with_lessons(catalogue)
    return course


def test_enrol_creates_one_enrolment_and_is_idempotent(learner, course):
    first = enrollment_create(learner=learner, course=course)
    again = enrollment_create(learner=learner, course=course)
    assert first.pk == again.pk
    assert first.status == EnrollmentStatus.ACTIVE
    assert list(first.events.values_list("kind", flat=True)) == [EnrollmentEvent.Kind.ENROLLED]


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ({"enrolment_opens": date(2030, 1, 1)}, EnrollmentNotAllowed.NOT_OPEN_YET),
        ({"enrolment_closes": date(2020, 1, 1)}, EnrollmentNotAllowed.CLOSED),
    ],
)
def test_enrolment_window_is_enforced(learner, catalogue, window, message):
    course, _ = course_with_lessons(catalogue, **window)
    with pytest.raises(EnrollmentNotAllowed) as caught:
        enrollment_create(learner=learner, course=course, today=date(2026, 6, 1))
    assert caught.value.message == message
    assert not Enrollment.objects.exists()


def test_unpublished_course_cannot_be_enrolled(learner, catalogue):
    course, _ = course_with_lessons(catalogue, live=False)
    with pytest.raises(EnrollmentNotAllowed) as caught:
        enrollment_create(learner=learner, course=course)
    assert caught.value.message == EnrollmentNotAllowed.NOT_PUBLISHED


def test_audience_is_enforced(catalogue, institutions):
    course, _ = course_with_lessons(catalogue)
    course.target_professions = [AudienceProfession.objects.get(code=Profession.NURSE)]
    course.target_title_levels = [AudienceTitleLevel.objects.get(code=TitleLevel.SENIOR)]
    course.save()
    doctor = UserFactory(profession=Profession.DOCTOR, title_level=TitleLevel.SENIOR)
    junior_nurse = UserFactory(profession=Profession.NURSE, title_level=TitleLevel.JUNIOR)
    senior_nurse = UserFactory(profession=Profession.NURSE, title_level=TitleLevel.SENIOR)
    with pytest.raises(EnrollmentNotAllowed) as caught:
        enrollment_create(learner=doctor, course=course)
    assert caught.value.message == EnrollmentNotAllowed.WRONG_PROFESSION
    with pytest.raises(EnrollmentNotAllowed) as caught:
        enrollment_create(learner=junior_nurse, course=course)
    assert caught.value.message == EnrollmentNotAllowed.WRONG_TITLE_LEVEL
    assert enrollment_create(learner=senior_nurse, course=course).pk


def test_withdraw_keeps_history_and_enrolling_again_revives(learner, course):
    enrollment = enrollment_create(learner=learner, course=course)
    enrollment_withdraw(enrollment=enrollment, actor=learner)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.WITHDRAWN
    again = enrollment_create(learner=learner, course=course)
    assert again.pk == enrollment.pk
    assert again.status == EnrollmentStatus.ACTIVE
    assert list(again.events.values_list("kind", flat=True)) == [
        EnrollmentEvent.Kind.ENROLLED,
        EnrollmentEvent.Kind.WITHDRAWN,
        EnrollmentEvent.Kind.REENROLLED,
    ]


def test_hr_officer_assigns_within_scope_only(course, institutions):
    from accounts.services import hr_scope_grant

    officer = UserFactory(institution=institutions["hospital_a"])
    hr_scope_grant(user=officer, institution=institutions["county_a"])
    inside = UserFactory(institution=institutions["township_a"])
    outside = UserFactory(institution=institutions["hospital_b"])
    due = timezone.localdate() + timedelta(days=30)
    [assigned] = course_assign(course=course, learners=[inside], due_date=due, assigned_by=officer)
    assert assigned.source == EnrollmentSource.ASSIGNED
    assert assigned.due_date == due
    assert assigned.assigned_by == officer
    with pytest.raises(AssignmentNotAllowed) as caught:
        course_assign(course=course, learners=[inside, outside], due_date=due, assigned_by=officer)
    assert caught.value.message == AssignmentNotAllowed.OUTSIDE_SCOPE
    assert not Enrollment.objects.filter(learner=outside).exists()


def test_learner_cannot_assign(course, learner):
    with pytest.raises(AssignmentNotAllowed):
        course_assign(course=course, learners=[learner], due_date=None, assigned_by=learner)


def test_assign_page_assigns_a_department(client, course, institutions):
    from accounts.services import hr_scope_grant

    officer = UserFactory(institution=institutions["hospital_a"])
    hr_scope_grant(user=officer, institution=institutions["county_a"])
    ward = DepartmentFactory(institution=institutions["hospital_a"], name="内科")
    staff = [UserFactory(institution=institutions["hospital_a"], department=ward) for _ in range(3)]
    client.force_login(officer)
    assert client.get("/learn/assign/").status_code == 200
    response = client.post(
        "/learn/assign/",
        {"course": course.pk, "department": ward.pk, "due_date": "2099-12-31"},
    )
    assert response.status_code == 302
    assert Enrollment.objects.filter(learner__in=staff, due_date=date(2099, 12, 31)).count() == 3


def test_assign_page_is_forbidden_to_learners(client, learner):
    client.force_login(learner)
    assert client.get("/learn/assign/").status_code == 403


def test_enrol_and_withdraw_views(client, learner, course):
    client.force_login(learner)
    response = client.post(f"/learn/courses/{course.pk}/enrol/")
    assert response.status_code == 302
    assert Enrollment.objects.get(learner=learner).status == EnrollmentStatus.ACTIVE
    page = client.get(course.url).content.decode()
    assert "/withdraw/" in page
    client.post(f"/learn/courses/{course.pk}/withdraw/")
    assert Enrollment.objects.get(learner=learner).status == EnrollmentStatus.WITHDRAWN


def test_anonymous_users_are_sent_to_log_in(client, course):
    response = client.post(f"/learn/courses/{course.pk}/enrol/")
    assert response.status_code == 302
    assert "/accounts/login/" in response.url
    assert client.get("/learn/").status_code == 302
    assert not Enrollment.objects.exists()
