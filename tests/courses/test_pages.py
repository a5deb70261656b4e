"""Page models: where each page may live, that editors can create them, that they render."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from cms.models import HomePage, StandardPage
from cms.services import site_setup
from courses.choices import CreditClass, SubjectType
from courses.models import CourseIndexPage, CoursePage, LessonPage
from tests.courses.factories import CourseCategoryFactory, CoursePageFactory, LessonPageFactory


class TestPageTree(WagtailPageTestCase):
    def setUp(self):
        self.home = site_setup(hostname="localhost")
        self.catalogue = CourseIndexPage.objects.child_of(self.home).get()
        self.category = CourseCategoryFactory(name="全科医学", slug="general-practice")
        self.login()

    def test_allowed_children(self):
        self.assertAllowedSubpageTypes(HomePage, {CourseIndexPage, StandardPage})
        self.assertAllowedSubpageTypes(CourseIndexPage, {CoursePage})
        self.assertAllowedSubpageTypes(CoursePage, {LessonPage})
        self.assertAllowedSubpageTypes(LessonPage, set())
        self.assertAllowedSubpageTypes(StandardPage, {StandardPage})

    def test_allowed_parents(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        self.assertAllowedParentPageTypes(CourseIndexPage, {HomePage})
        self.assertAllowedParentPageTypes(CoursePage, {CourseIndexPage})
        self.assertAllowedParentPageTypes(LessonPage, {CoursePage})
        self.assertCanNotCreateAt(HomePage, CoursePage)
        self.assertCanNotCreateAt(CourseIndexPage, LessonPage)

    def test_editor_can_create_a_course_and_a_lesson(self):
        self.assertCanCreate(
            self.catalogue,
            CoursePage,
            nested_form_data(
                {
                    "title": "高原病的识别与处置",
                    "slug": "altitude-illness",
                    "summary": "急性高原病的识别、分级与转诊。",
                    "learning_objectives": rich_text("<ol><li>识别急性高原病</li></ol>"),
                    "faculty": inline_formset(
                        [
                            {
                                "name": "李文华",
                                "title": "主任医师",
                                "institution": "拉萨市人民医院",
                                "bio": "",
                            }
                        ]
                    ),
                    "category": self.category.pk,
                    "credit_class": CreditClass.CLASS_1_NATIONAL,
                    "cme_project_number": "2026-04-02-015 (国)",
                    "credits": "1.0",
                    "study_hours": "3.0",
                    "subject_type": SubjectType.PROFESSIONAL,
                    "estimated_minutes": 180,
                    "language": "zh-hans",
                    "exam_question_count": "0",
                    "exam_pass_mark": "60",
                    "exam_max_attempts": "3",
                    "exam_time_limit_minutes": "",
                    "exam_retry_wait_minutes": "0",
                }
            ),
        )
        course = CoursePage.objects.get(slug="altitude-illness")
        assert course.faculty.get().name == "李文华"
        self.assertCanCreate(
            course,
            LessonPage,
            nested_form_data(
                {
                    "title": "第一讲 急性高原病",
                    "slug": "ams",
                    "introduction": "",
                    "estimated_minutes": 30,
                    "body": streamfield(
                        [
                            ("heading", {"text": "定义", "level": "h2"}),
                            ("paragraph", rich_text("<p>急性高原病是……</p>")),
                            (
                                "callout",
                                {
                                    "kind": "warning",
                                    "title": "警示",
                                    "text": rich_text("<p>立即下撤。</p>"),
                                },
                            ),
                        ]
                    ),
                }
            ),
        )

    def test_pages_render(self):
        course = CoursePageFactory(parent=self.catalogue, category=self.category)
        lesson = LessonPageFactory(parent=course)
        for page in (self.home, self.catalogue, course, lesson):
            self.assertPageIsRenderable(page)
        self.assertPageIsEditable(course)
        self.assertPageIsPreviewable(
            lesson,
            post_data=nested_form_data(
                {
                    "title": lesson.title,
                    "slug": lesson.slug,
                    "introduction": "",
                    "estimated_minutes": 20,
                    "body": streamfield([("paragraph", rich_text("<p>预览</p>"))]),
                }
            ),
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "bad_field"),
    [
        # A Class I course names its CME project.
        (
            {"credit_class": CreditClass.CLASS_1_PROVINCIAL, "credits": Decimal("1")},
            "cme_project_number",
        ),
        (
            {"enrolment_opens": date(2027, 1, 1), "enrolment_closes": date(2026, 1, 1)},
            "enrolment_closes",
        ),
        # One project carries at most 25 credits.
        ({"credits": Decimal("26")}, "credits"),
        ({"credits": Decimal("-1")}, "credits"),
        ({"study_hours": Decimal("-3")}, "study_hours"),
    ],
)
def test_course_record_is_validated(catalogue, fields, bad_field):
    course = CoursePage(
        title="x",
        slug="x",
        summary="x",
        category=CourseCategoryFactory(),
        credits=Decimal("1"),
        study_hours=Decimal("3"),
    )
    for name, value in fields.items():
        setattr(course, name, value)
    with pytest.raises(ValidationError) as caught:
        course.full_clean()
    assert bad_field in caught.value.message_dict


@pytest.mark.django_db
def test_lesson_page_shows_its_place_in_the_course(client, catalogue):
    course = CoursePageFactory(parent=catalogue, title="全科课程")
    first, second, third = (LessonPageFactory(parent=course, title=t) for t in ("甲", "乙", "丙"))
    response = client.get(second.url)
    assert response.status_code == 200
    assert response.context["lesson_number"] == 2
    assert response.context["previous_lesson"].pk == first.pk
    assert response.context["next_lesson"].pk == third.pk
    assert response.context["course"].pk == course.pk


@pytest.mark.django_db
def test_course_page_lists_only_live_lessons_in_order(client, catalogue):
    course = CoursePageFactory(parent=catalogue)
    LessonPageFactory(parent=course, title="第一讲")
    LessonPageFactory(parent=course, title="草稿", live=False)
    LessonPageFactory(parent=course, title="第二讲")
    response = client.get(course.url)
    lessons = response.context["shared"]["lessons"]
    assert [lesson.title for lesson in lessons] == ["第一讲", "第二讲"]


@pytest.mark.django_db
def test_audience_rows_match_the_vocabulary():
    from accounts.choices import Profession, TitleLevel
    from courses.models import AudienceProfession, AudienceTitleLevel

    assert set(AudienceProfession.objects.values_list("code", flat=True)) == set(Profession.values)
    assert set(AudienceTitleLevel.objects.values_list("code", flat=True)) == set(TitleLevel.values)
