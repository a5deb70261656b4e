#!/usr/bin/env python3
"""Check a Snowland CME certificate offline: no Django, no database, no network.

Needs Python 3.10+, `cryptography`, and `pypdf` for PDF files; and the platform's
public keys: the keys.json file published at <site>/verify/keys.json, or --key.

    python verify_certificate.py --keys keys.json certificate.pdf
    python verify_certificate.py --keys keys.json "https://cme.example.cn/verify/<code>/#<data>"
    python verify_certificate.py --key 6e44c500fed8a925=2CZI-RxM... certificate-signature.json

What it can check: that the data (a PDF's embedded certificate-signature.json, a
signed JSON file, or the text of the certificate's QR code) was signed by the
platform and not changed since. What it cannot: whether the certificate was revoked
later, or whether a PDF is byte for byte the issued file; the online check at
<site>/verify/ answers those.

Exit status: 0 authentic, 1 not authentic, 2 unusable input.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import io
import json
import sys
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ATTACHMENT = "certificate-signature.json"
QR_FIELDS = {
    "s": "serial",
    "n": "name",
    "c": "course",
    "cc": "credit class",
    "cr": "credits",
    "h": "study hours",
    "d": "completed on",
}


class Unusable(Exception):
    """The input is not something this tool can check."""


def b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise Unusable("not base64url") from error


def canonical_bytes(payload: dict) -> bytes:
    # Must match certificates.signing.canonical_bytes for JSON-native values.
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def key_id_for(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_public_key(text: str) -> Ed25519PublicKey:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise Unusable("not an Ed25519 public key")
        return key
    raw = b64url_decode(text.replace("+", "-").replace("/", "_").rstrip("="))
    if len(raw) != 32:
        raise Unusable("an Ed25519 public key has 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def load_keys(keys_file: str | None, key_args: list[str]) -> dict[str, Ed25519PublicKey]:
    texts: list[str] = []
    if keys_file:
        data = json.loads(Path(keys_file).read_text(encoding="utf-8"))
        mapping = data.get("keys", data) if isinstance(data, dict) else {}
        texts += [str(value) for value in mapping.values()]
    for item in key_args:
        texts.append(item.split("=", 1)[1] if "=" in item.rstrip("=") else item)
    keys = {}
    for text in texts:
        key = load_public_key(text)
        keys[key_id_for(key)] = key  # the id is computed, never taken on trust
    return keys


def verify(payload: dict, key_id: str, signature: str, keys: dict) -> bool:
    if "key_id" in payload and payload["key_id"] != key_id:
        return False
    key = keys.get(key_id)
    if key is None:
        return False
    try:
        key.verify(b64url_decode(signature), canonical_bytes(payload))
    except (InvalidSignature, Unusable):
        return False
    return True


def document_from_pdf(data: bytes) -> dict:
    try:
        from pypdf import PdfReader
    except ImportError as error:
        raise Unusable("reading a PDF needs pypdf (pip install pypdf)") from error
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        attachments = reader.attachments
    except Exception as error:  # a damaged file
        raise Unusable(f"the PDF cannot be read: {error}") from error
    names = sorted(attachments, key=lambda name: not str(name).endswith(ATTACHMENT))
    for name in names:
        for content in attachments[name]:
            try:
                document = json.loads(content.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                continue
            if isinstance(document, dict) and "payload" in document:
                return document
    keywords = str((reader.metadata or {}).get("/Keywords") or "")
    if "{" in keywords:
        try:
            return json.loads(keywords[keywords.find("{") : keywords.rfind("}") + 1])
        except ValueError:
            pass
    raise Unusable("the PDF carries no signed certificate data")


def check_document(document: dict, keys: dict) -> tuple[bool, dict]:
    payload, key_id, signature = (
        document.get("payload"),
        document.get("key_id"),
        document.get("signature"),
    )
    if not isinstance(payload, dict) or not isinstance(key_id, str):
        raise Unusable("not a signed certificate document")
    return verify(payload, key_id, str(signature), keys), payload


def check_qr(text: str, keys: dict) -> tuple[bool, dict]:
    url, _, fragment = text.strip().partition("#")
    parts = url.rstrip("/").rsplit("/", 2)
    if not fragment or len(parts) < 2 or parts[-2] != "verify":
        raise Unusable("not the text of a certificate QR code")
    try:
        encoded, key_id, signature = fragment.split(".")
        payload = json.loads(b64url_decode(encoded).decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise Unusable("the QR data is damaged") from error
    if not isinstance(payload, dict) or "code" in payload:
        raise Unusable("the QR data is damaged")
    code = parts[-1]
    authentic = verify({**payload, "code": code}, key_id, signature, keys)
    shown = {QR_FIELDS.get(key, key): value for key, value in payload.items() if key != "v"}
    return authentic, {"verification code": code, **shown}


def check(target: str, keys: dict) -> tuple[bool, dict]:
    path = Path(target)
    if "#" not in target and path.is_file():
        data = path.read_bytes()
        if data.startswith(b"%PDF-"):
            return check_document(document_from_pdf(data), keys)
        try:
            document = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise Unusable("the file is neither a PDF nor a signed JSON document") from error
        return check_document(document, keys)
    return check_qr(target, keys)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", help="a PDF, a signed JSON file, or the QR code's text")
    parser.add_argument("--keys", help="keys.json as published at /verify/keys.json")
    parser.add_argument(
        "--key", action="append", default=[], help="a public key: [KEY_ID=]BASE64URL or a PEM"
    )
    args = parser.parse_args(argv)
    if not args.keys and not args.key:
        parser.error("give the public keys: --keys keys.json or --key")
    try:
        keys = load_keys(args.keys, args.key)
        authentic, fields = check(args.target, keys)
    except (Unusable, OSError, ValueError) as error:
        print(f"Cannot check: {error}", file=sys.stderr)
        return 2
    for name, value in fields.items():
        print(f"{name}: {value}")
    if authentic:
        print("AUTHENTIC: signed by the platform and unchanged since.")
        print("Revocation is checked online only, at the verification page.")
        return 0
    print("NOT AUTHENTIC: the signature does not match this data (or the key is unknown).")
    return 1


if __name__ == "__main__":
    sys.exit(main())
