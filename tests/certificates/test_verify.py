"""Public verification: by code, by name, by PDF; unknown and malformed codes; limits."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader, PdfWriter

from certificates.embedded import embedded_document
from certificates.selectors import PdfVerdict, certificate_check_pdf, mask_name
from certificates.signing import public_keys, signed_document, signed_document_bytes
from tests.accounts.factories import UserFactory
from tests.certificates.factories import attach_pdf, issued, signed_pdf

pytestmark = pytest.mark.django_db

NOT_FOUND = "No certificate was found for this code."


@pytest.fixture
def holder(institutions):
    return UserFactory(real_name="张三明", institution=institutions["hospital_a"])


@pytest.fixture
def certificate(home, catalogue, holder):
    return issued(holder, catalogue)


def _url(certificate) -> str:
    return f"/verify/{certificate.verification_code}/"


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三明", "张*明"), ("张三", "张*"), ("欧阳小明", "欧**明"), ("扎", "*"), ("", "*")],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_the_form_page(client, home):
    response = client.get("/verify/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="code"' in page
    assert 'name="pdf"' in page
    assert "http://testserver/verify/keys.json" in page


def test_a_valid_certificate_shows_its_facts_with_the_name_masked(client, certificate):
    response = client.get(_url(certificate))
    assert response.status_code == 200
    page = response.content.decode()
    assert "This certificate was issued here and is valid." in page
    assert "张*明" in page
    assert "张三明" not in page
    for text in (
        certificate.serial_number,
        "林周县人民医院",
        certificate.course_title,
        certificate.issuer,
    ):
        assert text in page
    assert response["Cache-Control"].startswith("max-age=0")
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_full_name_only_for_a_visitor_who_types_it(client, certificate):
    wrong = client.post(_url(certificate), {"name": "张三"})
    assert wrong.status_code == 200
    assert "张三明" not in wrong.content.decode()
    assert "does not match the holder's name" in wrong.content.decode()
    right = client.post(_url(certificate), {"name": " 张三明 "})
    assert "张三明" in right.content.decode()
    assert right.context["name_matched"] is True


def test_the_form_sends_a_typed_code_or_a_pasted_address_to_the_result(client, certificate):
    code = certificate.verification_code
    response = client.get("/verify/", {"code": f" {code} "})
    assert response.status_code == 302
    assert response["Location"] == f"/verify/{code}/"
    pasted = client.get("/verify/", {"code": f"http://testserver/verify/{code}/#abc.def.ghi"})
    assert pasted["Location"] == f"/verify/{code}/"


@pytest.mark.parametrize(
    "code",
    [
        "Z" * 43,  # well formed, unknown
        "short",  # malformed
        "x" * 43 + "!",  # malformed
        "LSCME-2026-000001",  # a serial is not a code: no enumeration by serial
    ],
)
def test_unknown_and_malformed_codes_get_the_same_calm_answer(client, certificate, code):
    response = client.get(f"/verify/{code}/")
    assert response.status_code == 200
    assert NOT_FOUND in response.content.decode()
    assert response.context["certificate"] is None


def test_a_malformed_code_never_reaches_the_database(client, home):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/verify/not-a-code/")
    assert NOT_FOUND in response.content.decode()
    assert not [q for q in queries.captured_queries if "certificates_certificate" in q["sql"]]


def test_a_revoked_certificate_says_so_with_date_and_reason(client, certificate, site_admin):
    from certificates.services import certificate_revoke

    certificate_revoke(certificate=certificate, acting_user=site_admin, reason="学时记录造假")
    page = client.get(_url(certificate)).content.decode()
    assert "This certificate has been revoked" in page
    assert "学时记录造假" in page


def test_a_tampered_record_is_not_confirmed(client, certificate):
    type(certificate).objects.filter(pk=certificate.pk).update(course_title="伪造的课程")
    page = client.get(_url(certificate)).content.decode()
    assert "This record could not be confirmed." in page
    assert "伪造的课程" not in page


def test_lookups_are_rate_limited_per_address(client, settings, certificate):
    settings.SNOWLAND_VERIFY_RATE_LIMIT = 3
    for _ in range(3):
        assert client.get(_url(certificate)).status_code == 200
    limited = client.get(_url(certificate))
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert "Too many checks" in limited.content.decode()
    assert client.post(_url(certificate), {"name": "张三明"}).status_code == 429
    assert client.get("/verify/short/").status_code == 429
    other = client.get(_url(certificate), REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 200


def test_public_keys_at_a_stable_url(client, db):
    response = client.get("/verify/keys.json")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["algorithm"] == "Ed25519"
    assert data["keys"] == public_keys()
    assert "public" in response["Cache-Control"]


# -- Uploads --------------------------------------------------------------------------------


def _upload(client, data: bytes, name="证书.pdf"):
    return client.post(
        "/verify/upload/", {"pdf": SimpleUploadedFile(name, data, "application/pdf")}
    )


def test_the_exact_pdf_is_recognised(client, certificate):
    data = attach_pdf(certificate)
    response = _upload(client, data)
    assert response.status_code == 200
    assert response.context["check"].verdict == PdfVerdict.ISSUED
    page = response.content.decode()
    assert "This file is exactly a certificate issued here." in page
    assert certificate.serial_number in page


def test_a_resaved_pdf_has_authentic_data_but_is_not_the_issued_file(client, certificate):
    data = attach_pdf(certificate)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.add_metadata({"/Producer": "某PDF编辑器"})
    buffer = io.BytesIO()
    writer.write(buffer)
    response = _upload(client, buffer.getvalue())
    assert response.context["check"].verdict == PdfVerdict.AUTHENTIC_DATA
    assert response.context["certificate"] == certificate
    assert "The certificate data is authentic, but this file is not the one issued." in (
        response.content.decode()
    )


def test_a_flipped_byte_makes_the_file_not_the_issued_one(certificate):
    data = bytearray(attach_pdf(certificate))
    data[len(data) // 2] ^= 0x01
    assert certificate_check_pdf(data=bytes(data)).verdict != PdfVerdict.ISSUED


def test_changed_signed_data_is_not_ours(client, certificate):
    document = signed_document(certificate)
    document["payload"]["credits"] = "25.00"
    forged = signed_pdf(json.dumps(document, ensure_ascii=False).encode())
    response = _upload(client, forged)
    assert response.context["check"].verdict == PdfVerdict.NOT_OURS
    assert "not a certificate issued here, or it has been altered" in response.content.decode()


def test_the_signed_data_is_also_read_from_the_keywords(certificate):
    keywords = signed_document_bytes(certificate).decode()
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Keywords": keywords})
    buffer = io.BytesIO()
    writer.write(buffer)
    check = certificate_check_pdf(data=buffer.getvalue())
    assert check.verdict == PdfVerdict.AUTHENTIC_DATA


def test_a_pdf_without_signed_data_is_not_ours(client, home):
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    assert _upload(client, buffer.getvalue()).context["check"].verdict == PdfVerdict.NOT_OURS
    assert certificate_check_pdf(data=b"%PDF-1.7 garbage").verdict == PdfVerdict.NOT_OURS


def test_a_file_that_is_not_a_pdf_is_refused(client, home):
    response = _upload(client, b"\x89PNG\r\n\x1a\n...", name="photo.pdf")
    assert response.status_code == 200
    assert "This file is not a PDF." in response.content.decode()
    assert "check" not in response.context


def test_a_file_over_the_limit_is_refused(client, settings, home):
    settings.SNOWLAND_VERIFY_UPLOAD_MAX_BYTES = 1024
    response = _upload(client, b"%PDF-1.7\n" + b"0" * 2000)
    assert response.status_code == 413
    assert "The file is too large" in response.content.decode()


def test_a_request_far_over_the_limit_is_refused_unread(client, home):
    response = _upload(client, b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024 + 100 * 1024))
    assert response.status_code == 413
    assert "The file is too large" in response.content.decode()


def test_uploads_count_towards_the_rate_limit(client, settings, home):
    settings.SNOWLAND_VERIFY_RATE_LIMIT = 1
    assert _upload(client, b"%PDF-1.7 x").status_code == 200
    assert _upload(client, b"%PDF-1.7 x").status_code == 429


def test_a_pdf_from_the_real_renderer_verifies(certificate):
    """Needs the real renderer (WeasyPrint, certificates.rendering): the signed data it
    embeds is read back, the exact file is recognised and a re-saved one is not."""
    rendering = pytest.importorskip("certificates.rendering")
    data = rendering.certificate_pdf(certificate=certificate)
    assert embedded_document(data) == signed_document(certificate)
    attach_pdf(certificate, data)
    assert certificate_check_pdf(data=data).verdict == PdfVerdict.ISSUED
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    buffer = io.BytesIO()
    writer.write(buffer)
    assert certificate_check_pdf(data=buffer.getvalue()).verdict == PdfVerdict.AUTHENTIC_DATA
