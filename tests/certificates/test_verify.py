"""Public verification: by code, by name, by PDF; unknown and malformed codes; limits;
what is kept in the cache and what replaces it."""

import base64
import io
import json
import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader, PdfWriter

from certificates import verify_cache
from certificates.embedded import embedded_document
from certificates.selectors import PdfVerdict, certificate_check_pdf, mask_name
from certificates.services import certificate_revoke
from certificates.signing import public_keys, signed_document, signed_document_bytes
from cms.models import SiteBranding
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


# -- Kept in the cache (certificates.verify_cache) ------------------------------------------

VALID = "This certificate was issued here and is valid."
REVOKED = "This certificate has been revoked"
# The first view: the certificate (Wagtail's site and the two site settings the page
# shows come from cms.page_cache once any page has been seen). A repeat view reads
# only the cache.
FIRST_VIEW_QUERIES = 1
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _english_client(**kwargs) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en", **kwargs)


def test_a_repeat_view_costs_no_query_and_shows_the_same_page(
    client, certificate, django_assert_num_queries
):
    client.get("/verify/")  # the site's settings exist (a first view of any page makes them)
    with django_assert_num_queries(FIRST_VIEW_QUERIES):
        first = client.get(_url(certificate))
    with django_assert_num_queries(0):
        second = client.get(_url(certificate))
    assert second.status_code == 200
    assert second.context is None  # served as kept, not rendered again
    without_token = [TOKEN.sub("", r.content.decode()) for r in (first, second)]
    assert without_token[0] == without_token[1]
    page = second.content.decode()
    assert VALID in page
    assert "张*明" in page
    assert "张三明" not in page
    for name in ("Cache-Control", "X-Robots-Tag", "Referrer-Policy", "Content-Language"):
        assert second[name] == first[name]


def test_a_signed_in_view_reuses_the_verification_but_never_the_shared_page(
    client, certificate, holder, django_assert_max_num_queries
):
    anonymous = client.get(_url(certificate)).content.decode()
    assert "Log out" not in anonymous
    member = _english_client()
    member.force_login(holder)
    page = member.get(_url(certificate)).content.decode()
    assert "Log out" in page  # rendered for this visitor, with their menu
    assert VALID in page
    # The certificate and its signature check come from the cache: only the visitor's
    # session, user and the page's site settings are read.
    with django_assert_max_num_queries(6) as queries:
        member.get(_url(certificate))
    assert not [q for q in queries.captured_queries if "certificates_certificate" in q["sql"]]
    # ...and the signed-in page was not kept for anonymous visitors.
    assert "Log out" not in _english_client().get(_url(certificate)).content.decode()


def test_each_visitor_gets_a_csrf_token_of_their_own_that_works(certificate):
    _english_client().get(_url(certificate))  # the page is kept
    tokens = []
    for _ in range(2):
        visitor = _english_client(enforce_csrf_checks=True)
        page = visitor.get(_url(certificate)).content.decode()
        assert "csrf-" not in page  # no placeholder left
        (token,) = TOKEN.findall(page)
        tokens.append(token)
        checked = visitor.post(_url(certificate), {"name": "张三明", "csrfmiddlewaretoken": token})
        assert checked.status_code == 200
        assert checked.context["name_matched"] is True
    assert tokens[0] != tokens[1]


def test_a_name_check_is_never_kept_for_others(client, certificate):
    client.get(_url(certificate))
    right = client.post(_url(certificate), {"name": "张三明"})
    assert "张三明" in right.content.decode()
    for visitor in (client, _english_client()):
        page = visitor.get(_url(certificate)).content.decode()
        assert "张*明" in page
        assert "张三明" not in page


def test_a_revocation_shows_at_once_on_a_kept_page(client, certificate, site_admin):
    client.get(_url(certificate))
    assert VALID in client.get(_url(certificate)).content.decode()  # served as kept
    member = _english_client()
    member.force_login(site_admin)
    assert VALID in member.get(_url(certificate)).content.decode()  # verification kept
    certificate_revoke(certificate=certificate, acting_user=site_admin, reason="学时记录造假")
    for visitor in (client, member):
        page = visitor.get(_url(certificate)).content.decode()
        assert REVOKED in page
        assert "学时记录造假" in page
        assert VALID not in page
    checked = client.post(_url(certificate), {"name": "张三明"}).content.decode()
    assert REVOKED in checked
    assert VALID not in checked


def test_a_view_that_read_the_row_before_a_revocation_cannot_keep_it(
    client, certificate, site_admin, monkeypatch
):
    """A view reads the row, the revocation lands, then the view stores what it read:
    stored under the stamp the revocation replaced, it is never served."""
    real = verify_cache.certificate_by_code

    def read_then_revoked(*, code):
        row = real(code=code)
        certificate_revoke(certificate=certificate, acting_user=site_admin, reason="撤销")
        return row

    monkeypatch.setattr(verify_cache, "certificate_by_code", read_then_revoked)
    assert VALID in client.get(_url(certificate)).content.decode()  # what it read
    monkeypatch.undo()
    page = client.get(_url(certificate)).content.decode()
    assert REVOKED in page
    assert VALID not in page


def test_the_revocation_invalidates_again_once_it_commits(
    client, certificate, site_admin, monkeypatch, django_capture_on_commit_callbacks
):
    """Between the revocation's write and its commit, other views still read the valid
    row and may keep it; the commit replaces the stamp again."""
    before_commit = type(certificate).objects.get(pk=certificate.pk)
    with django_capture_on_commit_callbacks() as committed:
        certificate_revoke(certificate=certificate, acting_user=site_admin, reason="撤销")
    monkeypatch.setattr(verify_cache, "certificate_by_code", lambda *, code: before_commit)
    assert VALID in client.get(_url(certificate)).content.decode()  # kept, from the old row
    monkeypatch.undo()
    for callback in committed:  # the commit
        callback()
    page = client.get(_url(certificate)).content.decode()
    assert REVOKED in page
    assert VALID not in page


def test_languages_are_kept_apart(client, certificate):
    english = client.get(_url(certificate)).content.decode()
    chinese = client.get(_url(certificate), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert VALID in english
    assert VALID not in chinese
    assert client.get(_url(certificate)).content.decode().count(VALID) == 1


def test_a_site_settings_change_renews_the_kept_page(client, certificate, home):
    client.get(_url(certificate))
    branding = SiteBranding.for_site(home.get_site())
    branding.site_name = "雪域继教（测试）"
    branding.save()
    assert "雪域继教（测试）" in client.get(_url(certificate)).content.decode()


def test_a_retired_key_no_longer_confirms_a_kept_record(client, settings, certificate):
    assert VALID in client.get(_url(certificate)).content.decode()
    # The key that signed it is neither active nor listed any more.
    settings.SNOWLAND_SIGNING_KEY = base64.b64encode(b"\x01" * 32).decode()
    page = client.get(_url(certificate)).content.decode()
    assert "This record could not be confirmed." in page
    assert VALID not in page


def test_a_query_string_or_another_cookie_is_served_afresh(
    client, certificate, django_assert_num_queries
):
    client.get(_url(certificate))
    # The site and its settings are cached too (cms.page_cache); the verification is kept.
    with django_assert_num_queries(0):
        assert client.get(_url(certificate) + "?utm=x").status_code == 200
    client.cookies["messages"] = "x"
    with django_assert_num_queries(0):
        assert client.get(_url(certificate)).status_code == 200


def test_unknown_codes_are_never_kept(client, home, django_assert_num_queries):
    unknown = "Z" * 43
    client.get(f"/verify/{unknown}/")  # and the site's settings exist
    with django_assert_num_queries(FIRST_VIEW_QUERIES):
        response = client.get(f"/verify/{unknown}/")
    assert NOT_FOUND in response.content.decode()
    assert response.context["certificate"] is None
    assert not [key for key in verify_cache_keys() if "stamp" not in key]


def test_unknown_codes_count_towards_the_rate_limit(client, settings, home):
    settings.SNOWLAND_VERIFY_RATE_LIMIT = 2
    for _ in range(2):
        assert client.get(f"/verify/{'Z' * 43}/").status_code == 200
    assert client.get(f"/verify/{'Y' * 43}/").status_code == 429


def test_a_kept_page_still_counts_towards_the_rate_limit(client, settings, certificate):
    settings.SNOWLAND_VERIFY_RATE_LIMIT = 2
    assert client.get(_url(certificate)).status_code == 200
    assert client.get(_url(certificate)).status_code == 200  # served as kept
    assert client.get(_url(certificate)).status_code == 429


def test_the_cache_can_be_turned_off(client, settings, certificate, django_assert_num_queries):
    settings.SNOWLAND_VERIFY_CACHE_SECONDS = 0
    client.get(_url(certificate))
    with django_assert_num_queries(FIRST_VIEW_QUERIES):
        assert VALID in client.get(_url(certificate)).content.decode()
    assert not verify_cache_keys()


def verify_cache_keys() -> list[str]:
    """The keys this cache holds (the memory cache of the tests)."""
    return [key for key in cache._cache if "certificates:verification:" in key]


def test_a_deleted_certificate_is_no_longer_shown_from_the_cache(client, certificate):
    url = _url(certificate)
    assert VALID in client.get(url).content.decode()
    assert VALID in client.get(url).content.decode()  # served as kept
    certificate.delete()  # its learner's account was deleted, say
    page = client.get(url).content.decode()
    assert VALID not in page
    assert certificate.learner_name not in page
