"""Certificate and transcript PDFs: content, fonts, PDF/A, QR, signed attachment, the
fenced URL fetcher, templates in the admin with their preview, the render tasks.

Real WeasyPrint renders (a few hundred milliseconds each once the process's fonts are
set up); a QR test decodes the printed code with zbarimg when it is installed.
"""

import io
import json
import shutil
import socket
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from accounts.roles import Role
from certificates import rendering, signing
from certificates.embedded import embedded_document
from certificates.fonts import FACES, build_fonts, built_faces, common_characters
from certificates.models import Certificate, CertificateTemplate, TranscriptDocument
from certificates.pdf import PdfMetadata, RestrictedURLFetcher, html_to_pdf, static_roots
from certificates.placeholders import BROKEN, FULL_WIDTH, fill, placeholder_errors
from certificates.tasks import render_certificate, render_transcript
from courses.choices import CreditClass
from tests.accounts.factories import UserFactory
from tests.certificates.factories import CertificateTemplateFactory, course, issued
from tests.lms.test_requirements import award

pytestmark = pytest.mark.django_db

TIBETAN_TITLE = "འཕྲོ་མཐུད་གསོ་རིག་སློབ་གསོའི་ལག་ཁྱེར།"
THIS_YEAR = timezone.localdate().year


# --- helpers ----------------------------------------------------------------------------


def _text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "".join(page.extract_text() or "" for page in reader.pages)


def _compact(text: str) -> str:
    return "".join(text.split())


def _fonts(data: bytes) -> list[dict]:
    """Every font of the PDF with its descriptor (CIDFonts under Type0 included)."""
    reader = PdfReader(io.BytesIO(data))
    found = []
    for page in reader.pages:
        resources = page["/Resources"].get_object()
        for font in resources.get("/Font", {}).values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", []) or [font]:
                descendant = descendant.get_object()
                descriptor = descendant.get("/FontDescriptor")
                found.append(
                    {
                        "name": str(descendant.get("/BaseFont")),
                        "descriptor": descriptor.get_object() if descriptor else {},
                    }
                )
    return found


def _image_count(resources) -> int:
    count = 0
    for xobject in resources.get_object().get("/XObject", {}).values():
        xobject = xobject.get_object()
        if xobject["/Subtype"] == "/Image":
            count += 1
        elif "/Resources" in xobject:
            count += _image_count(xobject["/Resources"])
    return count


@pytest.fixture
def learner_bo(institutions):
    return UserFactory(
        role=Role.LEARNER, institution=institutions["hospital_a"], real_name="次仁央宗"
    )


@pytest.fixture
def certificate(learner_bo, catalogue):
    return issued(learner_bo, course(catalogue, title="高原病的识别与急救"))


@pytest.fixture
def rendered_pdf(certificate):
    return rendering.certificate_pdf(certificate=certificate)


# --- the certificate PDF ------------------------------------------------------------------


def test_the_pdf_shows_the_name_the_course_and_tibetan_text(certificate, rendered_pdf):
    text = _compact(_text(rendered_pdf))
    assert "次仁央宗" in text
    assert "高原病的识别与急救" in text
    assert "继续医学教育学分证书" in text
    assert _compact(TIBETAN_TITLE) in text
    assert certificate.serial_number in text


def test_fonts_are_embedded_and_subset(rendered_pdf):
    fonts = _fonts(rendered_pdf)
    assert fonts
    for font in fonts:
        descriptor = font["descriptor"]
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font
        # A subset's name carries a six-letter tag: ABCDEF+Family.
        assert "+" in font["name"], font
    if built_faces():
        assert any("Snowland-Serif" in font["name"] for font in fonts)
        assert any("Snowland-Tibetan" in font["name"] for font in fonts)


def test_it_is_pdf_a_with_title_author_subject_and_keywords(certificate, rendered_pdf):
    reader = PdfReader(io.BytesIO(rendered_pdf))
    raw = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in raw or "<pdfaid:part>3</pdfaid:part>" in raw
    assert "pdfaid:conformance" in raw
    info = reader.metadata
    assert certificate.serial_number in info.title
    assert "继续医学教育学分证书" in info.title
    assert info.author == certificate.issuer
    assert "次仁央宗" in info.subject
    assert certificate.serial_number in info["/Keywords"]
    assert certificate.key_id in info["/Keywords"]
    assert "/OutputIntents" in reader.trailer["/Root"]


def test_the_signed_document_is_attached_and_verifies(certificate, rendered_pdf):
    reader = PdfReader(io.BytesIO(rendered_pdf))
    attached = reader.attachments[signing.SIGNATURE_ATTACHMENT_NAME][0]
    document = json.loads(attached)
    assert document == signing.signed_document(certificate)
    assert signing.verify_document(document)
    # What the public upload check reads back, from our own PDF.
    assert embedded_document(rendered_pdf) == document


def test_the_qr_code_decodes_to_the_verification_url(certificate, rendered_pdf, tmp_path):
    if not (shutil.which("zbarimg") and shutil.which("pdftoppm")):
        pytest.skip("zbarimg and pdftoppm are needed (apt-get install zbar-tools poppler-utils)")
    (tmp_path / "certificate.pdf").write_bytes(rendered_pdf)
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", "-singlefile", "certificate.pdf", "page"],  # noqa: S607
        cwd=tmp_path,
        check=True,
    )
    result = subprocess.run(
        ["zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable", "page.png"],  # noqa: S607
        cwd=tmp_path,
        capture_output=True,
        check=True,
    )
    decoded = result.stdout.decode("utf-8").strip()
    assert decoded == signing.qr_text(certificate)
    assert decoded.startswith(signing.verification_url(certificate) + "#")
    check = signing.qr_parse(decoded)
    assert check is not None
    assert check.authentic
    assert check.code == certificate.verification_code


def test_rendering_is_deterministic(certificate, rendered_pdf):
    assert rendering.certificate_pdf(certificate=certificate) == rendered_pdf


def test_a_name_outside_the_common_characters_still_renders(learner_bo, catalogue):
    # 𠮷 (U+20BB7, Extension B) and 喆 are in no GB 2312 subset: the full font steps in.
    rare = "吉𠮷喆"
    assert "𠮷" not in common_characters()
    assert "喆" not in common_characters()
    learner_bo.real_name = rare
    learner_bo.save(update_fields=["real_name"])
    certificate = issued(learner_bo, course(catalogue))
    data = rendering.certificate_pdf(certificate=certificate)
    assert rare in _compact(_text(data))
    fonts = _fonts(data)
    assert all("/FontFile3" in f["descriptor"] or "/FontFile2" in f["descriptor"] for f in fonts)
    if built_faces():  # the subset for everything else, the full face for these two
        assert any("Snowland-Serif" in font["name"] for font in fonts)
        assert any("Noto-Serif-CJK" in font["name"] for font in fonts)


def test_the_course_template_is_used_else_the_default(learner_bo, catalogue):
    special = course(catalogue, title="藏医药适宜技术")
    template = CertificateTemplateFactory(
        title_zh="乡村医生培训合格证", body_zh="{learner_name}完成《{course}》。"
    )
    template.courses.add(special)
    template.save()  # a ParentalManyToManyField keeps its rows until the template is saved
    mine = issued(learner_bo, special)
    assert mine.template_id == template.pk
    text = _compact(_text(rendering.certificate_pdf(certificate=mine)))
    assert "乡村医生培训合格证" in text
    assert "次仁央宗完成《藏医药适宜技术》。" in text
    other = issued(learner_bo, course(catalogue))
    assert other.template.is_default  # the shipped default template (data migration)
    assert "继续医学教育学分证书" in _compact(_text(rendering.certificate_pdf(certificate=other)))


def test_a_certificate_renders_even_without_any_template(certificate):
    CertificateTemplate.objects.update(is_default=False)
    certificate.template = None
    text = _compact(_text(rendering.certificate_pdf(certificate=certificate)))
    assert "继续医学教育学分证书" in text
    assert "次仁央宗" in text


# --- the URL fetcher ------------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a PDF tried to reach the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/logo.png",
        "https://example.com/style.css",
        "ftp://example.com/x.png",
        "file://evil.example/etc/passwd",
    ],
)
def test_the_fetcher_refuses_files_outside_and_the_network(url, no_network):
    fetcher = RestrictedURLFetcher(roots=static_roots())
    with pytest.raises(ValueError, match="Not an allowed resource"):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_the_fetcher_refuses_a_way_out_of_the_static_files(no_network):
    root = static_roots()[-1]
    fetcher = RestrictedURLFetcher(roots=[root])
    sneaky = f"{root.as_uri()}/../../../../../../etc/passwd"
    with pytest.raises(ValueError, match="Not an allowed resource"):
        fetcher.fetch(sneaky)


def test_the_fetcher_allows_the_static_files_and_named_images(tmp_path):
    css = rendering._static_path(rendering.CERTIFICATE_STYLESHEET)
    image = tmp_path / "seal.png"
    image.write_bytes(get_test_image_file().file.getvalue())
    fetcher = RestrictedURLFetcher(roots=static_roots(), files=[image])
    assert b"font-family" in fetcher.fetch(css.as_uri()).read()
    assert fetcher.fetch(image.as_uri()).read().startswith(b"\x89PNG")
    other = tmp_path / "other.png"
    other.write_bytes(image.read_bytes())
    with pytest.raises(ValueError, match="Not an allowed resource"):
        fetcher.fetch(other.as_uri())


def test_a_document_asking_for_forbidden_resources_renders_without_them(no_network):
    fetcher = RestrictedURLFetcher(roots=static_roots())
    html = (
        "<html><head><link rel='stylesheet' href='https://example.com/x.css'></head><body>"
        "<p>证书</p><img src='file:///etc/passwd'><img src='http://example.com/a.png'>"
        "<p style=\"background: url('https://example.com/b.png')\">背景</p></body></html>"
    )
    data = html_to_pdf(html=html, metadata=PdfMetadata("t", "a", "s"), fetcher=fetcher)
    assert data.startswith(b"%PDF")
    assert "证书" in _text(data)
    assert set(fetcher.refused) == {
        "https://example.com/x.css",
        "file:///etc/passwd",
        "http://example.com/a.png",
        "https://example.com/b.png",
    }


def test_the_templates_seal_and_signature_images_are_drawn(certificate, no_network):
    seal = Image.objects.create(title="公章", file=get_test_image_file(colour="red"))
    signature = Image.objects.create(title="签名", file=get_test_image_file(colour="blue"))
    template = certificate.template
    template.seal_image = seal
    template.signature_image = signature
    template.signatory = "张院长"
    template.save()
    html, images = rendering.certificate_html(certificate=certificate, template=template)
    assert [image.path for image in images if image]  # renditions, read from the disk
    fetcher = rendering._fetcher(images=images)
    data = html_to_pdf(
        html=html,
        metadata=PdfMetadata("t", "a", "s"),
        fetcher=fetcher,
        stylesheet=rendering._static_path(rendering.CERTIFICATE_STYLESHEET),
    )
    assert fetcher.refused == []
    reader = PdfReader(io.BytesIO(data))
    # The two images and the QR code (the seal inside the stamp's transparency group).
    assert _image_count(reader.pages[0]["/Resources"]) >= 3
    assert "张院长" in _text(data)


# --- placeholders and templates in the admin ------------------------------------------------


def test_placeholders_fill_known_names_and_leave_the_rest():
    values = {"learner_name": "卓玛", "course": "急救"}
    assert fill("{learner_name}完成《{course}》{{注}}", values) == "卓玛完成《急救》{注}"
    assert fill("{unknown} {learner_name.__class__} {credits!r}", values) == (
        "{unknown} {learner_name.__class__} {credits!r}"
    )
    assert fill("{learner_name", values) == "{learner_name"  # unpaired: as written


def test_placeholder_errors_name_the_problem():
    assert placeholder_errors("{learner_name}获得{credits}学分") == []
    [unknown] = placeholder_errors("{learner}")
    assert "{learner}" in unknown
    assert "{learner_name}" in unknown
    assert placeholder_errors("{learner_name") == [str(BROKEN)]
    assert placeholder_errors("}") == [str(BROKEN)]
    assert "{credits:.2f}" in placeholder_errors("{credits:.2f}")[0]
    assert "{learner_name.upper}" in placeholder_errors("{learner_name.upper}")[0]
    assert str(FULL_WIDTH) in placeholder_errors("｛learner_name｝")


@pytest.fixture
def admin_client(client, home):
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    return client


def _template_form(**overrides) -> dict:
    data = {
        "name": "测试模板",
        "layout": "classic",
        "primary_colour": "#9b1c1c",
        "show_chinese": "on",
        "show_tibetan": "on",
        "title_zh": "继续医学教育学分证书",
        "title_bo": TIBETAN_TITLE,
        "title_en": "Certificate",
        "body_zh": "{learner_name}同志完成《{course}》，授予{credits}学分。",
        "body_bo": "",
        "body_en": "",
        "issuer_name": "西藏自治区卫生健康委员会",
        "signatory": "",
    }
    data.update(overrides)
    return data


ADD_URL = "wagtailsnippets_certificates_certificatetemplate:add"


def test_templates_are_in_the_admin_with_the_placeholders_listed(admin_client):
    page = admin_client.get(reverse(ADD_URL)).content.decode()
    assert "{learner_name}" in page
    assert "{project_number}" in page
    index = admin_client.get(reverse("wagtailsnippets_certificates_certificatetemplate:list"))
    assert index.status_code == 200


def test_the_admin_refuses_an_unknown_placeholder_with_a_clear_message(admin_client):
    response = admin_client.post(reverse(ADD_URL), _template_form(body_zh="{learner}完成"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "{learner}" in errors["body_zh"][0]
    assert "{learner_name}" in errors["body_zh"][0]
    assert not CertificateTemplate.objects.filter(name="测试模板").exists()


def test_the_admin_refuses_broken_braces_and_saves_a_good_template(admin_client):
    response = admin_client.post(reverse(ADD_URL), _template_form(title_en="Certificate {"))
    assert response.context["form"].errors["title_en"] == [str(BROKEN)]
    response = admin_client.post(reverse(ADD_URL), _template_form())
    assert response.status_code == 302
    assert CertificateTemplate.objects.get(name="测试模板").body_zh.startswith("{learner_name}")


def test_one_site_default_and_one_template_per_course(admin_client, catalogue):
    response = admin_client.post(reverse(ADD_URL), _template_form(is_default="on"))
    assert "is_default" in response.context["form"].errors
    picked = course(catalogue)
    taken = CertificateTemplateFactory(name="甲")
    taken.courses.add(picked)
    taken.save()
    response = admin_client.post(reverse(ADD_URL), _template_form(courses=[picked.pk]))
    assert "甲" in response.context["form"].errors["courses"][0]


def test_the_preview_renders_a_sample_pdf_that_is_not_signed(admin_client):
    template = CertificateTemplate.objects.get(is_default=True)
    response = template.serve_preview(_request(admin_client), "pdf")
    assert response["Content-Type"] == "application/pdf"
    data = response.content
    text = _compact(_text(data))
    assert "扎西卓玛" in text
    assert "继续医学教育学分证书" in text
    assert not PdfReader(io.BytesIO(data)).attachments  # a sample carries no signature
    html = template.serve_preview(_request(admin_client), "html").content.decode()
    assert "扎西卓玛" in html
    assert "/static/certificates/pdf/certificate.css" in html


def _request(client):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = UserFactory(is_superuser=True)
    return request


def test_the_preview_explains_a_bad_template_instead_of_crashing(admin_client):
    template = CertificateTemplate.objects.get(is_default=True)
    template.body_zh = "{learner}完成{course"  # as if it slipped past the form
    with translation.override("en"):
        response = template.serve_preview(_request(admin_client), "pdf")
        response.render()
    page = response.content.decode()
    assert response.status_code == 200
    assert "{learner" in page
    assert "The preview is not available" in page


def test_the_live_preview_of_an_invalid_form_shows_wagtails_error(admin_client):
    template = CertificateTemplate.objects.get(is_default=True)
    url = reverse(
        "wagtailsnippets_certificates_certificatetemplate:preview_on_edit", args=[template.pk]
    )
    response = admin_client.post(url, _template_form(name=template.name, body_zh="{nope}"))
    assert response.json() == {"is_valid": False, "is_available": False}
    response = admin_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    # Corrected, the live preview is the sample PDF.
    response = admin_client.post(url, _template_form(name=template.name))
    assert response.json() == {"is_valid": True, "is_available": True}
    response = admin_client.get(url)
    assert response["Content-Type"] == "application/pdf"
    assert "扎西卓玛" in _compact(_text(response.content))


# --- the task -----------------------------------------------------------------------------


def test_the_task_is_idempotent_and_never_touches_the_record(certificate):
    before = Certificate.objects.values().get(pk=certificate.pk)
    render_certificate(certificate.pk)
    first = Certificate.objects.get(pk=certificate.pk)
    assert first.pdf.name == f"certificates/{first.serial_year}/{first.serial_number}.pdf"
    data = first.pdf.read()
    first.pdf.close()
    import hashlib

    assert first.pdf_sha256 == hashlib.sha256(data).hexdigest()
    assert first.rendered_at is not None
    render_certificate(certificate.pk)
    second = Certificate.objects.get(pk=certificate.pk)
    assert second.pdf.name == first.pdf.name
    assert second.pdf_sha256 == first.pdf_sha256  # deterministic: the same bytes
    assert second.rendered_at >= first.rendered_at
    after = Certificate.objects.values().get(pk=certificate.pk)
    unchanged = set(before) - {"pdf", "pdf_sha256", "rendered_at"}
    assert {key: after[key] for key in unchanged} == {key: before[key] for key in unchanged}


def test_the_task_is_configured_to_survive_failures():
    for task in (render_certificate, render_transcript):
        assert task.acks_late is True
        assert task.reject_on_worker_lost is True
        assert task.max_retries
        assert task.max_retries >= 3
        assert task.soft_time_limit
        assert task.time_limit > task.soft_time_limit
        assert Exception in task.autoretry_for
        assert task.retry_backoff


def test_a_failing_render_is_logged_and_raised_for_a_retry(certificate, monkeypatch, caplog):
    def broken(*, certificate):
        raise OSError("disk full")

    monkeypatch.setattr(rendering, "certificate_pdf", broken)
    with pytest.raises(OSError, match="disk full"):
        render_certificate(certificate.pk)
    assert f"Rendering certificate {certificate.pk} failed" in caplog.text
    certificate.refresh_from_db()
    assert not certificate.pdf
    # In-process (eager) runs log and return: the request that issued it is not failed.
    render_certificate.apply(args=[certificate.pk]).get()


def test_a_missing_certificate_is_logged_not_retried(caplog):
    render_certificate(987654)
    assert "No certificate 987654 to render" in caplog.text


# --- the yearly transcript ------------------------------------------------------------------


@pytest.fixture
def queued_transcripts(monkeypatch):
    queued: list[int] = []
    monkeypatch.setattr("certificates.tasks.render_transcript.delay", lambda pk: queued.append(pk))
    return queued


def test_a_learner_requests_waits_for_and_downloads_the_transcript(
    client, learner_bo, queued_transcripts, django_capture_on_commit_callbacks
):
    award(learner_bo, 4, CreditClass.CLASS_1_NATIONAL, hours=12, year=THIS_YEAR)
    client.force_login(learner_bo)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/certificates/transcripts/{THIS_YEAR}/")
    document = TranscriptDocument.objects.get(learner=learner_bo)
    status_url = f"/certificates/transcripts/documents/{document.pk}/"
    assert response["Location"] == status_url
    assert queued_transcripts == [document.pk]
    page = client.get(status_url).content.decode()
    assert 'http-equiv="refresh"' in page
    assert "being prepared" in page
    assert client.get(f"{status_url}pdf/")["Location"] == status_url  # not ready yet

    render_transcript(document.pk)
    page = client.get(status_url).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert f"{status_url}pdf/" in page
    response = client.get(f"{status_url}pdf/")
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)
    text = _compact(_text(data))
    assert "次仁央宗" in text
    assert "院内学术讲座" in text
    assert str(THIS_YEAR) in text


def test_the_transcript_is_signed_and_carries_its_signature(learner_bo, queued_transcripts):
    from certificates.document_services import transcript_document_request

    award(learner_bo, 3, year=THIS_YEAR)
    document = transcript_document_request(learner=learner_bo, year=THIS_YEAR)
    document.refresh_from_db()
    payload = document.payload
    assert payload["learner"]["name"] == "次仁央宗"
    assert payload["year"] == THIS_YEAR
    assert payload["totals"]["credits"] == "3.00"
    assert payload["status"]
    assert payload["entries"][0]["credits"] == "3.00"
    assert signing.verify_payload(payload, document.key_id, document.signature)
    assert not signing.verify_payload(
        {**payload, "year": 1999}, document.key_id, document.signature
    )
    render_transcript(document.pk)
    document.refresh_from_db()
    reader = PdfReader(io.BytesIO(document.pdf.read()))
    attached = json.loads(reader.attachments[rendering.TRANSCRIPT_ATTACHMENT_NAME][0])
    assert signing.verify_payload(attached["payload"], attached["key_id"], attached["signature"])
    # Asking again while nothing changed gives the same document.
    assert transcript_document_request(learner=learner_bo, year=THIS_YEAR).pk == document.pk


def test_only_the_owner_and_superusers_see_a_transcript_document(
    client, learner_bo, institutions, queued_transcripts
):
    from certificates.document_services import transcript_document_request

    document = transcript_document_request(learner=learner_bo, year=THIS_YEAR)
    render_transcript(document.pk)
    urls = [
        f"/certificates/transcripts/documents/{document.pk}/",
        f"/certificates/transcripts/documents/{document.pk}/pdf/",
    ]
    other = UserFactory(role=Role.LEARNER, institution=institutions["hospital_a"])
    client.force_login(other)
    assert [client.get(url).status_code for url in urls] == [404, 404]
    client.force_login(UserFactory(is_superuser=True))
    assert [client.get(url).status_code for url in urls] == [200, 200]
    client.logout()
    assert all(client.get(url).status_code == 302 for url in urls)  # to the login page
    assert client.post(f"/certificates/transcripts/{THIS_YEAR}/").status_code == 302
    client.force_login(learner_bo)
    assert client.get(f"/certificates/transcripts/{THIS_YEAR}/").status_code == 405
    assert client.post("/certificates/transcripts/1900/").status_code == 404


# --- the fonts --------------------------------------------------------------------------------


def test_the_font_build_is_idempotent(tmp_path):
    built = build_fonts(directory=tmp_path, characters=set("证书ABC"))
    assert sorted(built) == sorted(face.key for face in FACES)
    faces = built_faces(tmp_path)
    assert {face.family for face in faces} == {"Snowland Serif", "Snowland Tibetan"}
    assert all(face.path.suffix == ".ttf" for face in faces)  # TrueType outlines
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert set(manifest["faces"]) == {face.key for face in FACES}
    assert build_fonts(directory=tmp_path, characters=set("证书ABC")) == []  # up to date
    (tmp_path / faces[0].path.name).unlink()
    assert build_fonts(directory=tmp_path, characters=set("证书ABC")) != []  # a face is missing


def test_common_characters_cover_gb2312_and_tibetan_names_in_chinese():
    characters = common_characters()
    assert len(characters) > 7000
    assert set("扎西德吉次仁央宗卓玛格桑旺堆洛桑索朗普布拉姆琼达") <= characters
    assert set("继续医学教育学分证书（）《》：，。Ⅰ") <= characters
