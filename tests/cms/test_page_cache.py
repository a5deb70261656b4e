"""The anonymous page cache and the shared fragments (cms/page_cache.py, courses/fragments.py):
a hit costs no query, a publish invalidates, and nobody ever sees another person's page."""

import re

import pytest
from django.conf import settings
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from wagtail.models import PageViewRestriction

from accounts.roles import Role
from cms.models import SiteBranding, StandardPage
from cms.page_cache import canonical_query
from cms.services import page_publish
from lms.services import checkpoint_answer
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseCategoryFactory, CoursePageFactory, LessonPageFactory
from tests.lms.builders import course_with_lessons, enrolled, opened

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(catalogue):
    return CoursePageFactory(parent=catalogue, title="高原病的识别与处置")


def _learner(institutions, name: str):
    return UserFactory(role=Role.LEARNER, institution=institutions["hospital_a"], real_name=name)


def test_a_hit_costs_no_query_and_serves_the_same_page(client, course, django_assert_num_queries):
    first = client.get(course.url)
    assert first["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(course.url)
    assert second.status_code == 200
    assert second["X-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["Content-Language"] == first["Content-Language"]


def test_home_catalogue_standard_and_lesson_pages_are_cached(client, home, catalogue):
    help_page = home.add_child(
        instance=StandardPage(title="帮助", slug="help", body=[("paragraph", "<p>常见问题</p>")])
    )
    course, lessons = course_with_lessons(catalogue, lessons=1)
    for url in (home.url, catalogue.url, help_page.url, course.url, lessons[0].url):
        assert client.get(url)["X-Cache"] == "miss"
        assert client.get(url)["X-Cache"] == "hit"


def test_a_head_request_is_answered_from_the_cache(client, course):
    client.get(course.url)
    response = client.head(course.url)
    assert response["X-Cache"] == "hit"
    assert response.content == b""


def test_publishing_a_course_invalidates_its_page(client, course):
    client.get(course.url)
    assert client.get(course.url)["X-Cache"] == "hit"
    course.title = "高原病的识别与处置（第二版）"
    page_publish(page=course)
    response = client.get(course.url)
    assert response["X-Cache"] == "miss"
    assert "第二版" in response.content.decode()


def test_unpublishing_a_course_takes_it_off_at_once(client, course):
    client.get(course.url)
    course.unpublish()
    assert client.get(course.url).status_code == 404


def test_a_new_course_shows_in_the_catalogue_at_once(client, catalogue, course):
    client.get(catalogue.url)
    assert client.get(catalogue.url)["X-Cache"] == "hit"
    new = CoursePageFactory(parent=catalogue, title="包虫病的防治")
    page_publish(page=new)
    assert "包虫病的防治" in client.get(catalogue.url).content.decode()


def test_site_settings_invalidate_every_page(client, home, course):
    client.get(course.url)
    branding = SiteBranding.for_site(home.get_site())
    branding.site_name = "新的站名"
    branding.save()
    response = client.get(course.url)
    assert response["X-Cache"] == "miss"
    assert "新的站名" in response.content.decode()


def test_a_page_made_private_is_no_longer_served_from_the_cache(client, course):
    client.get(course.url)
    PageViewRestriction.objects.create(page=course, restriction_type=PageViewRestriction.LOGIN)
    response = client.get(course.url)
    assert response.status_code == 302
    assert "X-Cache" not in response or response["X-Cache"] != "hit"


def test_a_signed_in_learner_is_never_served_a_cached_page(client, course, learner):
    anonymous = client.get(course.url).content.decode()
    assert client.get(course.url)["X-Cache"] == "hit"
    client.force_login(learner)
    response = client.get(course.url)
    assert "X-Cache" not in response
    page = response.content.decode()
    assert page != anonymous
    assert f"/learn/courses/{course.pk}/enrol/" in page  # the learner's own enrol button


def test_a_signed_in_learner_never_fills_the_cache(course, learner):
    signed_in = Client()
    signed_in.force_login(learner)
    signed_in.get(course.url)
    signed_in.get(course.url)
    anonymous = Client()
    response = anonymous.get(course.url)
    assert response["X-Cache"] == "miss"
    assert f"/learn/courses/{course.pk}/enrol/" not in response.content.decode()


def test_any_cookie_but_csrf_and_language_bypasses_the_cache(client, course):
    client.get(course.url)
    client.cookies[settings.SESSION_COOKIE_NAME] = "not-a-session"
    assert "X-Cache" not in client.get(course.url)
    client.cookies.pop(settings.SESSION_COOKIE_NAME)
    client.cookies["messages"] = "pending"
    assert "X-Cache" not in client.get(course.url)
    client.cookies.pop("messages")
    client.cookies[settings.CSRF_COOKIE_NAME] = "x" * 32
    assert client.get(course.url)["X-Cache"] == "hit"


def test_an_authorization_header_bypasses_the_cache(client, course):
    client.get(course.url)
    assert "X-Cache" not in client.get(course.url, HTTP_AUTHORIZATION="Bearer abc")


def test_two_learners_never_see_each_others_dashboard(catalogue, institutions):
    tsering, dolma = _learner(institutions, "次仁多吉"), _learner(institutions, "卓玛央宗")
    mine, _ = course_with_lessons(catalogue, title="次仁的课程")
    theirs, _ = course_with_lessons(catalogue, title="卓玛的课程")
    enrolled(tsering, mine)
    enrolled(dolma, theirs)
    first, second = Client(), Client()
    first.force_login(tsering)
    second.force_login(dolma)
    for _ in range(2):  # the second round would be served from any cache there were
        page_one = first.get("/learn/").content.decode()
        page_two = second.get("/learn/").content.decode()
        assert "次仁的课程" in page_one
        assert "卓玛的课程" not in page_one
        assert "卓玛的课程" in page_two
        assert "次仁的课程" not in page_two
        profile_one = first.get("/profile/").content.decode()
        profile_two = second.get("/profile/").content.decode()
        assert "次仁多吉" in profile_one
        assert "卓玛央宗" not in profile_one
        assert "卓玛央宗" in profile_two
        assert "次仁多吉" not in profile_two


def test_two_learners_see_their_own_state_on_the_same_course_page(catalogue, institutions):
    tsering, dolma = _learner(institutions, "次仁多吉"), _learner(institutions, "卓玛央宗")
    course, _ = course_with_lessons(catalogue, title="共同的课程")
    enrolled(tsering, course)
    first, second = Client(), Client()
    first.force_login(tsering)
    second.force_login(dolma)
    for _ in range(2):
        page_one = first.get(course.url).content.decode()
        page_two = second.get(course.url).content.decode()
        assert f"/learn/courses/{course.pk}/withdraw/" in page_one
        assert f"/learn/courses/{course.pk}/enrol/" not in page_one
        assert f"/learn/courses/{course.pk}/enrol/" in page_two
        assert f"/learn/courses/{course.pk}/withdraw/" not in page_two


def _csrf_secret(page: str) -> str:
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    return _unmask_cipher_token(token)


CHECKPOINT = {
    "question": "首选药物？",
    "kind": "single",
    "choices": [{"text": "乙酰唑胺", "correct": True}, {"text": "阿司匹林", "correct": False}],
    "explanation": "<p>乙酰唑胺加快习服。</p>",
}


def test_a_lessons_checkpoints_are_each_learners_own(catalogue, institutions):
    tsering, dolma = _learner(institutions, "次仁多吉"), _learner(institutions, "卓玛央宗")
    course, _ = course_with_lessons(catalogue, lessons=0)
    lesson = LessonPageFactory(
        parent=course,
        body=[("paragraph", "<p>共同的正文。</p>"), ("checkpoint", CHECKPOINT)],
    )
    for person in (tsering, dolma):
        opened(enrolled(person, course), lesson)
    checkpoint_answer(learner=tsering, lesson_id=lesson.pk, block_id=lesson.body[1].id, answer=[0])
    first, second, anonymous = Client(), Client(), Client()
    first.force_login(tsering)
    second.force_login(dolma)
    for _ in range(2):
        page_one = first.get(lesson.url).content.decode()
        page_two = second.get(lesson.url).content.decode()
        page_anonymous = anonymous.get(lesson.url).content.decode()
        for page in (page_one, page_two, page_anonymous):
            assert "共同的正文。" in page
        assert "乙酰唑胺加快习服" in page_one  # the explanation, once answered
        assert "乙酰唑胺加快习服" not in page_two
        assert 'value="0" checked' in page_one
        assert "checked" not in page_two
        assert "首选药物" not in page_anonymous  # checkpoints are for enrolled learners
        # Each checkpoint form carries its own learner's CSRF secret.
        assert _csrf_secret(page_one) == first.cookies[settings.CSRF_COOKIE_NAME].value
        assert _csrf_secret(page_two) == second.cookies[settings.CSRF_COOKIE_NAME].value


def test_language_variants_are_cached_apart(client, course):
    chinese = client.get(course.url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    english = client.get(course.url, HTTP_ACCEPT_LANGUAGE="en")
    assert chinese["X-Cache"] == english["X-Cache"] == "miss"
    again_english = client.get(course.url, HTTP_ACCEPT_LANGUAGE="en")
    again_chinese = client.get(course.url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert again_english["X-Cache"] == again_chinese["X-Cache"] == "hit"
    assert again_english["Content-Language"] == "en"
    assert again_chinese["Content-Language"] == "zh-hans"
    assert '<html lang="en">' in again_english.content.decode()
    assert '<html lang="zh-hans">' in again_chinese.content.decode()


def test_the_language_cookie_chooses_the_variant(client, course):
    client.get(course.url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(course.url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response["X-Cache"] == "miss"
    assert response["Content-Language"] == "en"


def test_the_language_switcher_needs_no_csrf_token(course):
    client = Client(enforce_csrf_checks=True)
    page = client.get(course.url).content.decode()
    assert "csrfmiddlewaretoken" not in page
    response = client.post("/i18n/setlang/", {"language": "en", "next": course.url})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ""),
        ("page=2&category=nursing", "category=nursing&page=2"),
        ("q=&credit_class=class_2&language=", "credit_class=class_2"),
        ("q=%E9%AB%98%E5%8E%9F", None),  # a search is not cached
        ("utm_source=mail", None),
        ("page=1&page=2", None),
        ("category=" + "x" * 41, None),
        ("category=<script>", None),
        ("page=" + "9" * 500, None),
    ],
)
def test_the_query_string_is_normalised_and_bounded(query, expected):
    assert canonical_query(query) == expected


def test_equivalent_catalogue_queries_share_one_entry(client, catalogue, course):
    category = CourseCategoryFactory(slug="nursing")
    CoursePageFactory(parent=catalogue, category=category, title="护理课程")
    first = client.get(catalogue.url + "?q=&category=nursing&profession=")
    assert first["X-Cache"] == "miss"
    again = client.get(catalogue.url + "?category=nursing")
    assert again["X-Cache"] == "hit"
    assert "护理课程" in again.content.decode()
    assert "高原病的识别与处置" not in again.content.decode()


@pytest.mark.parametrize("query", ["?category=no-such-category", "?page=99", "?page=0"])
def test_invalid_filters_and_pages_are_not_stored(client, catalogue, course, query):
    client.get(catalogue.url + query)
    assert client.get(catalogue.url + query)["X-Cache"] == "miss"


def test_a_search_is_never_cached(client, catalogue, course):
    client.get(catalogue.url + "?q=高原")
    response = client.get(catalogue.url + "?q=高原")
    assert "X-Cache" not in response
    assert "高原病的识别与处置" in response.content.decode()


@pytest.mark.parametrize("path", ["/learn/", "/verify/", "/accounts/login/", "/certificates/"])
def test_personal_and_form_pages_are_never_cached(client, home, path):
    client.get(path)
    assert "X-Cache" not in client.get(path)


def test_the_sites_own_views_reuse_the_site_and_its_settings(
    client, home, learner, django_assert_num_queries
):
    client.force_login(learner)
    client.get("/learn/transcript/")
    branding = SiteBranding.for_site(home.get_site())
    with django_assert_num_queries(1):  # the user; the site and settings from the cache
        assert client.get("/verify/").status_code == 200
    branding.site_name = "改过的站名"
    branding.save()
    page = client.get("/learn/transcript/").content.decode()
    assert "改过的站名" in page  # a settings change is seen at once
    assert "X-Cache" not in client.get("/learn/transcript/")  # and never the page itself


def test_a_group_restriction_added_later_still_refuses_a_learner(client, course, learner):
    from django.contrib.auth.models import Group

    client.force_login(learner)
    assert client.get(course.url).status_code == 200  # the route is now cached
    restriction = PageViewRestriction.objects.create(
        page=course, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(Group.objects.create(name="只限委员会"))
    for _ in range(2):
        assert client.get(course.url).status_code == 302


def test_a_renamed_page_moves_at_once(client, course):
    old_url = course.url
    client.get(old_url)
    course.slug = "renamed-course"
    page_publish(page=course)
    assert client.get(old_url).status_code in (301, 302, 404)
    assert client.get("/courses/renamed-course/").status_code == 200
