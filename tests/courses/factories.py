from decimal import Decimal

import factory
import wagtail_factories

from courses.choices import CreditClass, SubjectType
from courses.models import CourseCategory, CourseIndexPage, CoursePage, LessonPage


class CourseCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CourseCategory
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"类别{n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class CourseIndexPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = CourseIndexPage

    title = "课程目录"
    slug = "courses"


class CoursePageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = CoursePage

    title = factory.Sequence(lambda n: f"课程{n}")
    slug = factory.Sequence(lambda n: f"course-{n}")
    summary = "本课程介绍基层常见病的规范诊疗。"
    category = factory.SubFactory(CourseCategoryFactory)
    credit_class = CreditClass.CLASS_2
    credits = Decimal("1.0")
    study_hours = Decimal("3.0")
    subject_type = SubjectType.PROFESSIONAL
    estimated_minutes = 90


class LessonPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = LessonPage

    title = factory.Sequence(lambda n: f"第{n}讲")
    slug = factory.Sequence(lambda n: f"lesson-{n}")
    estimated_minutes = 20
    body = factory.LazyFunction(
        lambda: [("paragraph", "<p>正文。</p>"), ("heading", {"text": "要点", "level": "h2"})]
    )
