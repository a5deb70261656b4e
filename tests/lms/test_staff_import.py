"""HR staff import: reading CSV and XLSX, the dry run's row report, the all-or-nothing
confirmation, re-imports, scope and the pages."""

import io

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from accounts.choices import Profession, TitleLevel
from accounts.models import Department, User
from accounts.roles import Role
from accounts.services import hr_scope_grant
from lms.errors import StaffImportRefused
from lms.selectors.hr import hr_viewer
from lms.services.staff_import import (
    COLUMN_LABELS,
    ERROR,
    NEW,
    UNCHANGED,
    UPDATED,
    RowError,
    staff_import_apply,
    staff_import_plan,
)
from tests.accounts.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db
IMPORT_URL = reverse("lms:hr_import")
HEADER = ["姓名", "邮箱", "手机", "单位", "科室", "专业", "职称", "执业证书编号"]


def csv_bytes(rows, *, header=HEADER, encoding="utf-8-sig") -> bytes:
    lines = [",".join(header), *(",".join(row) for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows, *, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def good_rows():
    return [
        [
            "次仁",
            "ciren@example.cn",
            "13800000001",
            "林周县人民医院",
            "外科",
            "医师",
            "中级",
            "ABC123456",
        ],
        ["卓玛", "", "", "春堆乡卫生院", "", "Nurse", "junior", ""],
    ]


@pytest.fixture
def officer(institutions):
    """A county health commission's CME office: the whole county."""
    user = UserFactory(role=Role.HR_OFFICER, institution=institutions["county_a"])
    hr_scope_grant(user=user, institution=institutions["county_a"])
    return user


@pytest.fixture
def viewer(officer):
    return hr_viewer(user=officer)


def statuses(plan) -> list[str]:
    return [row.status for row in plan.rows]


def rows_for_new_people():
    rows = good_rows()
    rows[1][1] = "zhuoma@example.cn"
    return rows


# -- Reading ------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_in_every_encoding_parses(viewer, encoding):
    plan = staff_import_plan(
        viewer=viewer, content=csv_bytes(rows_for_new_people(), encoding=encoding)
    )
    assert statuses(plan) == [NEW, NEW]
    assert plan.rows[0].values["real_name"] == "次仁"
    assert plan.rows[0].title_level == TitleLevel.INTERMEDIATE
    assert plan.rows[1].profession == Profession.NURSE
    assert plan.rows[1].title_level == TitleLevel.JUNIOR


def test_xlsx_parses_and_numbers_become_text(viewer):
    rows = rows_for_new_people()
    rows[0][2] = 13800000001  # typed as a number in Excel
    plan = staff_import_plan(viewer=viewer, content=xlsx_bytes(rows))
    assert statuses(plan) == [NEW, NEW]
    assert plan.rows[0].values["phone"] == "13800000001"


def test_english_headers_are_accepted(viewer):
    header = [
        "Name",
        "E-mail",
        "Phone",
        "Institution",
        "Department",
        "Profession",
        "Title level",
        "Licence number",
    ]
    plan = staff_import_plan(viewer=viewer, content=csv_bytes(rows_for_new_people(), header=header))
    assert statuses(plan) == [NEW, NEW]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04" + b"\x00garbage" * 50, StaffImportRefused.BAD_XLSX),
        (bytes(range(256)) * 20, StaffImportRefused.NOT_READABLE),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10, StaffImportRefused.NOT_READABLE),
        (b"", StaffImportRefused.NO_HEADER),
        (csv_bytes([]), StaffImportRefused.NO_ROWS),
    ],
)
def test_unreadable_files_are_refused_clearly(viewer, content, message):
    with pytest.raises(StaffImportRefused) as refused:
        staff_import_plan(viewer=viewer, content=content)
    assert refused.value.messages == [str(message)]


def test_missing_columns_are_named(viewer):
    with pytest.raises(StaffImportRefused) as refused:
        staff_import_plan(viewer=viewer, content=csv_bytes([["x"]], header=["邮箱"]))
    columns = f"{COLUMN_LABELS['real_name']}、{COLUMN_LABELS['institution']}"
    assert refused.value.messages == [
        str(StaffImportRefused.MISSING_COLUMNS) % {"columns": columns}
    ]


def test_too_large_and_too_many_rows_are_refused(viewer, settings):
    with pytest.raises(StaffImportRefused) as refused:
        staff_import_plan(viewer=viewer, content=b"a" * (2 * 1024 * 1024 + 1))
    assert refused.value.messages == [str(StaffImportRefused.TOO_LARGE)]
    rows = [
        [f"人{i}", f"p{i}@example.cn", "", "林周县人民医院", "", "", "", ""] for i in range(5001)
    ]
    with pytest.raises(StaffImportRefused) as refused:
        staff_import_plan(viewer=viewer, content=csv_bytes(rows))
    assert refused.value.code == "too_many_rows"


# -- The dry run --------------------------------------------------------------------------


def test_the_dry_run_writes_nothing(viewer):
    before = (User.objects.count(), Department.objects.count())
    plan = staff_import_plan(viewer=viewer, content=csv_bytes(rows_for_new_people()))
    assert statuses(plan) == [NEW, NEW]
    assert (User.objects.count(), Department.objects.count()) == before


def test_bad_rows_say_what_is_wrong(viewer, institutions):
    outsider = UserFactory(email="dawa@example.cn", institution=institutions["hospital_b"])
    rows = [
        ["甲", "a@example.cn", "", "不存在的医院", "", "", "", ""],
        ["乙", "b@example.cn", "", "当雄县人民医院", "", "", "", ""],
        ["丙", "c@example.cn", "", "林周县人民医院", "", "", "主任", ""],
        ["丁", "", "", "林周县人民医院", "", "", "", ""],
        ["戊", "same@example.cn", "", "林周县人民医院", "", "", "", ""],
        ["己", "SAME@example.cn", "", "林周县人民医院", "", "", "", ""],
        ['=HYPERLINK("http://x")', "g@example.cn", "", "林周县人民医院", "", "", "", ""],
        ["达瓦", outsider.email, "", "林周县人民医院", "", "", "", ""],
        ["庚", "h@example.cn", "", "林周县人民医院", "", "", "", "@SUM(1)"],
        ["辛", "", "13900000000", "林周县人民医院", "", "", "", ""],
    ]
    plan = staff_import_plan(viewer=viewer, content=csv_bytes(rows))
    assert statuses(plan) == [ERROR] * len(rows)
    errors = [row.errors for row in plan.rows]
    assert errors[0] == [str(RowError.INSTITUTION_UNKNOWN) % {"value": "不存在的医院"}]
    assert errors[1] == [str(RowError.INSTITUTION_OUTSIDE) % {"value": "当雄县人民医院"}]
    assert "主任" in errors[2][0]
    assert errors[3] == [str(RowError.CONTACT_MISSING)]
    assert errors[4] == [str(RowError.DUPLICATE_EMAIL) % {"rows": "7"}]
    assert errors[5] == [str(RowError.DUPLICATE_EMAIL) % {"rows": "6"}]
    assert errors[6] == [str(RowError.FORMULA) % {"column": COLUMN_LABELS["real_name"]}]
    assert errors[7] == [str(RowError.OUTSIDE_ACCOUNT)]
    assert errors[8] == [str(RowError.FORMULA) % {"column": COLUMN_LABELS["licence_number"]}]
    assert errors[9] == [str(RowError.NEEDS_EMAIL)]
    assert [row.number for row in plan.rows] == list(range(2, 12))


def test_an_international_phone_number_is_not_a_formula(viewer):
    rows = [["甲", "a@example.cn", "+86 138 0000 0001", "林周县人民医院", "", "", "", ""]]
    plan = staff_import_plan(viewer=viewer, content=csv_bytes(rows))
    assert statuses(plan) == [NEW]


def test_an_institution_may_be_given_by_code(viewer, institutions):
    hospital = institutions["hospital_a"]
    hospital.code = "LZ-001"
    hospital.save()
    rows = [["甲", "a@example.cn", "", "lz-001", "", "", "", ""]]
    plan = staff_import_plan(viewer=viewer, content=csv_bytes(rows))
    assert plan.rows[0].institution == hospital


# -- Applying -----------------------------------------------------------------------------


def test_a_good_file_creates_users(viewer, institutions):
    result = staff_import_apply(
        viewer=viewer, content=xlsx_bytes(rows_for_new_people()), valid_rows_only=False
    )
    assert (result.created, result.updated, result.unchanged, result.skipped) == (2, 0, 0, 0)
    ciren = User.objects.get(email="ciren@example.cn")
    assert ciren.real_name == "次仁"
    assert ciren.institution == institutions["hospital_a"]
    assert ciren.department.name == "外科"
    assert ciren.department.institution == institutions["hospital_a"]
    assert ciren.profession == Profession.DOCTOR
    assert ciren.title_level == TitleLevel.INTERMEDIATE
    assert ciren.licence_number == "ABC123456"
    assert ciren.phone == "13800000001"
    assert ciren.is_active
    assert not ciren.has_usable_password()
    address = EmailAddress.objects.get(user=ciren)
    assert address.primary
    assert not address.verified


def test_reimporting_the_same_file_changes_nothing(viewer):
    content = csv_bytes(rows_for_new_people())
    staff_import_apply(viewer=viewer, content=content, valid_rows_only=False)
    snapshot = list(User.objects.order_by("pk").values())
    departments = Department.objects.count()
    plan = staff_import_plan(viewer=viewer, content=content)
    assert statuses(plan) == [UNCHANGED, UNCHANGED]
    result = staff_import_apply(viewer=viewer, content=content, valid_rows_only=False)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert list(User.objects.order_by("pk").values()) == snapshot
    assert Department.objects.count() == departments


def test_existing_staff_are_matched_and_updated(viewer, institutions):
    surgery = DepartmentFactory(institution=institutions["hospital_a"], name="外科")
    person = UserFactory(
        email="Ciren@Example.cn",
        phone="13800000001",
        institution=institutions["hospital_a"],
        department=surgery,
        title_level=TitleLevel.JUNIOR,
        licence_number="OLD123456",
    )
    by_phone = UserFactory(phone="13700000000", institution=institutions["township_a"])
    rows = [
        ["次仁", "ciren@example.cn", "", "林周县人民医院", "", "", "中级", ""],
        [by_phone.real_name, "", "137-0000-0000", "春堆乡卫生院", "", "", "", ""],
    ]
    plan = staff_import_plan(viewer=viewer, content=csv_bytes(rows))
    assert statuses(plan) == [UPDATED, UNCHANGED]
    staff_import_apply(viewer=viewer, content=csv_bytes(rows), valid_rows_only=False)
    person.refresh_from_db()
    # Blank cells keep what was recorded.
    assert person.department == surgery
    assert person.licence_number == "OLD123456"
    assert person.phone == "13800000001"
    assert person.title_level == TitleLevel.INTERMEDIATE
    assert person.real_name == "次仁"


def test_nothing_is_written_while_any_row_is_bad(viewer):
    rows = [*rows_for_new_people(), ["甲", "a@example.cn", "", "不存在的医院", "", "", "", ""]]
    content = csv_bytes(rows)
    before = User.objects.count()
    with pytest.raises(StaffImportRefused) as refused:
        staff_import_apply(viewer=viewer, content=content, valid_rows_only=False)
    assert refused.value.messages == [str(StaffImportRefused.HAS_ERRORS)]
    assert User.objects.count() == before
    assert not Department.objects.filter(name="外科").exists()
    result = staff_import_apply(viewer=viewer, content=content, valid_rows_only=True)
    assert (result.created, result.skipped) == (2, 1)
    assert User.objects.count() == before + 2
    assert not User.objects.filter(email="a@example.cn").exists()


def test_an_account_outside_the_scope_is_never_modified(viewer, institutions):
    outsider = UserFactory(email="dawa@example.cn", institution=institutions["hospital_b"])
    rows = [["达瓦改名", "dawa@example.cn", "", "林周县人民医院", "", "", "", ""]]
    staff_import_apply(viewer=viewer, content=csv_bytes(rows), valid_rows_only=True)
    outsider.refresh_from_db()
    assert outsider.institution == institutions["hospital_b"]
    assert outsider.real_name != "达瓦改名"


# -- Pages --------------------------------------------------------------------------------


def upload(client, content, name="staff.csv"):
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, content)})


def test_the_upload_report_and_confirm_flow(client, officer):
    client.force_login(officer)
    assert client.get(IMPORT_URL).status_code == 200
    before = User.objects.count()
    response = upload(client, csv_bytes(rows_for_new_people()))
    assert response.status_code == 302
    report_url = response["Location"]
    report = client.get(report_url)
    assert report.status_code == 200
    assert report.context["counts"]["new"] == 2
    assert "次仁" in report.content.decode()
    assert User.objects.count() == before
    response = client.post(report_url)
    assert response.status_code == 302
    assert response["Location"] == reverse("lms:hr_staff")
    assert User.objects.count() == before + 2
    # The stored upload is gone once imported.
    assert client.get(report_url).status_code == 404


def test_a_report_with_errors_needs_the_valid_rows_confirmation(client, officer):
    client.force_login(officer)
    rows = [*rows_for_new_people(), ["甲", "a@example.cn", "", "不存在的医院", "", "", "", ""]]
    report_url = upload(client, xlsx_bytes(rows), name="staff.xlsx")["Location"]
    body = client.get(report_url).content.decode()
    assert str(RowError.INSTITUTION_UNKNOWN) % {"value": "不存在的医院"} in body
    before = User.objects.count()
    response = client.post(report_url)
    assert response.status_code == 200
    assert User.objects.count() == before
    response = client.post(report_url, {"valid_rows_only": "on"})
    assert response.status_code == 302
    assert User.objects.count() == before + 2


def test_a_changed_stored_upload_is_refused(client, officer, settings):
    from lms.storage import private_media_storage

    client.force_login(officer)
    report_url = upload(client, csv_bytes(rows_for_new_people()))["Location"]
    token = report_url.rstrip("/").rsplit("/", 1)[-1]
    with private_media_storage.open(f"imports/{token}", "wb") as stored:
        stored.write(csv_bytes([["x", "x@example.cn", "", "林周县人民医院", "", "", "", ""]]))
    assert client.post(report_url).status_code == 404
    assert not User.objects.filter(email="x@example.cn").exists()


def test_bad_uploads_show_a_clear_error(client, officer):
    client.force_login(officer)
    response = upload(client, b"PK\x03\x04broken", name="staff.xlsx")
    assert response.status_code == 200
    assert str(StaffImportRefused.BAD_XLSX) in response.content.decode()
    response = upload(client, b"x" * (2 * 1024 * 1024 + 1))
    assert response.status_code == 200
    assert str(StaffImportRefused.TOO_LARGE) in response.content.decode()


def test_another_session_cannot_open_an_upload(client, officer, institutions):
    client.force_login(officer)
    report_url = upload(client, csv_bytes(rows_for_new_people()))["Location"]
    other = UserFactory(role=Role.HR_OFFICER, institution=institutions["county_a"])
    hr_scope_grant(user=other, institution=institutions["county_a"])
    client.force_login(other)
    assert client.get(report_url).status_code == 404


def test_learners_and_anonymous_are_refused(client, learner):
    response = client.get(IMPORT_URL)
    assert response.status_code == 302
    client.force_login(learner)
    assert client.get(IMPORT_URL).status_code == 403
    assert upload(client, csv_bytes(rows_for_new_people())).status_code == 403


def test_superusers_may_import_anywhere(admin_client, institutions):
    rows = [["甲", "a@example.cn", "", "当雄县人民医院", "", "", "", ""]]
    response = admin_client.post(IMPORT_URL, {"file": SimpleUploadedFile("s.csv", csv_bytes(rows))})
    assert response.status_code == 302
    assert admin_client.post(response["Location"]).status_code == 302
    assert User.objects.get(email="a@example.cn").institution == institutions["hospital_b"]


def test_the_dashboard_links_to_the_import(client, officer):
    client.force_login(officer)
    assert IMPORT_URL in client.get(reverse("lms:hr_dashboard")).content.decode()
