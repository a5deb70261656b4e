"""The learning box of a course page: the learner's own enrolment and progress,
counted against the course's live lessons as the page lists them."""

import pytest
from django.utils import timezone

from lms.selectors.course_page import course_learning_for
from tests.accounts.factories import UserFactory
from tests.lms.builders import course_with_lessons, enrolled, opened

pytestmark = pytest.mark.django_db


def test_progress_counts_live_lessons_only(catalogue, learner):
    course, lessons = course_with_lessons(catalogue, lessons=4)
    enrollment = enrolled(learner, course)
    done = opened(enrollment, lessons[0])
    done.completed_at, done.study_seconds = timezone.now(), 600
    done.save()
    withdrawn = opened(enrollment, lessons[3])
    withdrawn.completed_at, withdrawn.study_seconds = timezone.now(), 300
    withdrawn.save()
    lessons[3].unpublish()  # finished, then taken down by its author
    live = lessons[:3]

    learning = course_learning_for(learner=learner, course=course, lessons=live)

    assert learning.enrollment == enrollment
    assert (learning.enrollment.status, learning.enrollment.due_date) == ("active", None)
    assert (learning.lessons_done, learning.lessons_total) == (1, 3)
    assert learning.study_seconds == 900  # time studied still counts
    assert learning.next_lesson == lessons[1]
    assert learning.done_lesson_ids == {lessons[0].pk, lessons[3].pk}
    assert learning.percent == 33


def test_nothing_for_visitors_and_other_learners(catalogue, learner, django_assert_num_queries):
    course, lessons = course_with_lessons(catalogue, lessons=2)
    opened(enrolled(learner, course), lessons[0])
    other = UserFactory()
    with django_assert_num_queries(1):
        assert course_learning_for(learner=other, course=course, lessons=lessons) is None
    with django_assert_num_queries(1):  # enrolled: the enrolment with its progress rows
        assert course_learning_for(learner=learner, course=course, lessons=lessons) is not None
    from django.contrib.auth.models import AnonymousUser

    with django_assert_num_queries(0):
        assert course_learning_for(learner=AnonymousUser(), course=course, lessons=lessons) is None


def test_the_course_page_shows_the_learners_own_progress(client, catalogue, learner):
    course, lessons = course_with_lessons(catalogue, lessons=3)
    progress = opened(enrolled(learner, course), lessons[0])
    progress.completed_at = timezone.now()
    progress.save()
    other = UserFactory()
    enrolled(other, course)
    client.force_login(other)
    page = client.get(course.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "0 of 3 lessons" in page
    assert "done-mark" not in page
    client.force_login(learner)
    page = client.get(course.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 of 3 lessons" in page
    assert page.count('class="done-mark"') == 1
    assert f'href="{lessons[1].url}"' in page  # "Continue" goes to the next lesson
