"""Query counts of course and lesson pages once what every visitor shares is cached
(cms/page_cache.py, courses/fragments.py): fixed, whatever the number of lessons."""

import pytest

from tests.courses.factories import LessonPageFactory
from tests.lms.builders import course_with_lessons, enrolled, opened

pytestmark = pytest.mark.django_db

# The user and the learner's progress on this lesson. The user's permissions (for the
# menu, accounts.permission_cache), the route, the privacy check, the site, its
# settings, the course, the neighbouring lessons and the rendered body come from the
# cache.
LESSON_PAGE_QUERIES = 2
# The user; the learner's enrolment with its progress rows, in one query (lms's
# course_learning tag, given the lessons the page has). The permissions, CME record,
# faculty, category and lesson list come from the cache.
COURSE_PAGE_QUERIES = 2


def test_a_learners_lesson_page(client, catalogue, learner, django_assert_num_queries):
    course, lessons = course_with_lessons(catalogue, lessons=3)
    opened(enrolled(learner, course), lessons[1])
    client.force_login(learner)
    client.get(lessons[1].url)
    with django_assert_num_queries(LESSON_PAGE_QUERIES):
        response = client.get(lessons[1].url)
    assert 'data-lesson="' in response.content.decode()
    for _ in range(20):
        LessonPageFactory(parent=course)
    client.get(lessons[1].url)  # the new lessons invalidated what was cached
    with django_assert_num_queries(LESSON_PAGE_QUERIES):
        client.get(lessons[1].url)


def test_a_learners_course_page(client, catalogue, learner, django_assert_num_queries):
    course, lessons = course_with_lessons(catalogue, lessons=3)
    opened(enrolled(learner, course), lessons[0])
    client.force_login(learner)
    client.get(course.url)
    with django_assert_num_queries(COURSE_PAGE_QUERIES):
        response = client.get(course.url)
    assert f"/learn/courses/{course.pk}/withdraw/" in response.content.decode()
    for n in range(20):
        LessonPageFactory(parent=course, title=f"新增第{n}讲")
    client.get(course.url)
    with django_assert_num_queries(COURSE_PAGE_QUERIES):
        response = client.get(course.url)
    page = response.content.decode()
    assert all(f"新增第{n}讲" in page for n in range(20))  # the list is not stale


def test_an_anonymous_course_page_rendered_afresh_needs_no_query(
    client, catalogue, settings, django_assert_num_queries
):
    settings.SNOWLAND_PAGE_CACHE_SECONDS = 0  # no page cache: rendered on every view
    course, _lessons = course_with_lessons(catalogue, lessons=3)
    client.get(course.url)
    with django_assert_num_queries(0):
        response = client.get(course.url)
    assert "X-Cache" not in response
    assert course.title in response.content.decode()
