"""The export framework: a registry of builders keyed by export kind, the errors an
export can be refused or fail with, the parsing of the staff-table filters an export
repeats, and what a builder gets while it runs.

A builder lives with the data it writes: the staff table and the yearly file in
`lms.services.exports`, the certificates ZIP in `certificates.exports` (registered
from the certificates app's `ready()`, since lms never imports certificates). It has
two methods:

- `clean(viewer=, params=)` checks and normalises the parameters against the
  requester's scope when the export is asked for; it returns plain JSON (ids and
  strings) or raises `ExportRefused`;
- `build(run=)` writes the file into `run.out` when the task runs, with `run.viewer`
  the requester's scope *at that time*; it returns the file's download name.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Protocol

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Profession, TitleLevel
from lms.errors import ExportRefused
from lms.selectors.hr import (
    SORTS,
    STATUS_ORDER,
    HRViewer,
    StaffFilters,
    departments_in_scope,
    institutions_in_scope,
)

FIRST_YEAR, LAST_YEAR = 2000, 2100
SEARCH_MAX_LENGTH = 100
# Rows between two progress updates of a job (one UPDATE each).
PROGRESS_EVERY = 200
# Rows read from the database at a time while a file is written.
CHUNK_SIZE = 500


# -- Builders and their registry -------------------------------------------------------------


@dataclass
class ExportRun:
    """What a builder gets while it runs: the requester's current scope, the cleaned
    parameters, the stream to write to, and progress reporting."""

    job_id: int
    token: str
    viewer: HRViewer
    params: dict
    out: IO[bytes]
    report: Callable[[int, int], None] = lambda done, total: None
    notes: list[str] = field(default_factory=list)
    done: int = 0
    total: int = 0
    _reported: int = 0

    def start(self, total: int) -> None:
        self.total = total
        self.done = 0
        self._reported = 0
        self.report(0, total)

    def advance(self, rows: int = 1) -> None:
        """Count rows written; the job's progress is saved every PROGRESS_EVERY rows."""
        self.done += rows
        if self.done - self._reported >= PROGRESS_EVERY:
            self._reported = self.done
            self.report(self.done, max(self.total, self.done))

    def note(self, text: str) -> None:
        """Something the requester should read beside the download (e.g. who was left out)."""
        self.notes.append(str(text))


class ExportBuilder(Protocol):
    extension: str  # "csv", "xlsx", "zip"
    content_type: str

    def clean(self, *, viewer: HRViewer, params: Mapping) -> dict: ...

    def build(self, *, run: ExportRun) -> str: ...


_BUILDERS: dict[str, ExportBuilder] = {}


def register_export_builder(kind: str) -> Callable[[type], type]:
    """Class decorator: register an instance of the class as the builder of `kind`."""

    def register(cls: type) -> type:
        _BUILDERS[str(kind)] = cls()
        return cls

    return register


def export_builder(kind: str) -> ExportBuilder | None:
    return _BUILDERS.get(str(kind))


# -- Parameters shared by builders ------------------------------------------------------------

FIELD_LABELS = {
    "q": _("Name or e-mail"),
    "institution": _("Institution"),
    "department": _("Department"),
    "profession": _("Profession"),
    "title_level": _("Title level"),
    "status": _("Status"),
    "sort": _("Sort by"),
    "person": _("Person"),
    "user_ids": _("Selected people"),
}


def _label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


STAFF_FILTER_KEYS = (
    "q",
    "institution",
    "department",
    "profession",
    "title_level",
    "status",
    "sort",
)


def clean_year(value: object) -> int:
    """A year from a form or JSON value; the current year when none is given."""
    if value in (None, ""):
        return timezone.localdate().year
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ExportRefused(
            ExportRefused.BAD_YEAR, code="bad_year", params={"first": FIRST_YEAR, "last": LAST_YEAR}
        )
    try:
        year = int(value)
    except ValueError:
        year = 0
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ExportRefused(
            ExportRefused.BAD_YEAR, code="bad_year", params={"first": FIRST_YEAR, "last": LAST_YEAR}
        )
    return year


def clean_id(value: object, *, name: str) -> int | None:
    """A primary key from a form or JSON value (None when empty)."""
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ExportRefused(
            ExportRefused.BAD_FILTER, code="bad_filter", params={"name": _label(name)}
        )
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 18 or int(text) <= 0:
        raise ExportRefused(
            ExportRefused.BAD_FILTER, code="bad_filter", params={"name": _label(name)}
        )
    return int(text)


def _choice(value: object, *, name: str, allowed) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or value not in allowed:
        raise ExportRefused(
            ExportRefused.BAD_FILTER, code="bad_filter", params={"name": _label(name)}
        )
    return value


def clean_staff_filters(*, viewer: HRViewer, filters: object) -> dict:
    """The staff table's filters as plain JSON, checked against the viewer's scope.

    Unlike the staff page, which ignores a filter outside the scope with a message,
    an export refuses it: ignoring a filter would widen the file silently.
    """
    if filters in (None, ""):
        filters = {}
    if not isinstance(filters, Mapping):
        raise ExportRefused(ExportRefused.BAD_PARAMS, code="bad_params")
    unknown = sorted(str(key) for key in filters if key not in STAFF_FILTER_KEYS)
    if unknown:
        raise ExportRefused(
            ExportRefused.UNKNOWN_FILTER, code="unknown_filter", params={"name": unknown[0][:40]}
        )
    search = filters.get("q") or ""
    if not isinstance(search, str) or len(search) > SEARCH_MAX_LENGTH:
        raise ExportRefused(
            ExportRefused.BAD_FILTER, code="bad_filter", params={"name": _label("q")}
        )
    institution = clean_id(filters.get("institution"), name="institution")
    department = clean_id(filters.get("department"), name="department")
    if institution is not None and not (
        institutions_in_scope(viewer=viewer).filter(pk=institution).exists()
    ):
        raise ExportRefused(ExportRefused.FILTER_OUTSIDE_SCOPE, code="filter_outside_scope")
    if department is not None and not (
        departments_in_scope(viewer=viewer).filter(pk=department).exists()
    ):
        raise ExportRefused(ExportRefused.FILTER_OUTSIDE_SCOPE, code="filter_outside_scope")
    return {
        "q": search.strip(),
        "institution": institution,
        "department": department,
        "profession": _choice(
            filters.get("profession"), name="profession", allowed=Profession.values
        ),
        "title_level": _choice(
            filters.get("title_level"), name="title_level", allowed=TitleLevel.values
        ),
        "status": _choice(filters.get("status"), name="status", allowed=STATUS_ORDER),
        "sort": _choice(filters.get("sort"), name="sort", allowed=SORTS) or "name",
    }


def staff_filters(*, viewer: HRViewer, filters: Mapping) -> StaffFilters:
    """The StaffFilters of cleaned parameters, re-checked against the viewer's scope
    as it is now: a filter that left the scope since the request stops the export."""
    try:
        clean = clean_staff_filters(viewer=viewer, filters=filters)
    except ExportRefused as error:
        if error.code == "filter_outside_scope":
            raise ExportRefused(
                ExportRefused.FILTER_LEFT_SCOPE, code="filter_left_scope"
            ) from error
        raise
    institution = department = None
    if clean["institution"] is not None:
        institution = institutions_in_scope(viewer=viewer).get(pk=clean["institution"])
    if clean["department"] is not None:
        department = departments_in_scope(viewer=viewer).get(pk=clean["department"])
    return StaffFilters(
        search=clean["q"],
        institution=institution,
        department=department,
        profession=clean["profession"],
        title_level=clean["title_level"],
        status=clean["status"],
        sort=clean["sort"],
    )


def stamp(moment: datetime.datetime | None = None) -> str:
    """A compact local timestamp for file names: 20260301-0930."""
    return timezone.localtime(moment or timezone.now()).strftime("%Y%m%d-%H%M")


def safe_file_part(text: str, *, max_length: int = 40) -> str:
    """Text fit for a file name inside an archive or a download: letters and digits of
    any script, "-" and "_"; everything else (slashes, dots, spaces, control
    characters) becomes "_", so no path can be smuggled in."""
    text = unicodedata.normalize("NFC", str(text or ""))
    kept = "".join(
        char if char in "-_" or unicodedata.category(char)[0] in "LN" else "_" for char in text
    )
    return re.sub(r"_+", "_", kept).strip("_-")[:max_length].strip("_-")
