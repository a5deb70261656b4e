"""The certificate check for HR officers and site administrators (/certificates/check/):
by code, by serial number and name, by a picture of the QR code, by PDF; who may use it,
whose name is shown, and the limits on uploads and lookups."""

import io
import json
import re

import pytest
import segno
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from certificates import signing
from certificates.check_selectors import Finding, check_by_serial_and_name, qr_texts
from certificates.models import Certificate
from certificates.services import certificate_revoke
from tests.accounts.factories import UserFactory
from tests.certificates.factories import attach_pdf, issued, signed_pdf

pytestmark = pytest.mark.django_db

URL = "/certificates/check/"
FOUND_VALID = "This certificate was issued here and is valid."
NOT_FOUND_CODE = "No certificate was found for this code."
NOT_FOUND_SERIAL = "No certificate was found with this number and name."


@pytest.fixture
def holder(institutions):
    """On the staff of a hospital inside the HR officer's scope (林周县)."""
    return UserFactory(real_name="张三明", institution=institutions["hospital_a"])


@pytest.fixture
def outsider_holder(institutions):
    """On the staff of a hospital outside the officer's scope (当雄县)."""
    return UserFactory(real_name="欧阳小明", institution=institutions["hospital_b"])


@pytest.fixture
def certificate(home, catalogue, holder):
    return issued(holder, catalogue)


@pytest.fixture
def other_certificate(home, catalogue, outsider_holder):
    return issued(outsider_holder, catalogue)


@pytest.fixture
def officer_client(client, hr_officer):
    client.force_login(hr_officer)
    return client


def _post(client, *, by: str, **data):
    return client.post(f"{URL}?by={by}", data)


def _result(response) -> str:
    """The result section of the page (the form below it carries a fresh CSRF token)."""
    page = response.content.decode()
    match = re.search(r'<section aria-labelledby="check-result-title".*?</section>', page, re.S)
    assert match, "the page shows no result"
    return match.group(0)


def png(data_text: str | None = None, *, scale: int = 4) -> bytes:
    """A PNG of a QR code holding `data_text`, or a plain picture without one."""
    buffer = io.BytesIO()
    if data_text is None:
        Image.new("RGB", (200, 160), (240, 240, 240)).save(buffer, format="PNG")
    else:
        segno.make(data_text, error="m", micro=False).save(
            buffer, kind="png", scale=scale, border=4
        )
    return buffer.getvalue()


def jpeg_photo(data_text: str) -> bytes:
    """The QR code as a phone would see it: on a larger page, in JPEG."""
    code = Image.open(io.BytesIO(png(data_text, scale=6))).convert("RGB")
    page = Image.new("RGB", (code.width + 400, code.height + 300), (250, 248, 240))
    page.paste(code, (220, 140))
    buffer = io.BytesIO()
    page.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def _upload_qr(client, data: bytes, name="qr.png", content_type="image/png"):
    return client.post(
        f"{URL}?by=qr", {"image": SimpleUploadedFile(name, data, content_type=content_type)}
    )


def _upload_pdf(client, data: bytes, name="证书.pdf"):
    return client.post(
        f"{URL}?by=pdf", {"pdf": SimpleUploadedFile(name, data, content_type="application/pdf")}
    )


def _tampered_qr_text(certificate, **changes) -> str:
    """The certificate's QR text with its compact payload changed, signature kept."""
    url, _hash, fragment = signing.qr_text(certificate).partition("#")
    encoded, key_id, signature = fragment.split(".")
    payload = json.loads(signing.b64url_decode(encoded))
    payload.update(changes)
    forged = signing.b64url_encode(signing.canonical_bytes(payload))
    return f"{url}#{forged}.{key_id}.{signature}"


# -- Who may use it -----------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"] or "login" in response["Location"]
    assert client.post(f"{URL}?by=code", {"code": "x"}).status_code == 302


def test_learners_and_authors_are_refused(client, learner, author, certificate):
    for user in (learner, author):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        response = _post(client, by="code", code=certificate.verification_code)
        assert response.status_code == 403
        assert "张" not in response.content.decode()


def test_officers_admins_and_superusers_get_the_page(client, hr_officer, site_admin):
    for user in (hr_officer, site_admin, UserFactory(is_superuser=True)):
        client.force_login(user)
        for method in ("code", "serial", "qr", "pdf"):
            response = client.get(URL, {"by": method})
            assert response.status_code == 200
            assert response["Cache-Control"].startswith("private")
    page = client.get(URL, {"by": "qr"}).content.decode()
    assert 'name="image"' in page
    assert 'enctype="multipart/form-data"' in page
    assert 'name="serial"' in client.get(URL, {"by": "serial"}).content.decode()


def test_the_hr_dashboard_links_to_the_check(client, hr_officer, home):
    client.force_login(hr_officer)
    assert URL in client.get("/learn/hr/").content.decode()


# -- By code --------------------------------------------------------------------------------


def test_by_code_a_valid_certificate_in_scope_shows_the_full_name(officer_client, certificate):
    response = _post(officer_client, by="code", code=certificate.verification_code)
    assert response.status_code == 200
    result = _result(response)
    assert FOUND_VALID in result
    assert certificate.serial_number in result
    assert "张三明" in result
    assert "masked" not in result


def test_a_pasted_verification_address_works_too(officer_client, certificate):
    response = _post(officer_client, by="code", code=signing.qr_text(certificate))
    assert FOUND_VALID in _result(response)


def test_out_of_scope_the_name_is_masked_except_for_administrators(
    client, hr_officer, site_admin, other_certificate
):
    client.force_login(hr_officer)
    result = _result(_post(client, by="code", code=other_certificate.verification_code))
    assert FOUND_VALID in result
    assert "欧**明" in result
    assert "欧阳小明" not in result
    assert "the name is masked" in result
    client.force_login(site_admin)
    result = _result(_post(client, by="code", code=other_certificate.verification_code))
    assert "欧阳小明" in result
    client.force_login(UserFactory(is_superuser=True))
    assert "欧阳小明" in _result(_post(client, by="code", code=other_certificate.verification_code))


def test_by_code_a_revoked_certificate_says_so_with_date_and_reason(
    officer_client, certificate, site_admin
):
    certificate_revoke(certificate=certificate, acting_user=site_admin, reason="学时记录造假")
    result = _result(_post(officer_client, by="code", code=certificate.verification_code))
    assert "This certificate has been revoked" in result
    assert "学时记录造假" in result
    assert FOUND_VALID not in result


@pytest.mark.parametrize("code", ["A" * 43, "not-a-code", "/verify/short/"])
def test_by_code_an_unknown_code(officer_client, certificate, code):
    result = _result(_post(officer_client, by="code", code=code))
    assert NOT_FOUND_CODE in result
    assert certificate.serial_number not in result


def test_a_tampered_record_is_not_confirmed(officer_client, certificate):
    Certificate.objects.filter(pk=certificate.pk).update(course_title="伪造的课程")
    result = _result(_post(officer_client, by="code", code=certificate.verification_code))
    assert "This record could not be confirmed." in result
    assert "伪造的课程" not in result


# -- By serial number and name --------------------------------------------------------------


def test_by_serial_and_name(officer_client, certificate):
    response = _post(
        officer_client, by="serial", serial=certificate.serial_number.lower(), name=" 张三明 "
    )
    result = _result(response)
    assert FOUND_VALID in result
    assert "The name you typed matches the holder's name." in result
    assert "张三明" in result


def test_a_wrong_name_gets_exactly_the_answer_of_an_unknown_serial(officer_client, certificate):
    wrong_name = _post(officer_client, by="serial", serial=certificate.serial_number, name="李四")
    year = certificate.serial_year
    unknown = _post(officer_client, by="serial", serial=f"LSCME-{year}-999999", name="张三明")
    assert wrong_name.status_code == unknown.status_code == 200
    assert NOT_FOUND_SERIAL in _result(wrong_name)
    assert _result(wrong_name) == _result(unknown)
    assert certificate.serial_number not in _result(wrong_name)
    assert "张" not in _result(wrong_name)


def test_the_name_must_match_exactly(certificate, hr_officer):
    def finding(name):
        return check_by_serial_and_name(
            user=hr_officer, serial=certificate.serial_number, name=name
        ).finding

    assert finding("张三明") == Finding.FOUND
    assert finding("张三") == Finding.UNKNOWN
    assert finding("张三明明") == Finding.UNKNOWN
    assert finding("") == Finding.UNKNOWN


def test_a_malformed_serial_is_a_form_error(officer_client, certificate):
    response = _post(officer_client, by="serial", serial="12345", name="张三明")
    assert response.status_code == 200
    assert "Give the certificate number as printed" in response.content.decode()
    assert "check-result-title" not in response.content.decode()


# -- By a picture of the QR code ------------------------------------------------------------


def test_by_qr_a_valid_certificate(officer_client, certificate):
    response = _upload_qr(officer_client, png(signing.qr_text(certificate)))
    assert response.status_code == 200
    result = _result(response)
    assert "The QR code and its signed data are authentic." in result
    assert FOUND_VALID in result
    assert "张三明" in result


def test_by_qr_a_jpeg_photo(officer_client, certificate):
    response = _upload_qr(
        officer_client, jpeg_photo(signing.qr_text(certificate)), "photo.jpg", "image/jpeg"
    )
    assert FOUND_VALID in _result(response)


def test_by_qr_a_revoked_certificate(officer_client, certificate, site_admin):
    text = signing.qr_text(certificate)
    certificate_revoke(certificate=certificate, acting_user=site_admin, reason="重复发放")
    result = _result(_upload_qr(officer_client, png(text)))
    assert "This certificate has been revoked" in result
    assert "重复发放" in result


def test_by_qr_out_of_scope_the_name_is_masked(officer_client, other_certificate):
    result = _result(_upload_qr(officer_client, png(signing.qr_text(other_certificate))))
    assert FOUND_VALID in result
    assert "欧**明" in result
    assert "欧阳小明" not in result


def test_a_qr_with_a_tampered_payload_is_not_authentic(officer_client, certificate):
    forged = _tampered_qr_text(certificate, n="李四", cr="20.00")
    result = _result(_upload_qr(officer_client, png(forged)))
    assert "This QR code is not authentic." in result
    assert FOUND_VALID not in result
    assert "李四" not in result


def test_a_genuine_fragment_moved_onto_another_code_is_not_authentic(
    officer_client, certificate, other_certificate
):
    _url, _hash, fragment = signing.qr_text(certificate).partition("#")
    moved = f"{signing.verification_url(other_certificate)}#{fragment}"
    result = _result(_upload_qr(officer_client, png(moved)))
    assert "This QR code is not authentic." in result


def test_a_qr_with_only_the_address_is_not_authentic(officer_client, certificate):
    result = _result(_upload_qr(officer_client, png(signing.verification_url(certificate))))
    assert "This QR code is not authentic." in result


def test_a_qr_of_something_else_gets_a_clear_message(officer_client, certificate):
    result = _result(_upload_qr(officer_client, png("WIFI:S:hospital;T:WPA;P:secret;;")))
    assert "This QR code is not the QR code of a certificate." in result
    assert "WIFI:S:hospital" in result


def test_a_picture_without_a_qr_code(officer_client, certificate):
    result = _result(_upload_qr(officer_client, png(None)))
    assert "No QR code could be read in this picture." in result


def test_qr_texts_reads_the_code(certificate):
    text = signing.qr_text(certificate)
    assert qr_texts(png(text)) == [text]
    assert qr_texts(png(None)) == []


def test_a_file_that_is_not_an_image_is_refused(officer_client, certificate):
    pdf = attach_pdf(certificate)
    response = _upload_qr(officer_client, pdf, "qr.png", "image/png")  # the name lies
    assert response.status_code == 200
    assert "This file is not a PNG or JPEG image." in response.content.decode()
    assert "check-result-title" not in response.content.decode()
    broken = png(signing.qr_text(certificate))[:200]  # a PNG's header, then nothing
    response = _upload_qr(officer_client, broken)
    assert "This file is not a PNG or JPEG image." in response.content.decode()


def test_an_oversized_image_is_refused(officer_client, certificate):
    big = png(None)[:-12] + b"\0" * (5 * 1024 * 1024)  # over 5 MB
    response = _upload_qr(officer_client, big)
    assert response.status_code == 413
    assert "The image is too large" in response.content.decode()


# -- By PDF ---------------------------------------------------------------------------------


def test_by_pdf_the_issued_file(officer_client, certificate):
    data = attach_pdf(certificate)
    result = _result(_upload_pdf(officer_client, data))
    assert "This file is exactly a certificate issued here." in result
    assert FOUND_VALID in result
    assert "张三明" in result


def test_by_pdf_authentic_data_in_an_altered_file(officer_client, other_certificate):
    attach_pdf(other_certificate)
    resaved = signed_pdf(signing.signed_document_bytes(other_certificate), title="另存")
    result = _result(_upload_pdf(officer_client, resaved))
    assert "The certificate data is authentic, but this file is not the one issued." in result
    assert other_certificate.serial_number in result
    assert "欧**明" in result  # out of the officer's scope


def test_by_pdf_changed_signed_data_is_not_ours(officer_client, certificate):
    document = signing.signed_document(certificate)
    document["payload"]["credits"] = "99.00"
    forged = signed_pdf(json.dumps(document, ensure_ascii=False).encode())
    result = _result(_upload_pdf(officer_client, forged))
    assert "This file is not a certificate issued here, or it has been altered." in result


def test_by_pdf_a_file_that_is_not_a_pdf_is_refused(officer_client, certificate):
    response = _upload_pdf(officer_client, png(None), name="证书.pdf")
    assert "This file is not a PDF." in response.content.decode()


def test_by_pdf_a_request_far_over_the_limit_is_refused_unread(officer_client, certificate):
    response = officer_client.post(
        f"{URL}?by=pdf", "x", CONTENT_LENGTH=str(50 * 1024 * 1024), content_type="text/plain"
    )
    assert response.status_code == 413
    assert "The file is too large" in response.content.decode()


# -- Limits and cost --------------------------------------------------------------------------


def test_lookups_are_limited_per_user(client, settings, hr_officer, site_admin, certificate):
    settings.SNOWLAND_HR_CHECK_RATE_LIMIT = 2
    client.force_login(hr_officer)
    for _ in range(2):
        assert _post(client, by="code", code=certificate.verification_code).status_code == 200
    limited = _post(client, by="code", code=certificate.verification_code)
    assert limited.status_code == 429
    assert "Retry-After" in limited
    assert certificate.serial_number not in limited.content.decode()
    assert client.get(URL).status_code == 200  # showing the form is no lookup
    client.force_login(site_admin)  # another user has their own allowance
    assert _post(client, by="code", code=certificate.verification_code).status_code == 200


def test_the_default_limit_is_looser_than_the_public_one(settings):
    from certificates.check_views import _rate_limit

    assert _rate_limit() == (120, 600)
    assert settings.SNOWLAND_VERIFY_RATE_LIMIT < 120


# The user, the certificate with its holder, the officer's HR scope and whether it
# holds the holder's institution; the site and its two settings (a POST: cms.page_cache
# hands them over to GETs only); the admin user bar's profile (twice). Permission sets
# come from the cache (accounts.permission_cache).
CHECK_BY_CODE_QUERIES = 9


def test_a_check_by_code_costs_a_fixed_number_of_queries(
    officer_client, certificate, django_assert_num_queries
):
    _post(officer_client, by="code", code=certificate.verification_code)
    with django_assert_num_queries(CHECK_BY_CODE_QUERIES):
        response = _post(officer_client, by="code", code=certificate.verification_code)
    assert FOUND_VALID in _result(response)
