"""Reads of the certificate check for HR officers and site administrators.

Four ways to one answer: the verification code; the serial number with the holder's
full name; a photo or scan of the QR code; the PDF. Each gives a `CertificateCheck`:
what was found (the record, or why not) and whether the holder's full name may be
shown to this user. A wrong name is answered exactly like an unknown serial, so serial
numbers cannot be tried against names.
"""

import io
import logging
import re
from dataclasses import dataclass
from enum import StrEnum

from accounts.models import User
from accounts.selectors import hr_scope_covers
from certificates.models import Certificate, CertificateStatus
from certificates.selectors import (
    STAFF_RECORDS_PERMISSION,
    VIEW_ALL_PERMISSION,
    PdfVerdict,
    certificate_check_pdf,
    is_well_formed_code,
    mask_name,
    name_matches,
)
from certificates.signing import certificate_verify, qr_parse, qr_payload

logger = logging.getLogger(__name__)

# "LSCME-2025-000123": the prefix is a setting, the sequence has at least six digits.
SERIAL_PATTERN = re.compile(r"[A-Z0-9]{1,20}-\d{4}-\d{6,9}")
# A QR photo larger than this (in pixels) is refused rather than decoded; a phone's
# camera gives at most about 50 megapixels.
QR_MAX_PIXELS = 50_000_000
# Large photos are scaled down to this longest side before decoding (a printed QR code
# fills a good part of the picture, so nothing is lost but time and memory).
QR_DECODE_SIDE = 3000
# A name compared when the serial is unknown, so that both answers take the same work.
_NOBODY = Certificate(learner_name="\u3007" * 8)


def may_check_certificates(*, user: User) -> bool:
    """HR officers (staff records), site administrators (every certificate) and
    superusers."""
    if not user.is_authenticated or not user.is_active:
        return False
    return (
        user.is_superuser
        or user.has_perm(VIEW_ALL_PERMISSION)
        or user.has_perm(STAFF_RECORDS_PERMISSION)
    )


def may_see_full_name(*, user: User, certificate: Certificate) -> bool:
    """Superusers and site administrators; HR officers whose scope covers the holder's
    institution. Everyone else sees the name masked, as on the public page."""
    if user.is_superuser or user.has_perm(VIEW_ALL_PERMISSION):
        return True
    return user.has_perm(STAFF_RECORDS_PERMISSION) and hr_scope_covers(
        user=user, institution_id=certificate.learner.institution_id
    )


class Finding(StrEnum):
    FOUND = "found"  # the record, its seal intact (its status says valid or revoked)
    UNKNOWN = "unknown"  # no such certificate (or a serial with another name)
    RECORD_UNCONFIRMED = "record_unconfirmed"  # the stored record no longer verifies
    FILE_ALTERED = "file_altered"  # PDF: signed data authentic, file not the issued one
    FILE_NOT_OURS = "file_not_ours"  # PDF: not issued here, or altered
    QR_NOT_AUTHENTIC = "qr_not_authentic"  # a verification QR whose signed data fails
    QR_OTHER = "qr_other"  # a QR code, but not one of a certificate
    NO_QR = "no_qr"  # no QR code could be read in the image


@dataclass(frozen=True)
class CertificateCheck:
    finding: Finding
    certificate: Certificate | None = None
    full_name_visible: bool = False
    # PDF: the file is byte for byte the one issued.
    exact_file: bool = False
    name_matched: bool = False
    qr_text: str = ""

    @property
    def status(self) -> str:
        """valid / revoked / altered / unknown: the one-word answer."""
        if self.certificate is not None and self.finding == Finding.FOUND:
            return "revoked" if self.certificate.status == CertificateStatus.REVOKED else "valid"
        if self.finding == Finding.FILE_ALTERED:
            return "altered"
        if self.finding in (Finding.RECORD_UNCONFIRMED, Finding.QR_NOT_AUTHENTIC):
            return "not_confirmed"
        return "unknown"

    @property
    def holder_name(self) -> str:
        if self.certificate is None:
            return ""
        if self.full_name_visible or self.name_matched:
            return self.certificate.learner_name
        return mask_name(self.certificate.learner_name)


def _with_learner():
    return Certificate.objects.select_related("learner")


def _found(*, user: User, certificate: Certificate | None, **extra) -> CertificateCheck:
    """The answer for a certificate that was looked up (None: unknown)."""
    if certificate is None:
        return CertificateCheck(finding=Finding.UNKNOWN)
    if not certificate_verify(certificate):
        # Its stored fields no longer match their seal: say nothing about them.
        return CertificateCheck(finding=Finding.RECORD_UNCONFIRMED)
    return CertificateCheck(
        finding=Finding.FOUND,
        certificate=certificate,
        full_name_visible=may_see_full_name(user=user, certificate=certificate),
        **extra,
    )


def check_by_code(*, user: User, code: str) -> CertificateCheck:
    if not is_well_formed_code(code):
        return CertificateCheck(finding=Finding.UNKNOWN)
    return _found(user=user, certificate=_with_learner().filter(verification_code=code).first())


def normalise_serial(serial: str) -> str:
    return "".join((serial or "").split()).upper().replace("\u2014", "-").replace("\uff0d", "-")


def is_well_formed_serial(serial: str) -> bool:
    return bool(SERIAL_PATTERN.fullmatch(serial or ""))


def check_by_serial_and_name(*, user: User, serial: str, name: str) -> CertificateCheck:
    """The certificate with this serial if its holder's name is exactly `name`;
    otherwise the same answer as for a serial that does not exist."""
    serial = normalise_serial(serial)
    certificate = (
        _with_learner().filter(serial_number=serial).first()
        if is_well_formed_serial(serial)
        else None
    )
    matched = name_matches(certificate=certificate or _NOBODY, name=name)
    if certificate is None or not matched:
        return CertificateCheck(finding=Finding.UNKNOWN)
    return _found(user=user, certificate=certificate, name_matched=True)


def check_by_pdf(*, user: User, data: bytes) -> CertificateCheck:
    """An uploaded PDF (size and type checked by the form)."""
    check = certificate_check_pdf(data=data)
    if check.verdict == PdfVerdict.NOT_OURS:
        return CertificateCheck(finding=Finding.FILE_NOT_OURS)
    certificate = (
        _with_learner().filter(pk=check.certificate.pk).first() if check.certificate else None
    )
    if check.verdict == PdfVerdict.ISSUED:
        return _found(user=user, certificate=certificate, exact_file=True)
    # Authentic signed data in a file that is not the one issued.
    if certificate is None or not certificate_verify(certificate):
        return CertificateCheck(finding=Finding.FILE_ALTERED)
    return CertificateCheck(
        finding=Finding.FILE_ALTERED,
        certificate=certificate,
        full_name_visible=may_see_full_name(user=user, certificate=certificate),
    )


# -- QR codes -----------------------------------------------------------------------------


def qr_texts(data: bytes) -> list[str]:
    """The texts of the QR codes in a PNG or JPEG (already checked by the form); an
    image that cannot be read holds none."""
    import zxingcpp
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > QR_MAX_PIXELS:
                return []
            # JPEG: decode straight at a reduced size (saves most of the memory).
            image.draft("L", (QR_DECODE_SIDE, QR_DECODE_SIDE))
            grey = image.convert("L")
        if max(grey.size) > QR_DECODE_SIDE:
            grey.thumbnail((QR_DECODE_SIDE, QR_DECODE_SIDE))
        found = zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormat.QRCode)
    except Exception:  # a damaged or hostile image holds no QR code we can use
        logger.info("An uploaded QR image could not be decoded", exc_info=True)
        return []
    return [barcode.text for barcode in found if barcode.text]


def check_qr_text(*, user: User, text: str) -> CertificateCheck:
    """A QR code's text: the verification URL and its signed fragment must both hold,
    and the signed data must be the record's."""
    parsed = qr_parse(text)
    if parsed is None:
        looks_like_ours = "/verify/" in text
        return CertificateCheck(
            finding=Finding.QR_NOT_AUTHENTIC if looks_like_ours else Finding.QR_OTHER,
            qr_text=text[:300],
        )
    if not parsed.authentic:
        return CertificateCheck(finding=Finding.QR_NOT_AUTHENTIC, qr_text=text[:300])
    if not is_well_formed_code(parsed.code):
        return CertificateCheck(finding=Finding.UNKNOWN)
    certificate = _with_learner().filter(verification_code=parsed.code).first()
    if certificate is not None and qr_payload(certificate) != parsed.payload:
        # Signed by us, but not what the record says now.
        return CertificateCheck(finding=Finding.RECORD_UNCONFIRMED)
    return _found(user=user, certificate=certificate)


def check_by_qr_image(*, user: User, data: bytes) -> CertificateCheck:
    texts = qr_texts(data)
    if not texts:
        return CertificateCheck(finding=Finding.NO_QR)
    # A photo may hold other codes too: the first that is one of ours decides.
    for text in texts:
        if qr_parse(text) is not None:
            return check_qr_text(user=user, text=text)
    return check_qr_text(user=user, text=texts[0])
