"""My learning, and the learner's view of course and lesson pages."""

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import engines
from django.test import Client, RequestFactory
from django.utils import timezone, translation

from lms.models import CourseCompletion, Enrollment, EnrollmentStatus, LessonProgress
from lms.selectors import learner_dashboard
from lms.selectors.dashboard import CourseProgress, _live_lessons_by_course
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


# The user (permission sets, the site and its two settings come from the cache), the
# enrolments with their completions and progress rows (one query; the
# courses' titles, links and lessons are kept until the next publish); and the
# learner's latest certificates (one query, from the certificates app's template tag;
# tests/certificates/test_downloads.py shows it does not grow with certificates). The
# year's credits come from the cache until the ledger, the rules or the profile change;
# computing them costs four more (the learner's institution, the rule sets in effect
# with their rules, and the ledger sums: tests/lms/test_compliance_cache.py). Fixed,
# whatever the number of enrolments, credit entries or certificates.
DASHBOARD_QUERIES = 3


def test_dashboard_query_count_does_not_grow_with_enrolments(
    client, catalogue, learner, django_assert_num_queries
):
    category = CourseCategoryFactory()
    client.force_login(learner)
    _enrol_in(catalogue, learner, 5, category)
    assert queries_of_repeat_view(client, "/learn/") == DASHBOARD_QUERIES
    _enrol_in(catalogue, learner, 45, category)
    # The courses changed (a publish): the site and its two settings, and the courses'
    # titles, links and lessons are read again, the latter in two queries whatever
    # their number (no query per course).
    with django_assert_num_queries(DASHBOARD_QUERIES + 3 + 2):
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
# cms/page_cache.py) and permission sets (accounts.permission_cache): the user and the
# learner's progress on this lesson: fixed, whatever the number of lessons.
LESSON_PAGE_QUERIES = 2


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


# -- The shared course parts: per learner, and invalidated by a publish -------------


def test_two_learners_never_see_each_others_entries(catalogue):
    tsering, dolma = UserFactory(), UserFactory()
    shared, lessons = course_with_lessons(catalogue, lessons=2, title="共同的课程")
    mine, _ = course_with_lessons(catalogue, title="次仁的课程")
    theirs, _ = course_with_lessons(catalogue, title="卓玛的课程")
    done = opened(enrolled(tsering, shared), lessons[0])
    done.completed_at, done.study_seconds = timezone.now(), 1800
    done.save()
    enrolled(dolma, shared)
    enrolled(tsering, mine)
    enrolled(dolma, theirs)
    first, second = Client(), Client()
    first.force_login(tsering)
    second.force_login(dolma)
    for _ in range(2):  # the second round reads the courses from the cache
        page_one = first.get("/learn/").content.decode()
        page_two = second.get("/learn/").content.decode()
        assert "次仁的课程" in page_one
        assert "卓玛的课程" not in page_one
        assert "卓玛的课程" in page_two
        assert "次仁的课程" not in page_two
        # The same course, each learner's own progress and next lesson.
        assert 'aria-valuenow="50"' in page_one
        assert "30 分钟" in page_one
        assert lessons[1].url in page_one
        assert 'aria-valuenow="50"' not in page_two
        assert "30 分钟" not in page_two
        assert lessons[0].url in page_two
        assert lessons[1].url not in page_two


def test_a_republished_course_shows_on_the_dashboard_at_once(client, catalogue, learner):
    course, lessons = course_with_lessons(catalogue, lessons=2, title="高原病的识别")
    enrolled(learner, course)
    client.force_login(learner)
    assert "高原病的识别" in client.get("/learn/").content.decode()
    client.get("/learn/")  # now from the cache

    course.title = "高原病的识别（第二版）"
    course.save_revision().publish()
    lessons[1].unpublish()
    html = client.get("/learn/").content.decode()
    assert "高原病的识别（第二版）" in html
    [item] = client.get("/learn/").context["in_progress"]
    assert item.lessons_total == 1
    assert "0/1" in html or "0 of 1" in html


# -- The entries' markup: the template's, as it was before lms/templatetags/dashboard --

# The reference: the entries as templates/lms/dashboard.html rendered them (from the
# enrolments and `_reference_progress`, the selector of the time) before they were
# built in Python.
TEMPLATE_ENTRIES = (Path(__file__).parent / "dashboard_entries_before.html").read_text()

TAG_ENTRIES = """{% load dashboard %}
<ul>{% dashboard_in_progress in_progress %}</ul>
<ul>{% dashboard_completed completed %}</ul>"""


def _normalised(html: str) -> str:
    html = re.sub(r"\s+", " ", html)
    return re.sub(r"\s*(<|>)\s*", r"\1", html).strip()


def _varied_dashboard(catalogue, learner) -> None:
    today = timezone.localdate()
    started, lessons = course_with_lessons(
        catalogue, lessons=3, title='<b>急救 & "复苏"</b>', credits=Decimal("2.5")
    )
    lessons[1].title = "第二讲 <i>气道</i> & 呼吸"
    lessons[1].save_revision().publish()
    enrollment = enrolled(learner, started)
    enrollment.source, enrollment.due_date = "assigned", today - timedelta(days=2)
    enrollment.save()
    progress = opened(enrollment, lessons[0])
    progress.completed_at, progress.study_seconds = timezone.now(), 3900
    progress.save()
    exam, _ = course_with_lessons(catalogue, lessons=0, title="只有考试", exam_question_count=3)
    enrollment = enrolled(learner, exam)
    enrollment.due_date = today + timedelta(days=30)
    enrollment.save()
    finished, lessons = course_with_lessons(catalogue, lessons=1, title="学完待考")
    progress = opened(enrolled(learner, finished), lessons[0])
    progress.completed_at, progress.study_seconds = timezone.now(), 59
    progress.save()
    enrolled(learner, course_with_lessons(catalogue, lessons=2, title="未开始")[0])
    for title, score in (("已完成 A&B", Decimal("85.50")), ("已完成无分", None)):
        course, _ = course_with_lessons(catalogue, lessons=1, title=title, credits=Decimal("3"))
        enrollment = enrolled(learner, course)
        enrollment.status = EnrollmentStatus.COMPLETED
        enrollment.save()
        CourseCompletion.objects.create(
            enrollment=enrollment,
            completed_at=timezone.now() - timedelta(days=3),
            final_score=score,
            study_seconds=7260,
        )
    withdrawn = enrolled(learner, course_with_lessons(catalogue, title="已退出")[0])
    withdrawn.status = EnrollmentStatus.WITHDRAWN
    withdrawn.save()


def _reference_progress(enrollments) -> list[CourseProgress]:
    """Each enrolment's progress as the dashboard computed it before its entries were
    built in Python (two queries, whatever the number of enrolments)."""
    lessons = _live_lessons_by_course([e.course for e in enrollments])
    seconds: dict[int, int] = {}
    done: dict[int, set[int]] = {}
    for enrollment_id, lesson_id, study, completed_at in LessonProgress.objects.filter(
        enrollment__in=enrollments
    ).values_list("enrollment_id", "lesson_id", "study_seconds", "completed_at"):
        seconds[enrollment_id] = seconds.get(enrollment_id, 0) + study
        if completed_at:
            done.setdefault(enrollment_id, set()).add(lesson_id)
    result = []
    for enrollment in enrollments:
        course_lessons = lessons.get(enrollment.course.path, [])
        finished = done.get(enrollment.pk, set())
        result.append(
            CourseProgress(
                enrollment=enrollment,
                lessons_total=len(course_lessons),
                lessons_done=sum(1 for lesson in course_lessons if lesson.pk in finished),
                study_seconds=seconds.get(enrollment.pk, 0),
                next_lesson=next((x for x in course_lessons if x.pk not in finished), None),
                done_lesson_ids=frozenset(finished),
            )
        )
    return result


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_dashboard_entries_are_the_templates_markup(catalogue, learner, language):
    _varied_dashboard(catalogue, learner)
    request = RequestFactory().get("/learn/")
    request.user = learner
    enrollments = list(
        Enrollment.objects.filter(learner=learner)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .select_related("course", "completion")
        .order_by("due_date", "-last_studied_at", "-enrolled_at", "pk")
    )
    progress = _reference_progress(enrollments)
    reference_context = {
        "in_progress": [p for p in progress if p.enrollment.status == EnrollmentStatus.ACTIVE],
        "completed": [p for p in progress if p.enrollment.status == EnrollmentStatus.COMPLETED],
    }
    engine = engines["django"]
    with translation.override(language):
        reference = engine.from_string(TEMPLATE_ENTRIES).render(reference_context, request)
        for _ in range(2):  # built, then from the cache
            built = engine.from_string(TAG_ENTRIES).render(
                learner_dashboard(learner=learner, request=request), request
            )
            assert _normalised(built) == _normalised(reference)
    assert built.count("learning-item") == 6
    assert "&lt;b&gt;急救 &amp; &quot;复苏&quot;&lt;/b&gt;" in built
    assert "<b>" not in built
    assert "<i>" not in built
    assert "已退出" not in built
