"""The HR API's certificates: those of the staff in the key's scope.

No PDF bytes: the certificate row is the record (serial, status, course facts) and
its verification URL lets anyone check it; the PDF is a rendering of the row.
"""

import datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from certificates.models import Certificate, CertificateStatus
from certificates.signing import verification_url
from courses.choices import CreditClass, SubjectType
from lms.api import COMMON, Pagination, api_viewer
from lms.api_schemas import (
    PLAIN_TEXT,
    Amount,
    CreditClassCode,
    Id,
    SubjectTypeCode,
    Year,
    choice_codes,
)
from lms.selectors.hr import staff_in_scope

router = Router(tags=["certificates"])

CertificateStatusCode = choice_codes(CertificateStatus.values)


class CertificateQuery(Schema):
    staff: Id | None = Field(None, description="A person's id (see /staff).")
    year: Year | None = Field(None, description="The year of issue (the serial's year).")
    serial: str = Field(
        "", max_length=32, pattern=PLAIN_TEXT, description="A serial number, exactly."
    )


class CertificateOut(Schema):
    serial_number: str
    status: CertificateStatusCode
    status_label: str
    staff_id: int
    learner_name: str
    learner_institution: str
    learner_title: str
    course_title: str
    cme_project_number: str
    credit_class: CreditClassCode
    credit_class_label: str
    credits: Amount
    study_hours: Amount
    subject_type: SubjectTypeCode
    subject_type_label: str
    organiser: str
    completed_on: datetime.date
    score: Amount | None
    issuer: str
    issued_at: datetime.datetime
    revoked_at: datetime.datetime | None
    revocation_reason: str
    verification_url: str

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(CertificateStatus(obj.status).label)

    @staticmethod
    def resolve_staff_id(obj) -> int:
        return obj.learner_id

    @staticmethod
    def resolve_credit_class_label(obj) -> str:
        return str(dict(CreditClass.choices).get(obj.credit_class, ""))

    @staticmethod
    def resolve_subject_type_label(obj) -> str:
        return str(dict(SubjectType.choices).get(obj.subject_type, ""))

    @staticmethod
    def resolve_verification_url(obj) -> str:
        return verification_url(obj)


@router.get(
    "/certificates",
    response={200: list[CertificateOut], **COMMON},
    summary="Certificates of staff in scope",
    operation_id="certificate_list",
)
@paginate(Pagination)
def certificate_list(request: HttpRequest, filters: Query[CertificateQuery]) -> QuerySet:
    """Certificates of the active staff in the key's scope, newest first, valid and
    revoked alike (see `status`)."""
    certificates = Certificate.objects.filter(
        learner__in=staff_in_scope(viewer=api_viewer(request)).values("pk")
    )
    if filters.staff is not None:
        certificates = certificates.filter(learner_id=filters.staff)
    if filters.year is not None:
        certificates = certificates.filter(serial_year=filters.year)
    if filters.serial:
        certificates = certificates.filter(serial_number=filters.serial.strip())
    return certificates.order_by("-issued_at", "-pk")
