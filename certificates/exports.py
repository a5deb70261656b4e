"""The HR export of certificates: a ZIP of the PDFs of some staff, with a MANIFEST.csv.

Registered with the export framework of the learning app (`lms.exports`) from this
app's `ready()`: lms never imports certificates. The selection is either ticked
people (`user_ids`) or everyone the staff-table filters show (`year` + `filters`);
either way only people in the requester's scope at run time are included, and people
who left it since the request are left out with a note.

Inside the ZIP, files are named by serial number and a sanitised name (letters and
digits only, so no path can be smuggled in); revoked certificates sit in `revoked/`.
The manifest lists every certificate: serial, name, course, status, and the file, or
"PDF not yet rendered" when no rendering could be had.
"""

from __future__ import annotations

import logging
import shutil
import zipfile
from collections.abc import Mapping

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from certificates import document_services
from certificates.models import Certificate, CertificateStatus
from lms.errors import ExportRefused
from lms.exports import (
    ExportRun,
    clean_id,
    clean_staff_filters,
    clean_year,
    register_export_builder,
    safe_file_part,
    staff_filters,
    stamp,
)
from lms.models import ExportKind
from lms.selectors.hr import HRViewer, staff_in_scope, staff_table
from lms.spreadsheet import CsvRowWriter

logger = logging.getLogger(__name__)

MAX_PEOPLE = 2_000
# Missing PDFs rendered inside the export task; the rest are queued for the workers.
MAX_INLINE_RENDERS = 25
CHUNK_SIZE = 200
MANIFEST_NAME = "MANIFEST.csv"
REVOKED_FOLDER = "revoked"


def _too_many() -> ExportRefused:
    return ExportRefused(
        ExportRefused.TOO_MANY_PEOPLE, code="too_many_people", params={"max": MAX_PEOPLE}
    )


def _user_ids(value: object) -> list[int]:
    if not isinstance(value, list | tuple):
        raise ExportRefused(ExportRefused.BAD_PARAMS, code="bad_params")
    if len(value) > MAX_PEOPLE * 2:  # duplicates aside, far too many: refuse unread
        raise _too_many()
    ids = sorted({clean_id(item, name="user_ids") for item in value} - {None})
    if not ids:
        raise ExportRefused(ExportRefused.NOTHING_SELECTED, code="nothing_selected")
    if len(ids) > MAX_PEOPLE:
        raise _too_many()
    return ids


def _filtered_people(*, viewer: HRViewer, params: Mapping) -> QuerySet:
    year = clean_year(params.get("year"))
    filters = staff_filters(viewer=viewer, filters=params.get("filters") or {})
    return staff_table(viewer=viewer, year=year, filters=filters)


def zip_member_name(certificate: Certificate) -> str:
    """serial-name.pdf, under revoked/ when revoked; nothing from the data can add a
    folder or climb out of one."""
    serial = safe_file_part(certificate.serial_number, max_length=40) or str(certificate.pk)
    name = safe_file_part(certificate.learner_name)
    base = f"{serial}-{name}.pdf" if name else f"{serial}.pdf"
    if certificate.status == CertificateStatus.REVOKED:
        return f"{REVOKED_FOLDER}/{base}"
    return base


def _has_pdf(certificate: Certificate) -> bool:
    return bool(certificate.pdf) and certificate.pdf.storage.exists(certificate.pdf.name)


class _Renderer:
    """Renders missing PDFs in the task, up to a limit; queues the others."""

    def __init__(self):
        self.inline = 0
        self.queued = 0

    def __call__(self, certificate: Certificate) -> Certificate:
        if self.inline >= MAX_INLINE_RENDERS:
            self.queued += 1
            self._queue(certificate.pk)
            return certificate
        self.inline += 1
        try:
            rendered = document_services.certificate_pdf_render(certificate_id=certificate.pk)
        except Exception:
            logger.exception("Rendering certificate %s for an export failed", certificate.pk)
            return certificate
        return rendered or certificate

    @staticmethod
    def _queue(certificate_id: int) -> None:
        from certificates.tasks import render_certificate

        try:
            render_certificate.delay(certificate_id)
        except Exception:
            logger.exception("Could not queue the rendering of certificate %s", certificate_id)


@register_export_builder(ExportKind.CERTIFICATES_ZIP)
class CertificatesZip:
    extension = "zip"
    content_type = "application/zip"

    def clean(self, *, viewer: HRViewer, params: Mapping) -> dict:
        if set(params) - {"user_ids", "year", "filters"}:
            raise ExportRefused(ExportRefused.BAD_PARAMS, code="bad_params")
        if "user_ids" in params:
            if set(params) != {"user_ids"}:
                raise ExportRefused(ExportRefused.BAD_PARAMS, code="bad_params")
            ids = _user_ids(params["user_ids"])
            if staff_in_scope(viewer=viewer).filter(pk__in=ids).count() != len(ids):
                raise ExportRefused(ExportRefused.PEOPLE_OUTSIDE_SCOPE, code="people_outside_scope")
            return {"user_ids": ids}
        clean = {
            "year": clean_year(params.get("year")),
            "filters": clean_staff_filters(viewer=viewer, filters=params.get("filters")),
        }
        count = _filtered_people(viewer=viewer, params=clean).count()
        if not count:
            raise ExportRefused(ExportRefused.NOTHING_SELECTED, code="nothing_selected")
        if count > MAX_PEOPLE:
            raise _too_many()
        return clean

    def _people(self, run: ExportRun) -> list[int]:
        """Ids of the selection still in the requester's scope (at most MAX_PEOPLE)."""
        if "user_ids" in run.params:
            asked = _user_ids(run.params["user_ids"])
            people = list(
                staff_in_scope(viewer=run.viewer)
                .filter(pk__in=asked)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            left_out = len(asked) - len(people)
            if left_out:
                run.note(
                    ngettext(
                        "%(count)s selected person is no longer among the staff you may see "
                        "and was left out.",
                        "%(count)s selected people are no longer among the staff you may see "
                        "and were left out.",
                        left_out,
                    )
                    % {"count": left_out}
                )
        else:
            filtered = _filtered_people(viewer=run.viewer, params=run.params)
            people = list(filtered.values_list("pk", flat=True)[: MAX_PEOPLE + 1])
            if len(people) > MAX_PEOPLE:
                raise _too_many()
        if not people:
            raise ExportRefused(ExportRefused.NONE_LEFT, code="none_left")
        return people

    def build(self, *, run: ExportRun) -> str:
        people = self._people(run)
        certificates = Certificate.objects.filter(learner_id__in=people).order_by(
            "learner_name", "learner_id", "serial_number"
        )
        run.start(certificates.count())
        render = _Renderer()
        manifest: list[list[object]] = []
        missing = 0
        with zipfile.ZipFile(run.out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for certificate in certificates.iterator(chunk_size=CHUNK_SIZE):
                if not _has_pdf(certificate):
                    certificate = render(certificate)
                member = ""
                if _has_pdf(certificate):
                    member = zip_member_name(certificate)
                    info = zipfile.ZipInfo(
                        member,
                        date_time=timezone.localtime(certificate.issued_at).timetuple()[:6],
                    )
                    info.compress_type = zipfile.ZIP_STORED  # PDFs are compressed already
                    with certificate.pdf.open("rb") as source, archive.open(info, "w") as target:
                        shutil.copyfileobj(source, target, 1024 * 1024)
                else:
                    missing += 1
                manifest.append(
                    [
                        certificate.serial_number,
                        certificate.learner_name,
                        certificate.course_title,
                        certificate.get_status_display(),
                        timezone.localtime(certificate.issued_at).date(),
                        member or _("PDF not yet rendered"),
                    ]
                )
                run.advance()
            with archive.open(MANIFEST_NAME, "w") as target, CsvRowWriter(target) as writer:
                writer.writerow(
                    [
                        _("Serial number"),
                        _("Name"),
                        _("Course"),
                        _("Status"),
                        _("Issued on"),
                        _("File"),
                    ]
                )
                for row in manifest:
                    writer.writerow(row)
        if missing:
            run.note(
                ngettext(
                    "%(count)s certificate has no PDF yet; it is listed in the manifest. "
                    "Export again later to get it.",
                    "%(count)s certificates have no PDF yet; they are listed in the manifest. "
                    "Export again later to get them.",
                    missing,
                )
                % {"count": missing}
            )
        return f"cme-certificates-{stamp()}.zip"
