"""Reads of the certificates app: lookups for verification, downloads and lists."""

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import F, QuerySet

from accounts.models import User
from accounts.selectors import hr_scope_covers
from certificates.embedded import PDF_MAGIC, embedded_document
from certificates.models import Certificate, CertificateTemplate
from certificates.signing import verify_document
from courses.models import CoursePage
from lms.models import CourseCompletion

REVOKE_PERMISSION = "certificates.revoke_certificate"
# Holders see and download every certificate (site administrators).
VIEW_ALL_PERMISSION = "certificates.view_certificate"
STAFF_RECORDS_PERMISSION = "accounts.view_staff_records"

# `secrets.token_urlsafe(32)`: 43 characters of the URL-safe base64 alphabet.
CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


def template_for_course(*, course: CoursePage) -> CertificateTemplate | None:
    """The template that names the course, else the site default, else None."""
    named = CertificateTemplate.objects.filter(courses=course).order_by("pk").first()
    return named or CertificateTemplate.objects.filter(is_default=True).first()


def completions_without_certificate(*, limit: int | None = None) -> list[int]:
    """Ids of completions whose enrolment has no certificate, oldest first."""
    ids = (
        CourseCompletion.objects.filter(enrollment__certificate__isnull=True)
        .order_by("completed_at", "pk")
        .values_list("pk", flat=True)
    )
    return list(ids[:limit] if limit else ids)


# -- Verification ----------------------------------------------------------------------


def is_well_formed_code(code: str) -> bool:
    return bool(CODE_PATTERN.fullmatch(code or ""))


def certificate_by_code(*, code: str) -> Certificate | None:
    """The certificate with this verification code; a malformed code never reaches
    the database."""
    if not is_well_formed_code(code):
        return None
    return Certificate.objects.filter(verification_code=code).first()


def mask_name(name: str) -> str:
    """张三明 → 张*明, 张三 → 张*: enough to recognise, not enough to learn a name."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return f"{name[0]}*"
    return f"{name[0]}{'*' * (len(name) - 2)}{name[-1]}"


def _comparable(name: str) -> bytes:
    return unicodedata.normalize("NFC", (name or "").strip()).encode("utf-8")


def name_matches(*, certificate: Certificate, name: str) -> bool:
    """Whether a visitor typed the holder's name exactly (compared in constant time)."""
    typed = _comparable(name)
    return bool(typed) and hmac.compare_digest(typed, _comparable(certificate.learner_name))


class PdfVerdict(StrEnum):
    ISSUED = "issued"  # byte for byte the file issued here
    AUTHENTIC_DATA = "authentic_data"  # signed data holds, but the file is not ours
    NOT_OURS = "not_ours"  # neither: not issued here, or altered


@dataclass(frozen=True)
class PdfCheck:
    verdict: PdfVerdict
    certificate: Certificate | None = None
    payload: dict | None = None


def pdf_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def certificate_check_pdf(*, data: bytes) -> PdfCheck:
    """What an uploaded PDF is: the issued file, authentic data in another file, or
    neither. Size and type are checked by the caller (the form)."""
    if not data.startswith(PDF_MAGIC):
        return PdfCheck(verdict=PdfVerdict.NOT_OURS)
    issued = Certificate.objects.filter(pdf_sha256=pdf_sha256(data)).first()
    if issued is not None:
        return PdfCheck(verdict=PdfVerdict.ISSUED, certificate=issued)
    document = embedded_document(data)
    if document is not None and verify_document(document):
        code = document["payload"].get("code")
        certificate = certificate_by_code(code=code) if isinstance(code, str) else None
        return PdfCheck(
            verdict=PdfVerdict.AUTHENTIC_DATA, certificate=certificate, payload=document["payload"]
        )
    return PdfCheck(verdict=PdfVerdict.NOT_OURS)


# -- The learner's side ----------------------------------------------------------------


def learner_certificates(*, learner: User) -> QuerySet[Certificate]:
    return Certificate.objects.filter(learner=learner).order_by("-issued_at", "-pk")


def certificates_by_completion_ref(*, learner: User) -> dict[str, Certificate]:
    """The learner's certificates keyed as the ledger names completions
    ("completion:<id>"), in one query: the transcript links each award to its
    certificate."""
    rows = learner_certificates(learner=learner).annotate(
        completion_pk=F("enrollment__completion__pk")
    )
    return {f"completion:{c.completion_pk}": c for c in rows if c.completion_pk}


def may_download(*, user: User, certificate: Certificate) -> bool:
    """The holder; HR officers whose scope covers the holder's institution; site
    administrators and superusers."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.pk == certificate.learner_id or user.is_superuser:
        return True
    if user.has_perm(VIEW_ALL_PERMISSION):
        return True
    return user.has_perm(STAFF_RECORDS_PERMISSION) and hr_scope_covers(
        user=user, institution_id=certificate.learner.institution_id
    )


def certificate_for_download(*, user: User, serial: str) -> Certificate | None:
    """The certificate if this user may have its PDF, else None (so: a 404)."""
    certificate = Certificate.objects.select_related("learner").filter(serial_number=serial).first()
    if certificate is None or not may_download(user=user, certificate=certificate):
        return None
    return certificate
