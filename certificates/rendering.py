"""Certificates and transcripts as PDF documents (HTML templates through WeasyPrint).

`certificate_pdf(certificate=...)` and `transcript_pdf(document=...)` are pure apart from
reading the template and images: they return bytes and change nothing. The Celery tasks
store the result (`certificates.document_services`). The record is the truth, the PDF
a rendering of it: what the page shows comes from the certificate's signed snapshot (or
the transcript's signed payload), the wording and look from the certificate template.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from xml.sax.saxutils import escape

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import TitleLevel
from certificates import signing
from certificates.fonts import font_dir
from certificates.models import (
    Certificate,
    CertificateLayout,
    CertificateTemplate,
    TranscriptDocument,
)
from certificates.pdf import (
    PdfAttachment,
    PdfMetadata,
    RestrictedURLFetcher,
    html_to_pdf,
    static_roots,
)
from certificates.placeholders import fill
from courses.choices import CreditClass, SubjectType
from lms.compliance import format_amount

logger = logging.getLogger(__name__)

CERTIFICATE_TEMPLATE = "certificates/pdf/certificate.html"
TRANSCRIPT_TEMPLATE = "certificates/pdf/transcript.html"
CERTIFICATE_STYLESHEET = "certificates/pdf/certificate.css"
TRANSCRIPT_STYLESHEET = "certificates/pdf/transcript.css"
TRANSCRIPT_ATTACHMENT_NAME = "transcript-signature.json"

SITE_LANGUAGE = "zh-hans"
DEFAULT_COLOUR = "#9b1c1c"
GOLD = "#b8902f"
_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")

# The wording of a site without any template (the data migration ships the same one as
# an editable template; this is the last resort, so that rendering never fails).
BUILTIN_TEMPLATE = {
    "name": "继续医学教育学分证书",
    "title_zh": "继续医学教育学分证书",
    "title_bo": "འཕྲོ་མཐུད་གསོ་རིག་སློབ་གསོའི་ལག་ཁྱེར།",
    "title_en": "Certificate of Continuing Medical Education",
    "body_zh": (
        "兹证明 {institution} {learner_name} 同志于{completed_on}完成由{organiser}主办的"
        "继续医学教育项目《{course}》的学习，经考核合格，"
        "授予{credit_class} {credits} 分（{study_hours} 学时）。\n"
        "特发此证。"
    ),
    "body_en": (
        "This is to certify that {learner_name} completed the continuing medical education "
        "course “{course}” on {completed_on} and was awarded {credits} credits "
        "({credit_class}, {study_hours} study hours)."
    ),
}

# Table and footer labels, in the site language and (when shown) in English.
LABELS = {
    "serial": gettext_lazy("Certificate No."),
    "course": gettext_lazy("Course"),
    "project_number": gettext_lazy("Project No."),
    "credit_class": gettext_lazy("Credit class"),
    "credits": gettext_lazy("Credits"),
    "study_hours": gettext_lazy("Study hours"),
    "completed_on": gettext_lazy("Completed on"),
    "issued_on": gettext_lazy("Date of issue"),
    "verify": gettext_lazy("Scan to verify"),
    "seal": gettext_lazy("Certificate seal"),
    "sample": gettext_lazy("SAMPLE"),
}


# --- values --------------------------------------------------------------------------


def _django_language(language: str) -> str:
    # No locale data for Tibetan: its lines use the site language's labels and dates.
    return "en" if language == "en" else SITE_LANGUAGE


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""


def _amount(value) -> str:
    if value in (None, ""):
        return ""
    try:
        return format_amount(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


def format_date(day: dt.date | None, language: str) -> str:
    if day is None:
        return ""
    if language == "en":
        with translation.override("en"):
            return date_format(day, "j F Y")
    if language == "bo":
        return day.isoformat()
    return f"{day.year}年{day.month}月{day.day}日"


def _issued_day(certificate: Certificate) -> dt.date:
    issued = certificate.issued_at or timezone.now()
    return timezone.localtime(issued).date()


def placeholder_values(*, certificate: Certificate, language: str) -> dict[str, str]:
    """The placeholders' values for one language of the certificate's text."""
    with translation.override(_django_language(language)):
        return {
            "learner_name": certificate.learner_name,
            "institution": certificate.learner_institution,
            "professional_title": certificate.learner_title,
            "course": certificate.course_title,
            "credits": _amount(certificate.credits),
            "credit_class": _label(CreditClass, certificate.credit_class),
            "study_hours": _amount(certificate.study_hours),
            "subject_type": _label(SubjectType, certificate.subject_type),
            "project_number": certificate.cme_project_number,
            "organiser": certificate.organiser,
            "completed_on": format_date(certificate.completed_on, language),
            "issued_on": format_date(_issued_day(certificate), language),
            "year": str(_issued_day(certificate).year),
            "serial": certificate.serial_number,
            "issuer": _issuer(certificate, None),
            "score": _amount(certificate.score),
        }


def _issuer(certificate: Certificate, template: CertificateTemplate | None) -> str:
    return (
        certificate.issuer
        or (template.issuer_name if template else "")
        or settings.SNOWLAND_CERTIFICATE_ISSUER
    )


def _in_site_language(message, **values) -> str:
    with translation.override(SITE_LANGUAGE):
        return str(message) % values


def _keys_url() -> str:
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}/verify/keys.json"


def _labels(language: str) -> dict[str, str]:
    with translation.override(language):
        return {key: str(label) for key, label in LABELS.items()}


# --- templates and images ----------------------------------------------------------------


def builtin_template() -> CertificateTemplate:
    return CertificateTemplate(
        is_default=False, issuer_name=settings.SNOWLAND_CERTIFICATE_ISSUER, **BUILTIN_TEMPLATE
    )


def certificate_template_for(*, certificate: Certificate) -> CertificateTemplate:
    """The certificate's own template, else the site default, else the built-in one."""
    if certificate.template_id:
        return certificate.template
    default = (
        CertificateTemplate.objects.select_related("seal_image", "signature_image")
        .filter(is_default=True)
        .first()
    )
    return default or builtin_template()


@dataclass(frozen=True)
class ImageSource:
    src: str
    path: Path | None = None


def _image_source(image, *, for_browser: bool) -> ImageSource | None:
    """A PNG rendition of a Wagtail image: a file the PDF's fetcher is allowed to read
    (or its URL, for a browser). A missing or broken file leaves the image out."""
    if image is None:
        return None
    try:
        rendition = image.get_rendition("max-800x800|format-png")
        if for_browser:
            return ImageSource(src=rendition.url)
        try:
            path = Path(rendition.file.path)
        except NotImplementedError:  # remote storage: inline it
            with rendition.file.open("rb") as handle:
                data = base64.b64encode(handle.read()).decode("ascii")
            return ImageSource(src=f"data:image/png;base64,{data}")
        return ImageSource(src=path.as_uri(), path=path)
    except Exception:
        logger.warning("Image %s of a certificate template cannot be read", image.pk, exc_info=True)
        return None


def _static_path(name: str) -> Path:
    found = finders.find(name)
    if found:
        return Path(found)
    return Path(settings.STATIC_ROOT) / name


def _fetcher(*, images: list[ImageSource | None]) -> RestrictedURLFetcher:
    return RestrictedURLFetcher(
        roots=[*static_roots(), font_dir()],
        files=[image.path for image in images if image and image.path],
    )


# --- QR code and seal ---------------------------------------------------------------------


def qr_png_data_uri(text: str) -> str:
    """The QR code as a PNG of one pixel per module (the page scales it up without
    smoothing): as sharp as vector paths, and a tenth of their cost to lay out."""
    code = segno.make(text, error="m", micro=False)
    return code.png_data_uri(scale=1, border=4)  # the quiet zone scanners need


def seal_svg(*, issuer: str, bottom: str, colour: str) -> SafeString:
    """A round red seal drawn in SVG: the issuer around the top, a star, a line below.

    The characters are stroked as well as filled, for the heavy look of a stamp without
    a bold face (a face costs every PDF its embedding)."""
    characters = [character for character in issuer if not character.isspace()][:24] or ["*"]
    count = len(characters)
    radius = 62  # of the characters' baseline arc, in a 200-unit square
    # About 22 units of arc per character, spread over at most 220° (from lower left
    # to lower right, as on a stamp); long names get smaller characters.
    span = min(220.0, 22 * count * 360 / (2 * math.pi * radius))
    size = round(min(24.0, 0.9 * (2 * math.pi * radius * span / 360) / count), 1)
    text_style = (
        'font-family="Snowland Serif, Noto Serif CJK SC, serif" '
        f'fill="{colour}" stroke="{colour}" stroke-width="0.9"'
    )
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" class="seal-svg">',
        f'<circle cx="100" cy="100" r="93" fill="none" stroke="{colour}" stroke-width="6"/>',
    ]
    points = []
    for index in range(10):
        reach = 27 if index % 2 == 0 else 10.5  # the star's points and notches
        angle = math.radians(-90 + index * 36)
        points.append(f"{100 + reach * math.cos(angle):.2f},{102 + reach * math.sin(angle):.2f}")
    parts.append(f'<polygon points="{" ".join(points)}" fill="{colour}"/>')
    for index, character in enumerate(characters):
        angle = -span / 2 + span * (index + 0.5) / count
        parts.append(
            f'<text x="100" y="{100 - radius + size * 0.35:.1f}" '
            f'transform="rotate({angle:.2f} 100 100)" text-anchor="middle" '
            f'font-size="{size}" {text_style}>{escape(character)}</text>'
        )
    if bottom:
        parts.append(
            f'<text x="100" y="158" text-anchor="middle" font-size="17" {text_style}>'
            f"{escape(bottom)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)


# --- the certificate ------------------------------------------------------------------------


def _colour(template: CertificateTemplate) -> str:
    colour = template.primary_colour or ""
    return colour if _HEX_COLOUR.fullmatch(colour) else DEFAULT_COLOUR


def _paragraphs(text: str) -> list[str]:
    return [line for line in (text or "").splitlines() if line.strip()]


def certificate_context(
    *,
    certificate: Certificate,
    template: CertificateTemplate,
    preview: bool = False,
    for_browser: bool = False,
) -> dict:
    colour = _colour(template)
    languages = [
        language
        for language, shown in (
            ("zh", template.show_chinese),
            ("bo", template.show_tibetan),
            ("en", template.show_english),
        )
        if shown
    ] or ["zh"]
    html_lang = {"zh": "zh-Hans", "bo": "bo", "en": "en"}
    texts = {
        "zh": (template.title_zh, template.body_zh),
        "bo": (template.title_bo, template.body_bo),
        "en": (template.title_en, template.body_en),
    }
    titles, bodies = [], []
    for language in languages:
        values = placeholder_values(certificate=certificate, language=language)
        title, body = texts[language]
        if title.strip():
            titles.append(
                {"lang": html_lang[language], "key": language, "text": fill(title, values)}
            )
        if body.strip():
            bodies.append(
                {
                    "lang": html_lang[language],
                    "key": language,
                    "paragraphs": _paragraphs(fill(body, values)),
                }
            )
    zh = _labels(SITE_LANGUAGE)
    en = _labels("en") if "en" in languages else {}
    values = placeholder_values(certificate=certificate, language="zh")

    def fact(key: str, value: str) -> dict:
        return {"key": key, "label": zh[key], "label_en": en.get(key, ""), "value": value}

    # The course and its credit, as on a paper CME certificate; who and where are in
    # the text above (`{learner_name}`, `{institution}`).
    facts = [
        fact("course", certificate.course_title),
        fact("project_number", certificate.cme_project_number),
        fact("credit_class", values["credit_class"]),
        fact("credits", values["credits"]),
        fact("study_hours", values["study_hours"]),
        fact("completed_on", values["completed_on"]),
        fact("issued_on", values["issued_on"]),
    ]
    facts = [item for item in facts if item["value"]]
    seal = _image_source(template.seal_image, for_browser=for_browser)
    signature = _image_source(template.signature_image, for_browser=for_browser)
    issuer = _issuer(certificate, template)
    if preview:
        # A sample is never signed: a signed QR of made-up data would verify offline.
        qr = signing.verification_url(certificate.verification_code)
    else:
        qr = signing.qr_text(certificate)
    return {
        "certificate": certificate,
        "template": template,
        "landscape": template.layout != CertificateLayout.PORTRAIT,
        "colour": colour,
        "gold": GOLD,
        "titles": titles,
        "bodies": bodies,
        "fact_rows": _fact_rows(facts),
        "labels": zh,
        "labels_en": en,
        "issuer": issuer,
        "signatory": template.signatory,
        "issued_on": values["issued_on"],
        "qr_src": qr_png_data_uri(qr),
        "qr_text": qr,
        "verify_url": signing.verification_url(certificate.verification_code),
        "seal_src": seal.src if seal else "",
        "seal_svg": "" if seal else seal_svg(issuer=issuer, bottom=zh["seal"], colour=colour),
        "signature_src": signature.src if signature else "",
        # A browser (the admin's HTML preview) links the stylesheet; a PDF gets it parsed
        # once per process (certificates.pdf).
        "stylesheet": finders_url(CERTIFICATE_STYLESHEET) if for_browser else "",
        "preview": preview,
        "for_browser": for_browser,
        "_images": [seal, signature],
    }


# Long values take a row of their own; the others go two to a row.
_WIDE_FACTS = {"course"}


def _fact_rows(facts: list[dict]) -> list[list[dict]]:
    rows: list[list[dict]] = []
    pending: list[dict] = []
    for item in facts:
        if item["key"] in _WIDE_FACTS:
            if pending:
                rows.append(pending)
                pending = []
            rows.append([item])
            continue
        pending.append(item)
        if len(pending) == 2:
            rows.append(pending)
            pending = []
    if pending:
        rows.append(pending)
    return rows


def finders_url(name: str) -> str:
    from django.templatetags.static import static

    return static(name)


def certificate_html(
    *,
    certificate: Certificate,
    template: CertificateTemplate | None = None,
    preview: bool = False,
    for_browser: bool = False,
) -> tuple[str, list[ImageSource | None]]:
    template = template or certificate_template_for(certificate=certificate)
    context = certificate_context(
        certificate=certificate, template=template, preview=preview, for_browser=for_browser
    )
    with translation.override(SITE_LANGUAGE):
        html = render_to_string(CERTIFICATE_TEMPLATE, context)
    return html, context["_images"]


def certificate_metadata(*, certificate: Certificate, template: CertificateTemplate) -> PdfMetadata:
    values = placeholder_values(certificate=certificate, language="zh")
    document = signing.signed_document_bytes(certificate).decode("utf-8")
    with translation.override(SITE_LANGUAGE):
        title = f"{fill(template.title_zh, values) or _('Certificate')} {certificate.serial_number}"
        subject = _(
            "%(name)s completed “%(course)s”: %(credits)s credits (%(credit_class)s), "
            "%(hours)s study hours"
        ) % {
            "name": certificate.learner_name,
            "course": certificate.course_title,
            "credits": values["credits"],
            "credit_class": values["credit_class"],
            "hours": values["study_hours"],
        }
    return PdfMetadata(
        title=title,
        author=_issuer(certificate, template),
        subject=subject,
        # Serial and key id for people and indexes; the signed document itself for
        # readers that keep the metadata but drop attachments (certificates.embedded).
        keywords=[certificate.serial_number, f"key:{certificate.key_id}", document],
        created=certificate.issued_at,
    )


def certificate_pdf(*, certificate: Certificate) -> bytes:
    """The certificate as a PDF/A-3b: the page, the QR code, the signed document
    attached as certificate-signature.json, serial and key id in the keywords."""
    template = certificate_template_for(certificate=certificate)
    html, images = certificate_html(certificate=certificate, template=template)
    return html_to_pdf(
        html=html,
        metadata=certificate_metadata(certificate=certificate, template=template),
        fetcher=_fetcher(images=images),
        stylesheet=_static_path(CERTIFICATE_STYLESHEET),
        attachments=[
            PdfAttachment(
                name=signing.SIGNATURE_ATTACHMENT_NAME,
                content=signing.signed_document_bytes(certificate),
                description=_in_site_language(
                    gettext_lazy("Signed certificate data (Ed25519); public keys at %(url)s"),
                    url=_keys_url(),
                ),
            )
        ],
    )


# --- previews of a template, with sample data ---------------------------------------------


def sample_certificate(*, template: CertificateTemplate) -> Certificate:
    """An unsaved certificate with made-up data, to show a template in the admin."""
    now = timezone.now().replace(microsecond=0)
    return Certificate(
        template=template if template.pk else None,
        serial_number=f"{settings.SNOWLAND_CERTIFICATE_PREFIX}-{now.year}-000000",
        serial_year=now.year,
        serial_sequence=0,
        verification_code="SAMPLE-" + "0" * 36,
        learner_name="扎西卓玛",
        learner_institution="林周县人民医院",
        learner_title=_in_site_language(TitleLevel.INTERMEDIATE.label),
        course_title="高原病的识别与急救",
        cme_project_number="2025-14-00-001(国)",
        credit_class=CreditClass.CLASS_1_NATIONAL,
        credits=Decimal("2.0"),
        study_hours=Decimal("6.0"),
        subject_type=SubjectType.PROFESSIONAL,
        organiser=settings.SNOWLAND_DEFAULT_ORGANISER,
        completed_on=timezone.localdate(),
        score=Decimal("92"),
        issued_at=now,
        issuer=template.issuer_name,
        key_id="sample",
        signature="",
    )


def template_preview_pdf(*, template: CertificateTemplate) -> bytes:
    certificate = sample_certificate(template=template)
    html, images = certificate_html(certificate=certificate, template=template, preview=True)
    values = placeholder_values(certificate=certificate, language="zh")
    with translation.override(SITE_LANGUAGE):
        title = f"{fill(template.title_zh, values)} ({_('SAMPLE')})"
    return html_to_pdf(
        html=html,
        metadata=PdfMetadata(title=title, author=template.issuer_name, subject=template.name),
        fetcher=_fetcher(images=images),
        stylesheet=_static_path(CERTIFICATE_STYLESHEET),
    )


def template_preview_html(*, template: CertificateTemplate) -> str:
    certificate = sample_certificate(template=template)
    html, _images = certificate_html(
        certificate=certificate, template=template, preview=True, for_browser=True
    )
    return html


# --- the yearly transcript ---------------------------------------------------------------


def transcript_signed_document(document: TranscriptDocument) -> dict:
    return {"payload": document.payload, "key_id": document.key_id, "signature": document.signature}


def _transcript_context(document: TranscriptDocument, *, for_browser: bool = False) -> dict:
    payload = document.payload
    with translation.override(SITE_LANGUAGE):
        entries = [
            {
                **entry,
                "credit_class_label": _label(CreditClass, entry.get("credit_class", "")),
                "subject_type_label": _label(SubjectType, entry.get("subject_type", "")),
                "credits_text": _amount(entry.get("credits")),
                "hours_text": _amount(entry.get("study_hours")),
            }
            for entry in payload.get("entries", [])
        ]
        checks = [
            {
                **check,
                "required_text": _amount(check.get("required")),
                "earned_text": _amount(check.get("earned")),
            }
            for check in payload.get("checks", [])
        ]
    generated = payload.get("generated_at", "")
    return {
        "document": document,
        "payload": payload,
        "learner": payload.get("learner", {}),
        "entries": entries,
        "checks": checks,
        "totals": {key: _amount(value) for key, value in payload.get("totals", {}).items()},
        "generated_on": generated[:10],
        "issuer": settings.SNOWLAND_CERTIFICATE_ISSUER,
        "colour": DEFAULT_COLOUR,
        "stylesheet": finders_url(TRANSCRIPT_STYLESHEET) if for_browser else "",
        "verify_url": f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}/verify/",
    }


def transcript_html(*, document: TranscriptDocument) -> str:
    with translation.override(SITE_LANGUAGE):
        return render_to_string(TRANSCRIPT_TEMPLATE, _transcript_context(document))


def transcript_pdf(*, document: TranscriptDocument) -> bytes:
    """The yearly transcript as a PDF/A-3b, its signed payload attached."""
    payload = document.payload
    learner = payload.get("learner", {})
    signed = json.dumps(
        transcript_signed_document(document), ensure_ascii=False, sort_keys=True
    ).encode("utf-8")
    with translation.override(SITE_LANGUAGE):
        title = _("CME credit transcript %(year)s: %(name)s") % {
            "year": payload.get("year", document.year),
            "name": learner.get("name", ""),
        }
        subject = _("%(status)s; %(credits)s credits, %(hours)s study hours") % {
            "status": payload.get("status_label", ""),
            "credits": _amount(payload.get("totals", {}).get("credits")),
            "hours": _amount(payload.get("totals", {}).get("study_hours")),
        }
    generated = payload.get("generated_at")
    created = dt.datetime.fromisoformat(generated.replace("Z", "+00:00")) if generated else None
    return html_to_pdf(
        html=transcript_html(document=document),
        metadata=PdfMetadata(
            title=title,
            author=settings.SNOWLAND_CERTIFICATE_ISSUER,
            subject=subject,
            keywords=[document.verification_code, f"key:{document.key_id}"],
            created=created,
        ),
        fetcher=_fetcher(images=[]),
        stylesheet=_static_path(TRANSCRIPT_STYLESHEET),
        attachments=[
            PdfAttachment(
                name=TRANSCRIPT_ATTACHMENT_NAME,
                content=signed,
                description=_in_site_language(
                    gettext_lazy("Signed transcript data (Ed25519); public keys at %(url)s"),
                    url=_keys_url(),
                ),
            )
        ],
    )
