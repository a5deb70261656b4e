import io
from datetime import timedelta
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from courses.choices import CreditClass, QuestionKind, SubjectType
from courses.models import Question, QuestionChoice
from lms.models import ActivityKind, Enrollment, LessonProgress
from lms.services import ActivityReport, external_activity_submit
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


# -- External activities -------------------------------------------------------------------

# The smallest file every PDF check accepts: the header and the end-of-file marker.
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


def pdf_upload(name: str = "参会证明.pdf", *, content: bytes = MINIMAL_PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def image_upload(name: str = "certificate.png", *, image_format: str = "PNG"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (140, 29, 24)).save(buffer, format=image_format)
    content_type = "image/png" if image_format == "PNG" else "image/jpeg"
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


def activity_report(**overrides):
    """A valid report of a Class II conference that ended ten days ago."""
    today = timezone.localdate()
    values = {
        "kind": ActivityKind.CONFERENCE,
        "title": "西藏高原医学学术年会",
        "organiser": "西藏自治区医学会",
        "start_date": today - timedelta(days=12),
        "end_date": today - timedelta(days=10),
        "credit_class": CreditClass.CLASS_2,
        "subject_type": SubjectType.PROFESSIONAL,
        "credits": Decimal("4"),
        "study_hours": None,
        "cme_project_number": "",
        "description": "参加高原病分会场并作病例报告。",
    }
    values.update(overrides)
    return ActivityReport(**values)


def submitted_activity(learner, *, evidence=None, **overrides):
    """A claim reported through the service, as a learner would."""
    return external_activity_submit(
        learner=learner,
        report=activity_report(**overrides),
        evidence=evidence if evidence is not None else [pdf_upload()],
    )
