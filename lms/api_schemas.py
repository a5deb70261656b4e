"""The HR API's request and response shapes (pydantic, through django-ninja).

Amounts are strings with two decimals ("12.50"): credits decide promotions, and a
JSON number is a binary float in most clients. Codes (profession, status, credit
class, ...) are stable English identifiers; each comes with a label in the language
of the request's Accept-Language (Chinese by default).
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

from django.utils.translation import get_language
from ninja import Field, Schema
from pydantic import PlainSerializer, WithJsonSchema

from accounts.choices import Profession, TitleLevel
from courses.choices import CreditClass, SubjectType
from lms.compliance import ComplianceStatus
from lms.models import CreditSource
from lms.selectors.hr import STATUS_ORDER, status_label

FIRST_YEAR, LAST_YEAR = 2000, 2100
# Ids are 64-bit; a larger number is refused (422) before it reaches the database.
MAX_ID = 2**63 - 1
# Free text in a query: no control characters (PostgreSQL refuses NUL in a string).
PLAIN_TEXT = r"^[^\x00-\x1f\x7f]*$"
TWO_PLACES = Decimal("0.01")


def _two_places(value: Decimal) -> str:
    return format(Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP), "f")


Amount = Annotated[
    Decimal,
    PlainSerializer(_two_places, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "format": "decimal",
            "pattern": r"^-?[0-9]+\.[0-9]{2}$",
            "description": "A decimal amount with two places, as a string.",
            "examples": ["12.50"],
        }
    ),
]


def choice_codes(values) -> Any:
    """A Literal of the codes: an enum in the OpenAPI schema, a 422 for others."""
    return Literal[tuple(str(v) for v in values)]


ProfessionCode = choice_codes(Profession.values)
TitleLevelCode = choice_codes(TitleLevel.values)
StatusCode = choice_codes(STATUS_ORDER)
CreditClassCode = choice_codes(CreditClass.values)
SubjectTypeCode = choice_codes(SubjectType.values)
CreditSourceCode = choice_codes(CreditSource.values)
ComplianceStatusCode = choice_codes(ComplianceStatus.values)

Year = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _label(choices, value: str) -> str:
    return str(dict(choices).get(value, "")) if value else ""


# -- Errors ------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str = Field(..., examples=["Not Found"])


class ValidationErrorOut(Schema):
    detail: list[dict[str, Any]] = Field(
        ..., description="One entry per invalid parameter: where (`loc`) and why (`msg`)."
    )


# -- Staff -------------------------------------------------------------------------------


class InstitutionRef(Schema):
    id: int
    name: str
    code: str
    kind: str


class DepartmentRef(Schema):
    id: int
    name: str


class SummaryOut(Schema):
    """How the person stood in the year when the nightly (or last) refresh ran."""

    year: int
    status: StatusCode = Field(..., description="`pending`: not computed yet.")
    status_label: str
    credits_class_1_national: Amount | None
    credits_class_1_provincial: Amount | None
    credits_class_2: Amount | None
    credits_total: Amount | None
    hours_professional: Amount | None
    hours_public_compulsory: Amount | None
    hours_total: Amount | None
    gaps: list[str] = Field(..., description="What is missing, in plain words.")
    computed_at: datetime.datetime | None


class StaffOut(Schema):
    id: int
    name: str
    email: str
    licence_number: str
    profession: str = Field(..., description="A profession code, or empty if not set.")
    profession_label: str
    title_level: str = Field(..., description="A title-level code, or empty if not set.")
    title_level_label: str
    institution: InstitutionRef | None
    department: DepartmentRef | None
    summary: SummaryOut

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.real_name

    @staticmethod
    def resolve_profession_label(obj) -> str:
        return _label(Profession.choices, obj.profession)

    @staticmethod
    def resolve_title_level_label(obj) -> str:
        return _label(TitleLevel.choices, obj.title_level)

    @staticmethod
    def resolve_summary(obj) -> dict:
        # The row comes from `lms.selectors.hr.with_summary`, annotated with the year.
        gaps = obj.s_gaps or {}
        return {
            "year": obj.s_year,
            "status": obj.s_status,
            "status_label": status_label(obj.s_status),
            "credits_class_1_national": obj.s_credits_class_1_national,
            "credits_class_1_provincial": obj.s_credits_class_1_provincial,
            "credits_class_2": obj.s_credits_class_2,
            "credits_total": obj.s_credits_total,
            "hours_professional": obj.s_hours_professional,
            "hours_public_compulsory": obj.s_hours_public_compulsory,
            "hours_total": obj.s_hours_total,
            "gaps": gaps.get(get_language()) or next(iter(gaps.values()), []),
            "computed_at": obj.s_computed_at,
        }


class StaffQuery(Schema):
    search: str = Field(
        "", max_length=100, pattern=PLAIN_TEXT, description="Part of the name or e-mail."
    )
    institution: Id | None = Field(
        None, description="An institution id: its staff and the staff beneath it."
    )
    department: Id | None = Field(None, description="A department id.")
    profession: ProfessionCode | None = None
    title_level: TitleLevelCode | None = None
    status: StatusCode | None = Field(None, description="The status in `year`.")
    year: Year | None = Field(
        None, description="The year of the compliance summary; the current year if unset."
    )


class YearQuery(Schema):
    year: Year | None = Field(None, description="The current year if unset.")


# -- Compliance --------------------------------------------------------------------------


class RuleSetOut(Schema):
    name: str
    version: str


class CheckOut(Schema):
    code: str
    label: str
    unit: Literal["credits", "hours"]
    required: Amount
    earned: Amount
    maximum: Amount | None
    substituted: Amount
    first_year: int | None = Field(..., description="First year of a multi-year window.")
    met: bool
    gap: str


class ComplianceOut(Schema):
    staff_id: int
    year: int
    status: ComplianceStatusCode
    status_label: str
    rule_set: RuleSetOut | None = Field(..., description="None: no requirement applies.")
    credits_by_class: dict[str, Amount] = Field(..., description="Net credits per class.")
    hours_by_subject: dict[str, Amount] = Field(..., description="Study hours per subject.")
    checks: list[CheckOut]
    gaps: list[str]


# -- The ledger --------------------------------------------------------------------------


class LedgerEntryOut(Schema):
    """One award or correction; corrections are new entries that reverse an old one."""

    id: int
    year: int
    credits: Amount
    study_hours: Amount
    credit_class: CreditClassCode
    credit_class_label: str
    subject_type: SubjectTypeCode
    subject_type_label: str
    cme_project_number: str
    activity_title: str
    organiser: str
    source: CreditSourceCode
    source_label: str
    reverses: int | None = Field(..., description="The id of the entry this one reverses.")
    reason: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_credit_class_label(obj) -> str:
        return _label(CreditClass.choices, obj.credit_class)

    @staticmethod
    def resolve_subject_type_label(obj) -> str:
        return _label(SubjectType.choices, obj.subject_type)

    @staticmethod
    def resolve_source_label(obj) -> str:
        return _label(CreditSource.choices, obj.source)

    @staticmethod
    def resolve_reverses(obj) -> int | None:
        return obj.reverses_id
