"""Ed25519 signing: canonical bytes, tamper detection, keys and their rotation, QR text."""

import base64
import datetime as dt
import hashlib
import json
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured

from certificates import signing
from tests.certificates.factories import issued

pytestmark = pytest.mark.django_db


def _raw_private(key: Ed25519PrivateKey) -> str:
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(raw).decode()


def _pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def test_canonical_bytes_sort_keys_without_spaces_in_utf8():
    payload = {
        "name": "张三明",
        "credits": Decimal("2.50"),
        "completed_on": dt.date(2026, 3, 1),
        "issued_at": dt.datetime(2026, 3, 1, 10, 30, 5, 123, tzinfo=dt.UTC),
        "a": 1,
    }
    assert (
        signing.canonical_bytes(payload)
        == (
            '{"a":1,"completed_on":"2026-03-01","credits":"2.50",'
            '"issued_at":"2026-03-01T10:30:05Z","name":"张三明"}'
        ).encode()
    )


def test_floats_and_naive_datetimes_are_refused():
    with pytest.raises(TypeError):
        signing.canonical_bytes({"credits": 2.5})
    with pytest.raises(TypeError):
        signing.canonical_bytes({"at": dt.datetime(2026, 1, 1)})  # noqa: DTZ001


def test_a_signature_verifies_and_names_the_active_key():
    payload = {"serial": "LSCME-2026-000001", "name": "张三明"}
    key_id, signature = signing.sign_payload(payload)
    assert key_id == signing.active_key_id()
    assert len(key_id) == 16
    assert "=" not in signature
    assert signing.verify_payload(payload, key_id, signature)
    assert signing.public_keys() == {
        key_id: signing.public_key_text(signing._key_ring().private_key.public_key())
    }


def test_key_id_is_the_start_of_the_sha256_of_the_raw_public_key():
    [(key_id, public)] = signing.public_keys().items()
    assert key_id == hashlib.sha256(signing.b64url_decode(public)).hexdigest()[:16]


def test_a_payload_naming_another_key_is_neither_signed_nor_verified():
    with pytest.raises(ValueError, match="not the active key"):
        signing.sign_payload({"key_id": "0000000000000000"})
    key_id, signature = signing.sign_payload({"x": "1"})
    assert not signing.verify_payload({"x": "1", "key_id": "0000000000000000"}, key_id, signature)


@pytest.mark.parametrize(
    ("signature", "key_id"),
    [("not-base64!", None), ("", None), ("AAAA", None), (None, "ffffffffffffffff")],
)
def test_garbage_signatures_and_unknown_keys_fail_quietly(signature, key_id):
    payload = {"x": "1"}
    real_key_id, real_signature = signing.sign_payload(payload)
    key_id = real_key_id if key_id is None else key_id
    signature = real_signature if signature is None else signature
    assert not signing.verify_payload(payload, key_id, signature)


def test_every_field_of_a_certificate_is_sealed(catalogue, learner):
    certificate = issued(learner, catalogue)
    document = signing.signed_document(certificate)
    assert signing.verify_document(document)
    payload = document["payload"]
    assert payload["serial"] == certificate.serial_number
    assert payload["key_id"] == certificate.key_id
    for field, value in payload.items():
        changed = dict(payload)
        changed[field] = f"{value}x" if isinstance(value, str) else (value or 0) + 1
        assert not signing.verify_payload(changed, document["key_id"], document["signature"]), field
        shorter = {key: item for key, item in payload.items() if key != field}
        assert not signing.verify_payload(shorter, document["key_id"], document["signature"])
    added = {**payload, "extra": "1"}
    assert not signing.verify_payload(added, document["key_id"], document["signature"])


def test_the_stored_record_verifies_until_a_field_is_changed_in_the_database(catalogue, learner):
    certificate = issued(learner, catalogue)
    certificate.refresh_from_db()
    assert signing.certificate_verify(certificate)
    type(certificate).objects.filter(pk=certificate.pk).update(credits=Decimal("20.00"))
    certificate.refresh_from_db()
    assert not signing.certificate_verify(certificate)


def test_key_rotation_keeps_old_certificates_verifiable(settings, catalogue, learner):
    old = issued(learner, catalogue)
    old_document = signing.signed_document(old)
    old_public = signing.public_keys()[old.key_id]
    new_key = Ed25519PrivateKey.generate()
    settings.SNOWLAND_SIGNING_KEY = _raw_private(new_key)
    # Without the retired public key the old certificate no longer verifies ...
    assert old.key_id not in signing.public_keys()
    assert not signing.verify_document(old_document)
    # ... with it (as a comma list, as JSON, or as a file in the keys directory) it does.
    settings.SNOWLAND_SIGNING_PUBLIC_KEYS = f"{old.key_id}={old_public}"
    assert signing.verify_document(old_document)
    settings.SNOWLAND_SIGNING_PUBLIC_KEYS = json.dumps({old.key_id: old_public})
    assert signing.verify_document(old_document)
    new = issued(learner, catalogue)
    assert new.key_id != old.key_id
    assert signing.verify_document(signing.signed_document(new))
    assert set(signing.public_keys()) == {old.key_id, new.key_id}


def test_retired_keys_from_a_directory(settings, tmp_path, catalogue, learner):
    old = issued(learner, catalogue)
    (tmp_path / "retired-2026.pub").write_text(signing.public_keys()[old.key_id])
    settings.SNOWLAND_SIGNING_KEY = _raw_private(Ed25519PrivateKey.generate())
    settings.SNOWLAND_SIGNING_PUBLIC_KEYS_DIR = str(tmp_path)
    assert signing.verify_document(signing.signed_document(old))


def test_a_public_key_listed_under_a_wrong_id_is_a_configuration_error(settings):
    public = next(iter(signing.public_keys().values()))
    settings.SNOWLAND_SIGNING_PUBLIC_KEYS = f"0123456789abcdef={public}"
    with pytest.raises(ImproperlyConfigured, match="has the id"):
        signing.public_keys()


def test_a_pem_key_in_a_file(settings, tmp_path):
    key = Ed25519PrivateKey.generate()
    key_file = tmp_path / "signing.pem"
    key_file.write_text(_pem(key))
    settings.SNOWLAND_SIGNING_KEY = ""
    settings.SNOWLAND_SIGNING_KEY_FILE = str(key_file)
    assert signing.active_key_id() == signing.key_id_for(key.public_key())


def test_without_a_key_and_without_autogeneration_nothing_is_signed(settings):
    settings.SNOWLAND_SIGNING_KEY = ""
    settings.SNOWLAND_SIGNING_KEY_FILE = ""
    settings.SNOWLAND_SIGNING_KEY_AUTOGENERATE = False
    with pytest.raises(ImproperlyConfigured, match="No certificate signing key"):
        signing.sign_payload({"x": "1"})


def test_development_makes_its_key_once(settings, tmp_path):
    key_file = tmp_path / "keys" / "signing-key.pem"
    settings.SNOWLAND_SIGNING_KEY = ""
    settings.SNOWLAND_SIGNING_KEY_FILE = ""
    settings.SNOWLAND_SIGNING_KEY_AUTOGENERATE = True
    settings.SNOWLAND_SIGNING_DEV_KEY_FILE = key_file
    first = signing.active_key_id()
    assert key_file.exists()
    assert key_file.stat().st_mode & 0o077 == 0  # readable by its owner only
    signing._cache.clear()
    assert signing.active_key_id() == first
    assert list(key_file.parent.iterdir()) == [key_file]  # no temporary file left


# -- The QR code ------------------------------------------------------------------------


def test_qr_text_is_the_verification_url_with_a_signed_fragment(catalogue, learner):
    certificate = issued(learner, catalogue)
    text = signing.qr_text(certificate)
    url, _, _fragment = text.partition("#")
    assert url == f"http://testserver/verify/{certificate.verification_code}/"
    assert len(text) < 500  # a QR code a phone reads from a printed certificate
    check = signing.qr_parse(text)
    assert check.authentic
    assert check.code == certificate.verification_code
    assert check.payload["s"] == certificate.serial_number
    assert check.payload["n"] == certificate.learner_name


def test_a_changed_or_moved_qr_text_fails(catalogue, learner):
    certificate = issued(learner, catalogue)
    other = issued(learner, catalogue)
    text = signing.qr_text(certificate)
    url, _, fragment = text.partition("#")
    encoded, key_id, signature = fragment.split(".")
    payload = json.loads(signing.b64url_decode(encoded))
    forged = signing.b64url_encode(signing.canonical_bytes({**payload, "cr": "25.00"}))
    assert not signing.qr_parse(f"{url}#{forged}.{key_id}.{signature}").authentic
    moved = text.replace(certificate.verification_code, other.verification_code)
    assert not signing.qr_parse(moved).authentic
    assert signing.qr_parse("https://example.cn/verify/abc/") is None
    assert signing.qr_parse(f"{url}#garbage") is None
