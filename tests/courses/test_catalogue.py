"""The course catalogue: filters, search, bad input and a fixed number of queries."""

import io

import pytest
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images import get_image_model

from accounts.choices import Profession
from courses.choices import ContentLanguage, CreditClass, SubjectType
from courses.models import AudienceProfession
from tests.courses.factories import CourseCategoryFactory, CoursePageFactory
from tests.query_counts import queries_of_repeat_view

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return [course.title for course in response.context["courses"]]


@pytest.fixture
def courses(catalogue):
    ethics = CourseCategoryFactory(name="思政与医德医风", slug="ideology-ethics")
    gp = CourseCategoryFactory(name="全科医学", slug="general-practice")
    nurses = AudienceProfession.objects.get(code=Profession.NURSE)
    doctors = AudienceProfession.objects.get(code=Profession.DOCTOR)
    made = {
        "ethics": CoursePageFactory(
            parent=catalogue,
            title="医学人文与医德医风",
            summary="做人民健康的守护者。",
            category=ethics,
            subject_type=SubjectType.PUBLIC_COMPULSORY,
        ),
        "altitude": CoursePageFactory(
            parent=catalogue,
            title="高原病的识别与处置",
            summary="急性高原病与高原肺水肿。",
            category=gp,
            credit_class=CreditClass.CLASS_1_NATIONAL,
            cme_project_number="2026-04-02-015 (国)",
        ),
        "nursing": CoursePageFactory(
            parent=catalogue,
            title="护理安全与院感防控",
            summary="手卫生与标准预防。",
            category=gp,
            language=ContentLanguage.BILINGUAL,
        ),
        "draft": CoursePageFactory(
            parent=catalogue,
            title="未发布的高原课程",
            summary="草稿。",
            category=gp,
            live=False,
        ),
    }
    # Parental many-to-many values reach the database when the page is saved.
    made["nursing"].target_professions = [nurses]
    made["nursing"].save()
    made["altitude"].target_professions = [doctors]
    made["altitude"].save()
    return made


def test_catalogue_lists_live_courses_only(client, catalogue, courses):
    response = client.get(catalogue.url)
    assert response.status_code == 200
    assert set(titles(response)) == {
        "医学人文与医德医风",
        "高原病的识别与处置",
        "护理安全与院感防控",
    }
    assert "未发布的高原课程" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"category": "ideology-ethics"}, {"医学人文与医德医风"}),
        ({"credit_class": CreditClass.CLASS_1_NATIONAL}, {"高原病的识别与处置"}),
        ({"subject_type": SubjectType.PUBLIC_COMPULSORY}, {"医学人文与医德医风"}),
        ({"language": ContentLanguage.BILINGUAL}, {"护理安全与院感防控"}),
        # For nurses: courses aimed at nurses and courses open to every profession.
        ({"profession": Profession.NURSE}, {"护理安全与院感防控", "医学人文与医德医风"}),
        ({"profession": Profession.DOCTOR}, {"高原病的识别与处置", "医学人文与医德医风"}),
        ({"category": "general-practice", "profession": Profession.NURSE}, {"护理安全与院感防控"}),
    ],
)
def test_filters(client, catalogue, courses, query, expected):
    response = client.get(catalogue.url, query)
    assert response.status_code == 200
    assert set(titles(response)) == expected
    assert not response.context["filter_form"].errors


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("高原", {"高原病的识别与处置"}),
        ("高原病", {"高原病的识别与处置"}),
        ("肺水肿", {"高原病的识别与处置"}),  # found in the summary
        ("院感", {"护理安全与院感防控"}),
        ("守护者", {"医学人文与医德医风"}),
        ("心脏移植", set()),
    ],
)
def test_search_finds_chinese_terms_in_titles_and_summaries(
    client, catalogue, courses, q, expected
):
    response = client.get(catalogue.url, {"q": q})
    assert response.status_code == 200
    assert set(titles(response)) == expected


def test_search_combines_with_filters(client, catalogue, courses):
    response = client.get(catalogue.url, {"q": "高原", "credit_class": CreditClass.CLASS_2})
    assert titles(response) == []


@pytest.mark.parametrize(
    "query",
    [
        {"category": "no-such-category"},
        {"credit_class": "class_9"},
        {"subject_type": "<script>alert(1)</script>"},
        {"profession": "astronaut"},
        {"language": "xx"},
        {"page": "not-a-number"},
        {"page": "99999"},
    ],
)
def test_unknown_filter_values_get_a_message_not_an_error(client, catalogue, courses, query):
    response = client.get(catalogue.url, query)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    if "page" not in query:
        field = next(iter(query))
        assert field in response.context["filter_form"].errors
        assert 'role="alert"' in html
        # The bad filter is ignored, the other courses still shown.
        assert len(titles(response)) == 3


def test_oversized_search_is_refused_with_a_message(client, catalogue, courses, settings):
    response = client.get(catalogue.url, {"q": "高" * (settings.SNOWLAND_SEARCH_MAX_LENGTH + 1)})
    assert response.status_code == 200
    errors = response.context["filter_form"].errors["q"]
    assert str(settings.SNOWLAND_SEARCH_MAX_LENGTH) in errors[0]
    assert len(titles(response)) == 3


def test_pagination_keeps_the_filters(client, catalogue, settings):
    settings.SNOWLAND_CATALOGUE_PAGE_SIZE = 2
    category = CourseCategoryFactory(slug="nursing")
    for n in range(5):
        CoursePageFactory(parent=catalogue, category=category, title=f"护理课程{n}")
    response = client.get(catalogue.url, {"category": "nursing", "page": 2})
    assert response.context["courses"].number == 2
    assert "category=nursing&amp;page=3" in response.content.decode()


def _cover():
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 36), (140, 29, 24)).save(buffer, format="PNG")
    return get_image_model().objects.create(title="封面", file=ImageFile(buffer, name="c.png"))


# The fixed cost of rendering a catalogue page: the public-pages restriction, the
# count, one page of courses with category and cover, and the covers' renditions.
# The site, the route, the privacy check, the site settings and the categories for the
# filter form come from the cache until the next publish (cms/page_cache.py).
CATALOGUE_QUERIES = 4


def test_catalogue_query_count_does_not_grow_with_courses(
    client, catalogue, django_assert_num_queries, settings
):
    settings.SNOWLAND_CATALOGUE_PAGE_SIZE = 200  # every course on one page
    settings.SNOWLAND_PAGE_CACHE_SECONDS = 0  # measure the rendering, not a cached page
    category = CourseCategoryFactory()
    cover = _cover()
    for n in range(10):
        CoursePageFactory(parent=catalogue, category=category, cover_image=cover, title=f"课{n}")
    with_ten = queries_of_repeat_view(client, catalogue.url)
    for n in range(10, 100):
        CoursePageFactory(parent=catalogue, category=category, cover_image=cover, title=f"课{n}")
    client.get(catalogue.url)
    with django_assert_num_queries(CATALOGUE_QUERIES):
        response = client.get(catalogue.url)
    assert len(titles(response)) == 100
    assert with_ten == CATALOGUE_QUERIES


def test_a_cached_catalogue_page_costs_no_query(client, catalogue, django_assert_num_queries):
    category = CourseCategoryFactory()
    for n in range(5):
        CoursePageFactory(parent=catalogue, category=category, title=f"课{n}")
    client.get(catalogue.url)
    with django_assert_num_queries(0):
        response = client.get(catalogue.url)
    assert response["X-Cache"] == "hit"
    assert "课4" in response.content.decode()


def test_search_query_count_does_not_grow_with_courses(client, catalogue):
    category = CourseCategoryFactory()
    for n in range(10):
        CoursePageFactory(parent=catalogue, category=category, title=f"高原课程{n}")
    with_ten = queries_of_repeat_view(client, catalogue.url + "?q=高原")
    for n in range(10, 60):
        CoursePageFactory(parent=catalogue, category=category, title=f"高原课程{n}")
    assert queries_of_repeat_view(client, catalogue.url + "?q=高原") == with_ten
