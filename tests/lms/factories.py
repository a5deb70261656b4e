import factory
from django.utils import timezone

from courses.choices import QuestionKind
from courses.models import Question, QuestionChoice
from lms.models import Enrollment, LessonProgress
from tests.accounts.factories import UserFactory


class EnrollmentFactory(factory.django.DjangoModelFactory):
    """Pass `course=`: pages live in a tree, so there is no default course."""

    class Meta:
        model = Enrollment

    learner = factory.SubFactory(UserFactory)


class LessonProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LessonProgress

    completed_at = factory.LazyFunction(timezone.now)


class QuestionFactory(factory.django.DjangoModelFactory):
    """An exam question; `choices=[("text", correct), ...]` overrides the default set."""

    class Meta:
        model = Question
        skip_postgeneration_save = True

    kind = QuestionKind.SINGLE
    text = factory.Sequence(lambda n: f"考题{n}：高原肺水肿的首要处理是什么？")
    explanation = factory.Sequence(lambda n: f"<p>解析{n}：立即下撤并吸氧。</p>")

    @factory.post_generation
    def choices(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            if self.kind == QuestionKind.TRUE_FALSE:
                extracted = [("正确", True), ("错误", False)]
            elif self.kind == QuestionKind.MULTIPLE:
                extracted = [("吸氧", True), ("下撤", True), ("饮酒", False), ("剧烈运动", False)]
            else:
                extracted = [("立即下撤", True), ("继续登高", False), ("大量饮水", False)]
        for position, (text, correct) in enumerate(extracted):
            QuestionChoice.objects.create(
                question=self, text=text, correct=correct, sort_order=position
            )
