"""Import staff lists that HR offices upload (CSV or XLSX).

Two steps, both from the same bytes:

- `staff_import_plan` reads the file and decides, row by row, what would happen
  (new, unchanged, updated, error) without writing anything: the dry run.
- `staff_import_apply` plans again inside one transaction and writes. Nothing is
  written while any row has an error unless the officer asked for the valid rows only.

People are matched by e-mail address (case-insensitive), else by phone number, so
importing the same file twice changes nothing the second time. An existing account
outside the officer's scope is an error row and is never modified. A blank optional
cell leaves the stored value as it is; it never clears it.
"""

import csv
import io
import re
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook

from accounts.choices import Profession, TitleLevel
from accounts.models import (
    Institution,
    User,
    licence_number_validator,
    phone_validator,
)
from accounts.services import (
    department_get_or_create,
    user_create_unverified,
    user_profile_update,
)
from lms.errors import StaffImportRefused
from lms.selectors.hr import HRViewer

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5_000
# A 2 MB workbook may hold far more once unzipped; refuse zip bombs before parsing.
MAX_XLSX_UNZIPPED = 64 * 1024 * 1024
MAX_COLUMNS = 40
XLSX_SIGNATURE = b"PK\x03\x04"
FORMULA_STARTS = ("=", "+", "-", "@")

NEW, UNCHANGED, UPDATED, ERROR = "new", "unchanged", "updated", "error"
STATUS_LABELS = {
    NEW: _("New"),
    UNCHANGED: _("Unchanged"),
    UPDATED: _("Updated"),
    ERROR: _("Error"),
}

COLUMNS = (
    "real_name",
    "email",
    "phone",
    "institution",
    "department",
    "profession",
    "title_level",
    "licence_number",
)
COLUMN_LABELS = {
    "real_name": _("Name"),
    "email": _("E-mail"),
    "phone": _("Phone"),
    "institution": _("Institution"),
    "department": _("Department"),
    "profession": _("Profession"),
    "title_level": _("Title level"),
    "licence_number": _("Licence number"),
}
# Header names accepted for each column, compared after `_key` (case, spaces,
# hyphens and underscores do not matter).
HEADER_ALIASES = {
    "real_name": ("name", "realname", "fullname", "姓名", "真实姓名"),
    "email": ("email", "emailaddress", "mail", "邮箱", "电子邮箱", "电子邮件", "邮箱地址"),
    "phone": ("phone", "mobile", "phonenumber", "手机", "手机号", "手机号码", "电话", "联系电话"),
    "institution": ("institution", "institutioncode", "机构", "单位", "工作单位", "机构名称"),
    "department": ("department", "科室", "部门"),
    "profession": ("profession", "专业", "职业", "人员类别", "执业类别"),
    "title_level": ("titlelevel", "title", "职称", "职称级别", "职称等级"),
    "licence_number": (
        "licencenumber",
        "licensenumber",
        "licence",
        "license",
        "执业证书编号",
        "执业证号",
        "执业证书号",
    ),
}
HEADERS = {alias: column for column, aliases in HEADER_ALIASES.items() for alias in aliases}
REQUIRED_COLUMNS = ("real_name", "institution")
FIELD_MAX = {"real_name": 100, "department": 100}


class RowError:
    """Row-level messages (constants so that tests can assert them)."""

    NAME_MISSING = _("The name is missing.")
    TOO_LONG = _("“%(column)s” is longer than %(limit)s characters.")
    CONTACT_MISSING = _("Give an e-mail address or a phone number.")
    EMAIL_INVALID = _("“%(value)s” is not a valid e-mail address.")
    PHONE_INVALID = _("“%(value)s” is not a valid phone number: use digits, spaces or hyphens.")
    LICENCE_INVALID = _(
        "“%(value)s” is not a valid licence number: it has 6 to 30 letters, digits or hyphens."
    )
    INSTITUTION_MISSING = _("The institution is missing.")
    INSTITUTION_UNKNOWN = _("No institution has the name or code “%(value)s”.")
    INSTITUTION_OUTSIDE = _("The institution “%(value)s” is outside your scope.")
    INSTITUTION_AMBIGUOUS = _(
        "Several institutions are called “%(value)s”; use the institution's code instead."
    )
    PROFESSION_UNKNOWN = _("“%(value)s” is not a known profession; use one of: %(choices)s.")
    TITLE_UNKNOWN = _("“%(value)s” is not a known title level; use one of: %(choices)s.")
    FORMULA = _(
        "“%(column)s” starts with =, +, - or @, which a spreadsheet would run as a formula; "
        "such values are not accepted. Remove the first character."
    )
    DUPLICATE_EMAIL = _("The same e-mail address is also on row %(rows)s.")
    DUPLICATE_PHONE = _("The same phone number is also on row %(rows)s.")
    OUTSIDE_ACCOUNT = _(
        "This person already has an account outside your scope; it was not changed."
    )
    PROTECTED_ACCOUNT = _("This is an administrator's account; an import cannot change it.")
    PHONE_OTHER_ACCOUNT = _("The phone number belongs to another person's account.")
    PHONE_SEVERAL = _("Several accounts have this phone number; add the person's e-mail address.")
    NEEDS_EMAIL = _("A new account needs an e-mail address, which the person signs in with.")


@dataclass
class PlannedRow:
    number: int  # the row's number in the spreadsheet (the column names are row 1)
    values: dict[str, str]
    status: str = NEW
    errors: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    user: User | None = None
    institution: Institution | None = None
    profession: str | None = None  # None: the cell was blank
    title_level: str | None = None

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    def error(self, message, **params) -> None:
        self.errors.append(str(message) % params if params else str(message))
        self.status = ERROR


@dataclass
class ImportPlan:
    rows: list[PlannedRow]
    ignored_columns: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def counts(self) -> dict[str, int]:
        return {status: self.count(status) for status in STATUS_LABELS}

    @property
    def has_errors(self) -> bool:
        return any(row.status == ERROR for row in self.rows)

    @property
    def valid_rows(self) -> list[PlannedRow]:
        return [row for row in self.rows if row.status != ERROR]


# -- Reading the file ---------------------------------------------------------------------


def _key(text: str) -> str:
    return re.sub(r"[\s_\-*:：]+", "", unicodedata.normalize("NFKC", text).casefold())


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # phone and licence numbers typed as numbers in Excel
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).replace("\u3000", " ").strip()


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        # Binary files often decode as GB18030; real text has no control characters.
        if any(unicodedata.category(ch) == "Cc" and ch not in "\t\r\n" for ch in text):
            break
        return text
    raise StaffImportRefused(StaffImportRefused.NOT_READABLE, code="not_readable")


def _csv_rows(content: bytes):
    text = _decode(content)
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count) if first_line else ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as error:
        raise StaffImportRefused(StaffImportRefused.NOT_READABLE, code="not_readable") from error


def _xlsx_rows(content: bytes):
    # openpyxl raises many kinds of errors on damaged files; all mean the same here.
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
        if unzipped > MAX_XLSX_UNZIPPED:
            raise StaffImportRefused(StaffImportRefused.BAD_XLSX, code="bad_xlsx")
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            yield from sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        finally:
            workbook.close()
    except StaffImportRefused:
        raise
    except Exception as error:
        raise StaffImportRefused(StaffImportRefused.BAD_XLSX, code="bad_xlsx") from error


def _headers() -> dict[str, str]:
    """Accepted column names: the aliases, and the column labels in every language."""
    headers = dict(HEADERS)
    for language in ("en", "zh-hans"):
        with translation.override(language):
            headers.update({_key(str(label)): column for column, label in COLUMN_LABELS.items()})
    return headers


def staff_import_read(*, content: bytes) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """The file's non-blank data rows as (row number, {column: text}), and the names of
    the columns that were ignored. Raises StaffImportRefused for a file that cannot be
    imported at all. The file type is told by its content, never by its name."""
    if len(content) > MAX_BYTES:
        raise StaffImportRefused(StaffImportRefused.TOO_LARGE, code="too_large")
    rows = _xlsx_rows(content) if content.startswith(XLSX_SIGNATURE) else _csv_rows(content)
    header = None
    known = _headers()
    columns: dict[int, str] = {}
    ignored: list[str] = []
    data: list[tuple[int, dict[str, str]]] = []
    for number, raw in enumerate(rows, start=1):
        cells = [_text(value) for value in raw]
        if not any(cells):
            continue
        if header is None:
            header = cells
            for index, name in enumerate(cells):
                column = known.get(_key(name))
                if column and column not in columns.values():
                    columns[index] = column
                elif name:
                    ignored.append(name)
            missing = [c for c in REQUIRED_COLUMNS if c not in columns.values()]
            if missing:
                names = "、".join(str(COLUMN_LABELS[c]) for c in missing)
                raise StaffImportRefused(
                    StaffImportRefused.MISSING_COLUMNS % {"columns": names},
                    code="missing_columns",
                )
            if not {"email", "phone"} & set(columns.values()):
                raise StaffImportRefused(
                    StaffImportRefused.NO_CONTACT_COLUMN, code="no_contact_column"
                )
            continue
        if len(data) >= MAX_ROWS:
            raise StaffImportRefused(
                StaffImportRefused.TOO_MANY_ROWS % {"limit": MAX_ROWS}, code="too_many_rows"
            )
        values = dict.fromkeys(COLUMNS, "")
        for index, column in columns.items():
            if index < len(cells):
                values[column] = cells[index]
        data.append((number, values))
    if header is None:
        raise StaffImportRefused(StaffImportRefused.NO_HEADER, code="no_header")
    if not data:
        raise StaffImportRefused(StaffImportRefused.NO_ROWS, code="no_rows")
    return data, ignored


# -- Planning -----------------------------------------------------------------------------


def _vocabulary(choices) -> dict[str, str]:
    """Accepted spellings → value: the code and the label in every language."""
    known: dict[str, str] = {}
    for value, _label in choices.choices:
        known[_key(value)] = value
    for language in ("en", "zh-hans", translation.get_language() or "zh-hans"):
        with translation.override(language):
            for value, label in choices.choices:
                known[_key(str(label))] = value
    return known


def _phone_key(phone: str) -> str:
    return re.sub(r"[\s-]+", "", phone)


def _valid(validator, value: str) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return True


class _Lookups:
    """Everything the rows refer to, fetched in a few queries."""

    def __init__(self, rows: list[PlannedRow]):
        self.by_code: dict[str, Institution] = {}
        self.by_name: dict[str, list[Institution]] = defaultdict(list)
        for institution in Institution.objects.only("pk", "name", "code", "path", "depth"):
            if institution.code:
                self.by_code[institution.code.casefold()] = institution
            self.by_name[_key(institution.name)].append(institution)
        emails = {row.values["email"].casefold() for row in rows if row.values["email"]}
        phones = {row.values["phone"] for row in rows if row.values["phone"]}
        phones |= {_phone_key(phone) for phone in phones}
        users = User.objects.select_related("institution", "department")
        self.by_email = {
            user.email.casefold(): user
            for user in users.annotate(email_key=Lower("email")).filter(email_key__in=emails)
        }
        self.by_phone: dict[str, list[User]] = defaultdict(list)
        for user in users.filter(phone__in=phones):
            self.by_phone[_phone_key(user.phone)].append(user)

    def institution(self, value: str) -> list[Institution]:
        coded = self.by_code.get(value.casefold())
        return [coded] if coded else self.by_name.get(_key(value), [])


def _check_cells(row: PlannedRow) -> None:
    values = row.values
    formulas = set()
    for column in COLUMNS:
        value = values[column]
        # A phone number such as +86 138… is not a formula: the phone check covers it.
        if column == "phone" and _valid(phone_validator, value):
            continue
        if value.startswith(FORMULA_STARTS):
            row.error(RowError.FORMULA, column=COLUMN_LABELS[column])
            formulas.add(column)
            values[column] = ""  # not looked at again
    for column, limit in FIELD_MAX.items():
        if len(values[column]) > limit:
            row.error(RowError.TOO_LONG, column=COLUMN_LABELS[column], limit=limit)
    if not values["real_name"] and "real_name" not in formulas:
        row.error(RowError.NAME_MISSING)
    if not values["email"] and not values["phone"] and not {"email", "phone"} & formulas:
        row.error(RowError.CONTACT_MISSING)
    if values["email"] and not _valid(EmailValidator(), values["email"]):
        row.error(RowError.EMAIL_INVALID, value=values["email"])
    if values["phone"] and not _valid(phone_validator, values["phone"]):
        row.error(RowError.PHONE_INVALID, value=values["phone"])
    if values["licence_number"] and not _valid(licence_number_validator, values["licence_number"]):
        row.error(RowError.LICENCE_INVALID, value=values["licence_number"])


def _check_choices(row: PlannedRow, professions: dict, titles: dict) -> None:
    for column, known, message, choices in (
        ("profession", professions, RowError.PROFESSION_UNKNOWN, Profession),
        ("title_level", titles, RowError.TITLE_UNKNOWN, TitleLevel),
    ):
        value = row.values[column]
        if not value:
            continue
        if _key(value) in known:
            setattr(row, column, known[_key(value)])
        else:
            labels = "、".join(str(label) for label in choices.labels)
            row.error(message, value=value, choices=labels)


def _mark_duplicates(rows: list[PlannedRow]) -> None:
    for column, key, message in (
        ("email", str.casefold, RowError.DUPLICATE_EMAIL),
        ("phone", _phone_key, RowError.DUPLICATE_PHONE),
    ):
        seen: dict[str, list[PlannedRow]] = defaultdict(list)
        for row in rows:
            if row.values[column]:
                seen[key(row.values[column])].append(row)
        for same in seen.values():
            for row in same if len(same) > 1 else ():
                others = ", ".join(str(other.number) for other in same if other is not row)
                row.error(message, rows=others)


def _match(row: PlannedRow, lookups: _Lookups) -> None:
    email, phone = row.values["email"], row.values["phone"]
    by_email = lookups.by_email.get(email.casefold()) if email else None
    by_phone = lookups.by_phone.get(_phone_key(phone), []) if phone else []
    if by_email is not None:
        if any(user.pk != by_email.pk for user in by_phone):
            row.error(RowError.PHONE_OTHER_ACCOUNT)
        row.user = by_email
    elif by_phone:
        if len(by_phone) > 1:
            row.error(RowError.PHONE_SEVERAL)
        elif email:
            # The phone belongs to someone signed in with another address.
            row.error(RowError.PHONE_OTHER_ACCOUNT)
        else:
            row.user = by_phone[0]
    elif not email:
        row.error(RowError.NEEDS_EMAIL)


def _resolve_institution(row: PlannedRow, lookups: _Lookups, viewer: HRViewer) -> None:
    value = row.values["institution"]
    if not value:
        row.error(RowError.INSTITUTION_MISSING)
        return
    found = lookups.institution(value)
    if not found:
        row.error(RowError.INSTITUTION_UNKNOWN, value=value)
        return
    in_scope = [institution for institution in found if viewer.covers(institution)]
    if not in_scope:
        row.error(RowError.INSTITUTION_OUTSIDE, value=value)
    elif len(in_scope) > 1:
        row.error(RowError.INSTITUTION_AMBIGUOUS, value=value)
    else:
        row.institution = in_scope[0]


def _target(row: PlannedRow) -> dict:
    """The profile the row asks for; blank optional cells keep the stored values."""
    user, values = row.user, row.values
    keep = user is not None
    phone = values["phone"]
    if keep and phone and _phone_key(phone) == _phone_key(user.phone):
        phone = user.phone  # the same number, written another way
    department_name = values["department"]
    if not department_name and keep and user.institution_id == row.institution.pk:
        department_name = user.department.name if user.department else ""
    return {
        "real_name": values["real_name"],
        "phone": phone or (user.phone if keep else ""),
        "profession": row.profession or (user.profession if keep else ""),
        "title_level": row.title_level or (user.title_level if keep else ""),
        "licence_number": values["licence_number"] or (user.licence_number if keep else ""),
        "institution": row.institution,
        "department_name": department_name,
    }


def _compare(row: PlannedRow, lookups: _Lookups, viewer: HRViewer) -> None:
    user = row.user
    if user is None:
        row.status = NEW
        return
    if user.is_superuser and not viewer.is_superuser:
        row.error(RowError.PROTECTED_ACCOUNT)
        return
    if not viewer.covers(user.institution):
        row.error(RowError.OUTSIDE_ACCOUNT)
        return
    target = _target(row)
    current = {
        "real_name": user.real_name,
        "phone": user.phone,
        "profession": user.profession,
        "title_level": user.title_level,
        "licence_number": user.licence_number,
        "institution": user.institution,
        "department_name": user.department.name if user.department else "",
    }
    labels = {**COLUMN_LABELS, "department_name": COLUMN_LABELS["department"]}
    row.changes = [str(labels[key]) for key in target if target[key] != current[key]]
    row.status = UPDATED if row.changes else UNCHANGED


def staff_import_plan(*, viewer: HRViewer, content: bytes) -> ImportPlan:
    """The dry run: what importing `content` would do, row by row. Writes nothing."""
    data, ignored = staff_import_read(content=content)
    rows = [PlannedRow(number=number, values=values) for number, values in data]
    lookups = _Lookups(rows)
    professions, titles = _vocabulary(Profession), _vocabulary(TitleLevel)
    for row in rows:
        _check_cells(row)
        _check_choices(row, professions, titles)
    _mark_duplicates(rows)
    for row in rows:
        _resolve_institution(row, lookups, viewer)
        if row.values["email"] or row.values["phone"]:
            _match(row, lookups)
        if row.status != ERROR:
            _compare(row, lookups, viewer)
    return ImportPlan(rows=rows, ignored_columns=ignored)


# -- Writing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    skipped: int


def staff_import_apply(*, viewer: HRViewer, content: bytes, valid_rows_only: bool) -> ImportResult:
    """Import `content` in one transaction. With any error row, nothing is written
    unless `valid_rows_only` (the officer confirmed importing only the valid rows)."""
    try:
        with transaction.atomic():
            plan = staff_import_plan(viewer=viewer, content=content)
            if plan.has_errors and not valid_rows_only:
                raise StaffImportRefused(StaffImportRefused.HAS_ERRORS, code="has_errors")
            for row in plan.valid_rows:
                if row.status == UNCHANGED:
                    continue
                target = _target(row)
                name = target.pop("department_name")
                target["department"] = (
                    department_get_or_create(institution=row.institution, name=name)
                    if name
                    else None
                )
                if row.status == NEW:
                    user_create_unverified(email=row.values["email"], **target)
                else:
                    user_profile_update(user=row.user, **target)
    except (IntegrityError, ValidationError) as error:
        if isinstance(error, StaffImportRefused):
            raise
        raise StaffImportRefused(StaffImportRefused.CONFLICT, code="conflict") from error
    return ImportResult(
        created=plan.count(NEW),
        updated=plan.count(UPDATED),
        unchanged=plan.count(UNCHANGED),
        skipped=plan.count(ERROR),
    )
