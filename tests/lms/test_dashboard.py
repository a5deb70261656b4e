"""My learning, and the learner's view of course and lesson pages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from lms.models import Enrollment, LessonProgress
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseCategoryFactory, LessonPageFactory
from tests.lms.builders import course_with_lessons, enrolled, opened
from tests.query_counts import queries_of_repeat_view

pytestmark = pytest.mark.django_db


def _enrol_in(catalogue, learner, count, category):
    for n in range(count):
        course, lessons = course_with_lessons(
            catalogue, lessons=3, category=category, title=f"课程{n}"
        )
        enrollment = enrolled(learner, course)
        progress = opened(enrollment, lessons[0])
        progress.completed_at = timezone.now()
        progress.study_seconds = 600
        progress.save()


# The user and their permissions (two, for the menu), the site and its two
# settings, the enrolments with course, category and completion, the lessons of
# those courses, and the progress rows; then the year's credits: the learner's
# institution, the rule sets in effect with their rules, and the ledger sums; and
# the learner's latest certificates (one query, from the certificates app's template
# tag; tests/certificates/test_downloads.py shows it does not grow with certificates).
# Fixed, whatever the number of enrolments, credit entries or certificates.
DASHBOARD_QUERIES = 14


def test_dashboard_query_count_does_not_grow_with_enrolments(
    client, catalogue, learner, django_assert_num_queries
):
    category = CourseCategoryFactory()
    client.force_login(learner)
    _enrol_in(catalogue, learner, 5, category)
    assert queries_of_repeat_view(client, "/learn/") == DASHBOARD_QUERIES
    _enrol_in(catalogue, learner, 45, category)
    client.get("/learn/")
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get("/learn/")
    assert len(response.context["in_progress"]) == 50


def test_dashboard_shows_progress_time_due_and_next_lesson(client, catalogue, learner):
    course, lessons = course_with_lessons(catalogue, lessons=4, title="高原病")
    enrollment = enrolled(learner, course)
    enrollment.due_date = timezone.localdate() - timedelta(days=1)
    enrollment.source = "assigned"
    enrollment.save()
    done = opened(enrollment, lessons[0])
    done.completed_at, done.study_seconds = timezone.now(), 3900
    done.save()
    client.force_login(learner)
    response = client.get("/learn/")
    [item] = response.context["in_progress"]
    assert item.percent == 25
    assert item.next_lesson.pk == lessons[1].pk
    assert item.overdue is True
    html = response.content.decode()
    assert "高原病" in html
    assert lessons[1].url in html
    assert "1 h 5 min" in html or "1 小时 5 分钟" in html


def test_dashboard_shows_only_the_learners_own_courses(client, catalogue, learner):
    course, _ = course_with_lessons(catalogue, title="别人的课程")
    enrolled(UserFactory(), course)
    client.force_login(learner)
    response = client.get("/learn/")
    assert response.context["in_progress"] == []
    assert "别人的课程" not in response.content.decode()


# With what every learner shares cached until the next publish (courses/fragments.py,
# cms/page_cache.py): the user, their permissions (two, for the menu) and the
# learner's progress on this lesson: fixed, whatever the number of lessons.
LESSON_PAGE_QUERIES = 4


def test_lesson_page_query_count_is_pinned(client, catalogue, learner, django_assert_num_queries):
    course, lessons = course_with_lessons(catalogue, lessons=3)
    enrollment = enrolled(learner, course)
    opened(enrollment, lessons[1])
    client.force_login(learner)
    client.get(lessons[1].url)
    with django_assert_num_queries(LESSON_PAGE_QUERIES):
        response = client.get(lessons[1].url)
    assert 'data-lesson="' in response.content.decode()
    for _ in range(20):
        LessonPageFactory(parent=course)
    client.get(lessons[1].url)  # adding lessons invalidated the shared parts: warm them
    with django_assert_num_queries(LESSON_PAGE_QUERIES):
        client.get(lessons[1].url)


def test_lesson_open_endpoint_creates_progress_and_sets_resume_point(client, catalogue, learner):
    course, lessons = course_with_lessons(catalogue, lessons=2)
    enrollment = enrolled(learner, course)
    client.force_login(learner)
    response = client.post(f"/learn/lessons/{lessons[1].pk}/open/")
    assert response.status_code == 200
    assert LessonProgress.objects.filter(enrollment=enrollment, lesson=lessons[1]).exists()
    assert Enrollment.objects.get(pk=enrollment.pk).last_lesson_id == lessons[1].pk


def test_lesson_open_refuses_the_unenrolled(client, catalogue):
    _course, lessons = course_with_lessons(catalogue, lessons=1)
    client.force_login(UserFactory())
    assert client.post(f"/learn/lessons/{lessons[0].pk}/open/").status_code == 404
    assert not LessonProgress.objects.exists()


def test_first_visit_of_an_enrolled_learner_is_tracked(client, catalogue, learner):
    course, lessons = course_with_lessons(catalogue, lessons=1)
    enrolled(learner, course)
    client.force_login(learner)
    html = client.get(lessons[0].url).content.decode()
    assert f'data-lesson="{lessons[0].pk}"' in html
    assert "js/lesson.js" in html
    assert not LessonProgress.objects.exists()  # the page's script opens it, not the GET


def test_lesson_pages_of_a_completed_course_say_so(client, catalogue, learner):
    from lms.models import EnrollmentStatus

    course, lessons = course_with_lessons(catalogue, lessons=1)
    enrollment = enrolled(learner, course)
    enrollment.status = EnrollmentStatus.COMPLETED
    enrollment.save()
    client.force_login(learner)
    html = client.get(lessons[0].url).content.decode()
    assert "data-lesson=" not in html
    assert 'class="notice"' in html
