"""Builders for certificate tests: completions, issued certificates, signed PDFs."""

import hashlib
import io
from datetime import datetime
from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from pypdf import PdfWriter

from certificates.models import Certificate, CertificateTemplate
from certificates.services import certificate_issue
from certificates.signing import signed_document_bytes
from lms.models import CourseCompletion, Enrollment, EnrollmentStatus
from tests.lms.builders import course_with_lessons


class CertificateTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificateTemplate
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"证书模板{n}")
    body_zh = "兹证明该学员完成本课程学习，经考核合格，特发此证。"
    issuer_name = "西藏自治区继续医学教育委员会"


def completion(
    learner,
    course,
    *,
    score: Decimal | None = Decimal("92.50"),
    completed_at: datetime | None = None,
) -> CourseCompletion:
    """A completed enrolment, recorded directly (the learning path is tested in lms)."""
    enrollment = Enrollment.objects.create(
        learner=learner, course=course, status=EnrollmentStatus.COMPLETED
    )
    return CourseCompletion.objects.create(
        enrollment=enrollment,
        completed_at=completed_at or timezone.now(),
        final_score=score,
        study_seconds=3 * 3600,
    )


def course(catalogue, **overrides):
    values = {
        "title": "高原病的诊断与治疗进展",
        "credits": Decimal("2.0"),
        "study_hours": Decimal("6.0"),
        "organiser": "西藏自治区人民医院",
    }
    values.update(overrides)
    made, _lessons = course_with_lessons(catalogue, lessons=1, **values)
    return made


def issued(learner, catalogue_or_course, **completion_kwargs) -> Certificate:
    """A certificate issued through the service for a new completion."""
    target = catalogue_or_course
    if not hasattr(target, "credit_class"):
        target = course(target)
    done = completion(learner, target, **completion_kwargs)
    return certificate_issue(completion_id=done.pk)


def signed_pdf(document: bytes, *, keywords: str | None = None, title: str = "证书") -> bytes:
    """A small PDF carrying `document` as certificate-signature.json, as the renderer's
    PDFs do (tests that need the real WeasyPrint output say so)."""
    writer = PdfWriter()
    writer.add_blank_page(width=842, height=595)
    writer.add_attachment("certificate-signature.json", document)
    metadata = {"/Title": title}
    if keywords is not None:
        metadata["/Keywords"] = keywords
    writer.add_metadata(metadata)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def attach_pdf(certificate: Certificate, data: bytes | None = None) -> bytes:
    """Store a PDF as the certificate's rendering, with its hash, as the task does."""
    data = data if data is not None else signed_pdf(signed_document_bytes(certificate))
    certificate.pdf.save(f"{certificate.serial_number}.pdf", ContentFile(data), save=False)
    certificate.pdf_sha256 = hashlib.sha256(data).hexdigest()
    certificate.rendered_at = timezone.now()
    certificate.save(update_fields=["pdf", "pdf_sha256", "rendered_at"])
    return data
