"""HR exports: ask for one (`export_request`), build it in a task (`export_run`),
remove old files (`export_jobs_purge`).

The request checks the kind, the parameters and the requester's scope, saves a job
and queues the task after commit. The task re-checks the requester's scope as it is
*then* (an officer who lost a county since asking gets nothing of it), writes the
file into a temporary file while streaming rows from the database in chunks, and
stores it in private storage only once it is complete: a failed build leaves a
failed job with a plain-language message and no file.

The builders of the staff table and of a person's yearly file live here; the
certificates ZIP is built in the certificates app (`certificates.exports`).
"""

from __future__ import annotations

import datetime
import logging
import tempfile
from collections.abc import Mapping
from functools import partial

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from lms.errors import ExportRefused
from lms.exports import (
    CHUNK_SIZE,
    ExportRun,
    clean_id,
    clean_staff_filters,
    clean_year,
    export_builder,
    register_export_builder,
    safe_file_part,
    staff_filters,
    stamp,
)
from lms.models import CreditEntry, ExportJob, ExportKind, ExportStatus
from lms.selectors.compliance import learner_compliance
from lms.selectors.exports import PURGEABLE_STATUSES, export_jobs_to_purge
from lms.selectors.hr import HRViewer, hr_viewer, staff_member, staff_table, status_label
from lms.spreadsheet import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, row_writer
from lms.storage import private_media_storage

logger = logging.getLogger(__name__)

# Exports one person may have waiting or being built at a time.
MAX_ACTIVE_JOBS = 3
# A job "running" for longer than the task's hard time limit died with its worker:
# a re-delivered task may take it over, and it no longer counts as active.
STALE_AFTER = datetime.timedelta(minutes=15)


def _only(params: Mapping, allowed: set[str]) -> None:
    if set(params) - allowed:
        raise ExportRefused(ExportRefused.BAD_PARAMS, code="bad_params")


# -- Asking for an export ---------------------------------------------------------------------


def export_request(*, user: User, kind: str, params: Mapping | None = None) -> ExportJob:
    """Check an export request against the user's scope, save the job and queue its
    task after commit. Raises `ExportRefused` with a message for the requester."""
    viewer = hr_viewer(user=user)
    if viewer is None:
        raise ExportRefused(ExportRefused.NOT_ALLOWED, code="not_allowed")
    if kind not in ExportKind.values:
        raise ExportRefused(ExportRefused.UNKNOWN_KIND, code="unknown_kind")
    builder = export_builder(kind)
    if builder is None:
        raise ExportRefused(ExportRefused.UNAVAILABLE, code="unavailable")
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise ExportRefused(ExportRefused.BAD_PARAMS, code="bad_params")
    clean = builder.clean(viewer=viewer, params=params)
    active = ExportJob.objects.filter(
        requested_by=user,
        status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING],
        created_at__gte=timezone.now() - STALE_AFTER,
    ).count()
    if active >= MAX_ACTIVE_JOBS:
        raise ExportRefused(
            ExportRefused.TOO_MANY_RUNNING, code="too_many_running", params={"count": active}
        )
    with transaction.atomic():
        job = ExportJob.objects.create(
            requested_by=user,
            kind=kind,
            params=clean,
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        transaction.on_commit(partial(_enqueue, job.pk), robust=True)
    return job


def _enqueue(job_id: int) -> None:
    from lms.tasks import export_run_task

    export_run_task.delay(job_id)


# -- Running one ------------------------------------------------------------------------------


def _report(job_id: int, done: int, total: int) -> None:
    ExportJob.objects.filter(pk=job_id, status=ExportStatus.RUNNING).update(
        progress_done=done, progress_total=total
    )


def _claim(job: ExportJob) -> datetime.datetime | None:
    """Mark the job running if nobody else is running it; the start time, else None."""
    now = timezone.now()
    claimable = Q(status=ExportStatus.QUEUED) | Q(
        status=ExportStatus.RUNNING, started_at__lt=now - STALE_AFTER
    )
    claimed = ExportJob.objects.filter(claimable, pk=job.pk).update(
        status=ExportStatus.RUNNING, started_at=now, progress_done=0
    )
    return now if claimed else None


def _fail(*, job_id: int, started_at: datetime.datetime, message: str) -> None:
    ExportJob.objects.filter(pk=job_id, status=ExportStatus.RUNNING, started_at=started_at).update(
        status=ExportStatus.FAILED,
        error=message[:500],
        file="",
        finished_at=timezone.now(),
    )


def _store(
    *, job: ExportJob, started_at: datetime.datetime, run: ExportRun, out, name: str, extension: str
) -> None:
    """Save the finished file and mark the job done; the file goes if that fails."""
    out.seek(0)
    field = ExportJob._meta.get_field("file")
    stored = field.generate_filename(job, f"{job.token.hex}.{extension}")
    stored = private_media_storage.save(stored, File(out))
    try:
        with transaction.atomic():
            total = max(run.total, run.done)
            updated = ExportJob.objects.filter(
                pk=job.pk, status=ExportStatus.RUNNING, started_at=started_at
            ).update(
                status=ExportStatus.DONE,
                file=stored,
                file_name=name[:200],
                progress_done=total,
                progress_total=total,
                note=" ".join(run.notes)[:500],
                error="",
                finished_at=timezone.now(),
            )
    except Exception:
        private_media_storage.delete(stored)
        raise
    if not updated:
        # Another run took the job over meanwhile; its outcome stands.
        private_media_storage.delete(stored)


def export_run(*, job_id: int) -> ExportJob | None:
    """Build a job's file (idempotent: a finished job, or one another worker is
    building, is left alone). Never raises for a bad export: the job fails instead."""
    job = ExportJob.objects.select_related("requested_by").filter(pk=job_id).first()
    if job is None:
        logger.warning("No export job %s (deleted?)", job_id)
        return None
    if job.is_finished:
        return job
    started_at = _claim(job)
    if started_at is None:
        return job
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            builder = export_builder(job.kind)
            if builder is None:
                raise ExportRefused(ExportRefused.UNAVAILABLE, code="unavailable")
            # The requester's scope now, not when they asked.
            viewer = hr_viewer(user=job.requested_by)
            if viewer is None:
                raise ExportRefused(ExportRefused.NO_LONGER_ALLOWED, code="no_longer_allowed")
            with tempfile.TemporaryFile() as out:
                run = ExportRun(
                    job_id=job.pk,
                    token=str(job.token),
                    viewer=viewer,
                    params=dict(job.params),
                    out=out,
                    report=partial(_report, job.pk),
                )
                name = builder.build(run=run)
                _store(
                    job=job,
                    started_at=started_at,
                    run=run,
                    out=out,
                    name=name,
                    extension=builder.extension,
                )
        except ExportRefused as error:
            _fail(job_id=job.pk, started_at=started_at, message=error.text)
        except Exception:
            logger.exception("Export job %s (%s) failed", job.pk, job.kind)
            _fail(job_id=job.pk, started_at=started_at, message=str(ExportRefused.FAILED))
    return ExportJob.objects.get(pk=job.pk)


# -- Retention --------------------------------------------------------------------------------


def export_jobs_purge(*, now: datetime.datetime | None = None) -> int:
    """Remove the files of jobs finished more than SNOWLAND_EXPORT_RETENTION_DAYS ago
    and mark the jobs expired, keeping their rows as the record; the number expired.

    Idempotent: an expired job is not picked again, and a file already gone (removed by
    hand, or by a run that died before marking its job) is no error. The file goes
    first, then the row: a crash between the two leaves a job the next run finishes,
    never an expired job whose file lingers. A file the storage fails to remove (S3
    unreachable) is logged and its job left for the next run."""
    now = now or timezone.now()
    expired = 0
    for job_id, name in list(export_jobs_to_purge(now=now).values_list("pk", "file")):
        if name:
            try:
                # The storage API, not the file system: in production this is S3.
                private_media_storage.delete(name)
            except FileNotFoundError:
                pass
            except Exception:
                logger.exception("Could not remove the file of export job %s", job_id)
                continue
        expired += ExportJob.objects.filter(pk=job_id, status__in=PURGEABLE_STATUSES).update(
            status=ExportStatus.EXPIRED, file="", expired_at=now
        )
    if expired:
        logger.info("Expired %s export jobs", expired)
    return expired


# -- The staff table --------------------------------------------------------------------------


def staff_export_headers() -> list[str]:
    return [
        _("Name"),
        _("E-mail"),
        _("Institution"),
        _("Department"),
        _("Profession"),
        _("Title level"),
        _("Class I (national)"),
        _("Class I (provincial)"),
        _("Class II"),
        _("Credits"),
        _("Professional hours"),
        _("Public-compulsory hours"),
        _("Study hours"),
        _("Status"),
        _("Gaps"),
    ]


def staff_export_row(person: User, *, language: str) -> list[object]:
    """One staff-table row as the staff page shows it (a person with no summary yet:
    empty amounts, "Not yet computed")."""
    gaps = person.s_gaps or {}
    gap_list = gaps.get(language) or next(iter(gaps.values()), [])
    computed = person.s_credits_total is not None
    return [
        person.real_name,
        person.email,
        person.institution.name if person.institution_id else "",
        person.department.name if person.department_id else "",
        person.get_profession_display(),
        person.get_title_level_display(),
        person.s_credits_class_1_national if computed else None,
        person.s_credits_class_1_provincial if computed else None,
        person.s_credits_class_2 if computed else None,
        person.s_credits_total if computed else None,
        person.s_hours_professional if person.s_hours_total is not None else None,
        person.s_hours_public_compulsory if person.s_hours_total is not None else None,
        person.s_hours_total,
        status_label(person.s_status),
        "; ".join(str(gap) for gap in gap_list),
    ]


class _StaffTableExport:
    extension = ""
    content_type = ""

    def clean(self, *, viewer: HRViewer, params: Mapping) -> dict:
        _only(params, {"year", "filters"})
        return {
            "year": clean_year(params.get("year")),
            "filters": clean_staff_filters(viewer=viewer, filters=params.get("filters")),
        }

    def build(self, *, run: ExportRun) -> str:
        year = clean_year(run.params.get("year"))
        filters = staff_filters(viewer=run.viewer, filters=run.params.get("filters") or {})
        rows = staff_table(viewer=run.viewer, year=year, filters=filters)
        language = translation.get_language() or settings.LANGUAGE_CODE
        title = _("Staff %(year)s") % {"year": year}
        with row_writer(self.extension, run.out, title=title) as writer:
            writer.writerow(staff_export_headers())
            run.start(rows.count())
            for person in rows.iterator(chunk_size=CHUNK_SIZE):
                writer.writerow(staff_export_row(person, language=language))
                run.advance()
        return f"cme-staff-{year}-{stamp()}.{self.extension}"


@register_export_builder(ExportKind.STAFF_CSV)
class StaffTableCsv(_StaffTableExport):
    extension = "csv"
    content_type = CSV_CONTENT_TYPE


@register_export_builder(ExportKind.STAFF_XLSX)
class StaffTableXlsx(_StaffTableExport):
    extension = "xlsx"
    content_type = XLSX_CONTENT_TYPE


# -- A person's yearly continuing-education file ----------------------------------------------


def ledger_headers() -> list[str]:
    """The columns of the learner's transcript CSV."""
    return [
        _("Recorded at"),
        _("Year counted"),
        _("Activity"),
        _("Organiser"),
        _("CME project number"),
        _("Credit class"),
        _("Subject type"),
        _("Credits"),
        _("Study hours"),
        _("Source"),
        _("Reason"),
        _("Status"),
    ]


def ledger_row(entry: CreditEntry, *, reversed_ids: set[int]) -> list[object]:
    if entry.reverses_id:
        state = _("Correction")
    elif entry.pk in reversed_ids:
        state = _("Reversed")
    else:
        state = ""
    return [
        timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M"),
        entry.year,
        entry.activity_title,
        entry.organiser,
        entry.cme_project_number,
        entry.get_credit_class_display(),
        entry.get_subject_type_display(),
        entry.credits,
        entry.study_hours,
        entry.get_source_display(),
        entry.reason,
        state,
    ]


class _PersonFileExport:
    extension = ""
    content_type = ""

    def clean(self, *, viewer: HRViewer, params: Mapping) -> dict:
        _only(params, {"year", "person"})
        person_id = clean_id(params.get("person"), name="person")
        if person_id is None or staff_member(viewer=viewer, user_id=person_id) is None:
            raise ExportRefused(ExportRefused.PERSON_OUTSIDE_SCOPE, code="person_outside_scope")
        return {"year": clean_year(params.get("year")), "person": person_id}

    def build(self, *, run: ExportRun) -> str:
        year = clean_year(run.params.get("year"))
        person = staff_member(viewer=run.viewer, user_id=run.params.get("person") or 0)
        if person is None:
            raise ExportRefused(ExportRefused.PERSON_LEFT_SCOPE, code="person_left_scope")
        report = learner_compliance(learner=person, year=year)
        entries = CreditEntry.objects.filter(learner=person, year=year).order_by("created_at", "pk")
        reversed_ids = set(
            CreditEntry.objects.filter(learner=person, reverses__isnull=False).values_list(
                "reverses_id", flat=True
            )
        )
        with row_writer(self.extension, run.out, title=str(year)) as writer:
            writer.writerow([_("Yearly continuing-education file"), year])
            writer.writerow([_("Name"), person.real_name])
            writer.writerow([_("E-mail"), person.email])
            writer.writerow(
                [_("Institution"), person.institution.name if person.institution else ""]
            )
            writer.writerow([_("Department"), person.department.name if person.department else ""])
            writer.writerow([_("Profession"), person.get_profession_display()])
            writer.writerow([_("Title level"), person.get_title_level_display()])
            writer.writerow([_("Year"), year])
            writer.writerow([_("Compliance"), report.status_label])
            writer.writerow(
                [_("Requirement rule set"), report.rule_set.name if report.rule_set else ""]
            )
            writer.writerow([])
            writer.writerow([_("Requirement"), _("Required"), _("Earned"), _("Met"), _("Gap")])
            for check in report.checks:
                writer.writerow(
                    [
                        str(check.label),
                        check.required,
                        check.earned,
                        _("Yes") if check.met else _("No"),
                        "" if check.met else check.gap,
                    ]
                )
            writer.writerow([])
            writer.writerow(ledger_headers())
            run.start(entries.count())
            for entry in entries.iterator(chunk_size=CHUNK_SIZE):
                writer.writerow(ledger_row(entry, reversed_ids=reversed_ids))
                run.advance()
        name = safe_file_part(person.real_name) or str(person.pk)
        return f"cme-file-{year}-{name}.{self.extension}"


@register_export_builder(ExportKind.PERSON_FILE_CSV)
class PersonFileCsv(_PersonFileExport):
    extension = "csv"
    content_type = CSV_CONTENT_TYPE


@register_export_builder(ExportKind.PERSON_FILE_XLSX)
class PersonFileXlsx(_PersonFileExport):
    extension = "xlsx"
    content_type = XLSX_CONTENT_TYPE
