"""Reading the signed data a certificate PDF carries, with pypdf.

The rendering attaches `signed_document()` as `certificate-signature.json` (PDF/A-3b
allows attachments) and repeats it in the metadata keywords. An uploaded file is
untrusted: anything unreadable counts as "carries nothing", never as an error.
"""

import io
import json
import logging

from certificates.signing import SIGNATURE_ATTACHMENT_NAME

logger = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"
# A signed document is a few kilobytes; a larger attachment is not one of ours.
_MAX_DOCUMENT_BYTES = 64 * 1024


def _as_document(data: bytes | str) -> dict | None:
    if isinstance(data, bytes):
        if len(data) > _MAX_DOCUMENT_BYTES:
            return None
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
    try:
        document = json.loads(data)
    except ValueError:
        return None
    if (
        isinstance(document, dict)
        and isinstance(document.get("payload"), dict)
        and isinstance(document.get("key_id"), str)
        and isinstance(document.get("signature"), str)
    ):
        return document
    return None


def _from_keywords(keywords: str) -> dict | None:
    start, end = keywords.find("{"), keywords.rfind("}")
    if start == -1 or end <= start:
        return None
    return _as_document(keywords[start : end + 1])


def embedded_document(data: bytes) -> dict | None:
    """The {"payload", "key_id", "signature"} a PDF carries, or None (unverified here)."""
    if not data.startswith(PDF_MAGIC):
        return None
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data), strict=False)
        attachments = reader.attachments
        names = sorted(
            attachments, key=lambda name: not str(name).endswith(SIGNATURE_ATTACHMENT_NAME)
        )
        for name in names:
            for content in attachments[name]:
                document = _as_document(content)
                if document is not None:
                    return document
        keywords = (reader.metadata or {}).get("/Keywords")
        if keywords:
            return _from_keywords(str(keywords))
    except Exception:  # a malformed or hostile file carries nothing we can use
        logger.info("An uploaded PDF could not be read", exc_info=True)
    return None
