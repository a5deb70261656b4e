"""Ed25519 signatures that seal certificates (and transcripts) against unnoticed change.

What is signed is the canonical serialisation of a payload: JSON with sorted keys, no
spaces, UTF-8 (not ASCII-escaped); decimals and dates as strings. Anyone holding a
public key (published at /verify/keys.json) can check a signature with nothing but
Python and `cryptography`: `tools/verify_certificate.py` does exactly that.

Keys
----
The active private key comes from SNOWLAND_SIGNING_KEY (base64 of the raw 32-byte key,
or a PEM) or from the file named by SNOWLAND_SIGNING_KEY_FILE. Without either, dev
(SNOWLAND_SIGNING_KEY_AUTOGENERATE) makes one once into SNOWLAND_SIGNING_DEV_KEY_FILE
(a gitignored file); production refuses to start. A key's id is the first 16 hex
characters of the SHA-256 of its raw public key. Retired public keys stay verifiable
through SNOWLAND_SIGNING_PUBLIC_KEYS (JSON object or list, or a comma list of
`key_id=pubkey` / `pubkey`) and the *.pub files in SNOWLAND_SIGNING_PUBLIC_KEYS_DIR.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from certificates.models import Certificate

PAYLOAD_VERSION = 1
QR_PAYLOAD_VERSION = 1
# The PDF attachment that carries `signed_document()`; the rendering embeds it.
SIGNATURE_ATTACHMENT_NAME = "certificate-signature.json"


# --- encoding -------------------------------------------------------------------------


def b64url_encode(data: bytes) -> str:
    """Base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Inverse of `b64url_encode`; raises ValueError on anything malformed."""
    if not isinstance(text, str) or not text.isascii():
        raise ValueError("not base64url text")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError("not base64url text") from error


def _normalise(value: Any) -> Any:
    """JSON-native values only: decimals and dates become strings, floats are refused."""
    if isinstance(value, dict):
        return {str(key): _normalise(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_normalise(item) for item in value]
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise TypeError("naive datetimes cannot be signed")
        utc = value.astimezone(dt.UTC).replace(microsecond=0)
        return utc.isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    # Floats would round differently on the way back; give a Decimal or a string.
    raise TypeError(f"cannot sign a value of type {type(value).__name__}")


def canonical_bytes(payload: dict) -> bytes:
    """The exact bytes that are signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        _normalise(payload), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


# --- keys -----------------------------------------------------------------------------


def key_id_for(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_text(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return b64url_encode(raw)


def load_private_key(text: str | bytes) -> Ed25519PrivateKey:
    """A private key from a PEM, or base64 (standard or url-safe) of the raw 32 bytes."""
    data = text.encode("ascii") if isinstance(text, str) else text
    data = data.strip()
    if data.startswith(b"-----BEGIN"):
        key = serialization.load_pem_private_key(data, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured("The signing key is not an Ed25519 key.")
        return key
    try:
        raw = b64url_decode(data.decode("ascii").replace("+", "-").replace("/", "_").rstrip("="))
    except (ValueError, UnicodeDecodeError) as error:
        raise ImproperlyConfigured("The signing key is neither a PEM nor base64.") from error
    if len(raw) != 32:
        raise ImproperlyConfigured("A raw Ed25519 private key has 32 bytes.")
    return Ed25519PrivateKey.from_private_bytes(raw)


def load_public_key(text: str | bytes) -> Ed25519PublicKey:
    """A public key from a PEM, or base64 (standard or url-safe) of the raw 32 bytes."""
    data = text.encode("ascii") if isinstance(text, str) else text
    data = data.strip()
    if data.startswith(b"-----BEGIN"):
        key = serialization.load_pem_public_key(data)
        if not isinstance(key, Ed25519PublicKey):
            raise ImproperlyConfigured("A public key is not an Ed25519 key.")
        return key
    try:
        raw = b64url_decode(data.decode("ascii").replace("+", "-").replace("/", "_").rstrip("="))
    except (ValueError, UnicodeDecodeError) as error:
        raise ImproperlyConfigured("A public key is neither a PEM nor base64.") from error
    if len(raw) != 32:
        raise ImproperlyConfigured("A raw Ed25519 public key has 32 bytes.")
    return Ed25519PublicKey.from_public_bytes(raw)


def _generate_key_file(path: Path) -> None:
    """Write a new private key to `path` once; a concurrent writer's key wins intact."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".signing-key-")
    try:
        os.fchmod(handle, 0o600)
        os.write(handle, pem)
        os.close(handle)
        with contextlib.suppress(FileExistsError):  # another process was first: keep its key
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


def _parse_public_keys(text: str) -> list[tuple[str | None, str]]:
    """(claimed key id or None, public key text) from the setting's forms."""
    text = text.strip()
    if not text:
        return []
    if text[0] in "{[":
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as error:
            raise ImproperlyConfigured("SNOWLAND_SIGNING_PUBLIC_KEYS is not valid JSON.") from error
        if isinstance(parsed, dict):
            return [(str(key), str(value)) for key, value in parsed.items()]
        return [(None, str(value)) for value in parsed]
    entries = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        if "=" in item.rstrip("="):
            claimed, _, key = item.partition("=")
            entries.append((claimed.strip(), key.strip()))
        else:
            entries.append((None, item))
    return entries


@dataclass(frozen=True)
class KeyRing:
    private_key: Ed25519PrivateKey
    key_id: str
    public: dict[str, Ed25519PublicKey]


def _settings_fingerprint() -> tuple:
    return (
        getattr(settings, "SNOWLAND_SIGNING_KEY", ""),
        str(getattr(settings, "SNOWLAND_SIGNING_KEY_FILE", "") or ""),
        getattr(settings, "SNOWLAND_SIGNING_KEY_AUTOGENERATE", False),
        str(getattr(settings, "SNOWLAND_SIGNING_DEV_KEY_FILE", "") or ""),
        getattr(settings, "SNOWLAND_SIGNING_PUBLIC_KEYS", ""),
        str(getattr(settings, "SNOWLAND_SIGNING_PUBLIC_KEYS_DIR", "") or ""),
    )


_cache: dict[tuple, KeyRing] = {}


def _load_active_private_key() -> Ed25519PrivateKey:
    inline = getattr(settings, "SNOWLAND_SIGNING_KEY", "")
    if inline:
        return load_private_key(inline)
    key_file = getattr(settings, "SNOWLAND_SIGNING_KEY_FILE", "")
    if key_file:
        try:
            return load_private_key(Path(key_file).read_bytes())
        except OSError as error:
            raise ImproperlyConfigured(f"Cannot read SNOWLAND_SIGNING_KEY_FILE: {error}") from error
    dev_file = getattr(settings, "SNOWLAND_SIGNING_DEV_KEY_FILE", "")
    if getattr(settings, "SNOWLAND_SIGNING_KEY_AUTOGENERATE", False) and dev_file:
        path = Path(dev_file)
        if not path.exists():
            _generate_key_file(path)
        return load_private_key(path.read_bytes())
    raise ImproperlyConfigured(
        "No certificate signing key: set SNOWLAND_SIGNING_KEY or SNOWLAND_SIGNING_KEY_FILE."
    )


def _key_ring() -> KeyRing:
    fingerprint = _settings_fingerprint()
    ring = _cache.get(fingerprint)
    if ring is not None:
        return ring
    private_key = _load_active_private_key()
    active_public = private_key.public_key()
    active_id = key_id_for(active_public)
    public: dict[str, Ed25519PublicKey] = {}
    entries = _parse_public_keys(getattr(settings, "SNOWLAND_SIGNING_PUBLIC_KEYS", "") or "")
    keys_dir = getattr(settings, "SNOWLAND_SIGNING_PUBLIC_KEYS_DIR", "")
    if keys_dir and Path(keys_dir).is_dir():
        entries += [(None, path.read_text()) for path in sorted(Path(keys_dir).glob("*.pub"))]
    for claimed, text in entries:
        key = load_public_key(text)
        key_id = key_id_for(key)
        if claimed and claimed != key_id:
            raise ImproperlyConfigured(
                f"Public key {claimed!r} has the id {key_id!r}: a key id is the first 16 "
                "hex characters of the SHA-256 of the raw public key."
            )
        public[key_id] = key
    public[active_id] = active_public
    ring = KeyRing(private_key=private_key, key_id=active_id, public=public)
    _cache.clear()
    _cache[fingerprint] = ring
    return ring


def active_key_id() -> str:
    """The id of the key that signs now (put it in a payload before signing it)."""
    return _key_ring().key_id


def public_keys() -> dict[str, str]:
    """Every key id that verifies (active and retired) → base64url raw public key."""
    return {key_id: public_key_text(key) for key_id, key in sorted(_key_ring().public.items())}


# --- signing and verifying ------------------------------------------------------------


def sign_payload(payload: dict) -> tuple[str, str]:
    """Sign with the active key; returns (key id, base64url signature without padding).

    A payload that names a key id must name the active one, so that what it claims is
    what signed it.
    """
    ring = _key_ring()
    if "key_id" in payload and payload["key_id"] != ring.key_id:
        raise ValueError(f"The payload names key {payload['key_id']!r}, not the active key.")
    signature = ring.private_key.sign(canonical_bytes(payload))
    return ring.key_id, b64url_encode(signature)


def verify_payload(payload: dict, key_id: str, signature: str) -> bool:
    """True when `signature` by key `key_id` seals exactly this payload."""
    if not isinstance(payload, dict) or not isinstance(key_id, str):
        return False
    if "key_id" in payload and payload["key_id"] != key_id:
        return False
    public_key = _key_ring().public.get(key_id)
    if public_key is None:
        return False
    try:
        public_key.verify(b64url_decode(signature), canonical_bytes(payload))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


# --- certificates ---------------------------------------------------------------------


def _two_places(value: Decimal | int | str | None) -> str | None:
    if value is None:
        return None
    return format(Decimal(str(value)).quantize(Decimal("0.01")), "f")


def certificate_payload(certificate: Certificate) -> dict:
    """The certificate's signed fields, as JSON-native values (the record is the truth).

    Status is not signed: revocation is looked up online, the seal covers what was issued.
    """
    return {
        "v": PAYLOAD_VERSION,
        "type": "certificate",
        "serial": certificate.serial_number,
        "code": certificate.verification_code,
        "name": certificate.learner_name,
        "institution": certificate.learner_institution,
        "title": certificate.learner_title,
        "course": certificate.course_title,
        "cme_project_number": certificate.cme_project_number,
        "credit_class": certificate.credit_class,
        "credits": _two_places(certificate.credits),
        "study_hours": _two_places(certificate.study_hours),
        "subject_type": certificate.subject_type,
        "organiser": certificate.organiser,
        "completed_on": _normalise(certificate.completed_on),
        "score": _two_places(certificate.score),
        "issued_at": _normalise(certificate.issued_at),
        "issuer": certificate.issuer,
        "key_id": certificate.key_id,
    }


def signed_document(certificate: Certificate) -> dict:
    """What a certificate PDF carries (attachment `certificate-signature.json`)."""
    return {
        "payload": certificate_payload(certificate),
        "key_id": certificate.key_id,
        "signature": certificate.signature,
    }


def signed_document_bytes(certificate: Certificate) -> bytes:
    """`signed_document` as the UTF-8 JSON file that the PDF attaches."""
    return json.dumps(signed_document(certificate), ensure_ascii=False, sort_keys=True).encode()


def verify_document(document: Any) -> bool:
    """True for a {"payload", "key_id", "signature"} mapping whose signature holds."""
    if not isinstance(document, dict):
        return False
    return verify_payload(
        document.get("payload"), document.get("key_id"), document.get("signature")
    )


def certificate_verify(certificate: Certificate) -> bool:
    """True when the record's stored signature still seals its fields."""
    return verify_payload(
        certificate_payload(certificate), certificate.key_id, certificate.signature
    )


# --- the QR code ----------------------------------------------------------------------
# The QR carries the verification URL and, in its fragment (never sent to a server), a
# compact payload signed on its own, so a phone or a laptop with no network can check it:
#   <base>/verify/<code>/#<base64url(canonical compact payload without "code")>.<key id>.<sig>
# The signature covers the compact payload *with* "code" (taken back from the URL path),
# so a fragment cannot be moved onto another certificate's URL.


def qr_payload(certificate: Certificate) -> dict:
    """The compact fields the QR carries (short keys keep the QR small and scannable)."""
    return {
        "v": QR_PAYLOAD_VERSION,
        "s": certificate.serial_number,
        "n": certificate.learner_name,
        "c": certificate.course_title,
        "cc": certificate.credit_class,
        "cr": _two_places(certificate.credits),
        "h": _two_places(certificate.study_hours),
        "d": _normalise(certificate.completed_on),
    }


def verification_url(certificate_or_code: Certificate | str) -> str:
    code = (
        certificate_or_code
        if isinstance(certificate_or_code, str)
        else certificate_or_code.verification_code
    )
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}/verify/{code}/"


def qr_text(certificate: Certificate) -> str:
    """The text of the certificate's QR code: its verification URL plus a signed fragment."""
    compact = qr_payload(certificate)
    key_id, signature = sign_payload({**compact, "code": certificate.verification_code})
    fragment = f"{b64url_encode(canonical_bytes(compact))}.{key_id}.{signature}"
    return f"{verification_url(certificate)}#{fragment}"


@dataclass(frozen=True)
class QrCheck:
    code: str
    payload: dict
    key_id: str
    authentic: bool


def qr_parse(text: str) -> QrCheck | None:
    """Split a QR text into its parts and check its signature; None when it is not one."""
    url, hash_sign, fragment = text.strip().partition("#")
    if not hash_sign:
        return None
    path = url.rstrip("/").rsplit("/", 2)
    if len(path) < 2 or path[-2] != "verify":
        return None
    code = path[-1]
    parts = fragment.split(".")
    if len(parts) != 3:
        return None
    encoded, key_id, signature = parts
    try:
        payload = json.loads(b64url_decode(encoded).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(payload, dict):
        return None
    authentic = "code" not in payload and verify_payload(
        {**payload, "code": code}, key_id, signature
    )
    return QrCheck(code=code, payload=payload, key_id=key_id, authentic=authentic)
