"""Offline checks: `manage.py verify_certificate` and the standalone tools script.

The PDFs here are small pypdf files carrying the signed data as the renderer's do;
the real WeasyPrint output is checked by the rendering work's tests.
"""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from certificates.services import certificate_revoke
from certificates.signing import public_keys, qr_text, signed_document, signed_document_bytes
from tests.certificates.factories import attach_pdf, issued, signed_pdf

pytestmark = pytest.mark.django_db

SCRIPT = Path(settings.BASE_DIR) / "tools" / "verify_certificate.py"


@pytest.fixture
def certificate(home, catalogue, learner):
    return issued(learner, catalogue)


def _command(target: str) -> str:
    out = StringIO()
    call_command("verify_certificate", target, stdout=out)
    return out.getvalue()


# -- manage.py verify_certificate -----------------------------------------------------------


def test_command_by_code(certificate, site_admin):
    out = _command(certificate.verification_code)
    assert certificate.serial_number in out
    assert "VALID" in out
    certificate_revoke(certificate=certificate, acting_user=site_admin, reason="代考")
    assert "REVOKED" in _command(certificate.verification_code)
    with pytest.raises(CommandError, match="No certificate"):
        _command("Z" * 43)


def test_command_by_qr_text(certificate):
    out = _command(qr_text(certificate))
    assert "AUTHENTIC" in out
    assert certificate.serial_number in out
    forged = qr_text(certificate).replace(".", "x", 1)
    with pytest.raises(CommandError):
        _command(forged)


def test_command_by_pdf(certificate, tmp_path):
    exact = tmp_path / "exact.pdf"
    exact.write_bytes(attach_pdf(certificate))
    assert "EXACT" in _command(str(exact))
    other = tmp_path / "resaved.pdf"
    other.write_bytes(signed_pdf(signed_document_bytes(certificate), title="另存为"))
    assert "AUTHENTIC DATA" in _command(str(other))
    document = signed_document(certificate)
    document["payload"]["name"] = "李四"
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(signed_pdf(json.dumps(document, ensure_ascii=False).encode()))
    with pytest.raises(CommandError, match="NOT AUTHENTIC"):
        _command(str(forged))


def test_command_refuses_what_it_cannot_read(db):
    with pytest.raises(CommandError, match="Not a file"):
        _command("hello")


# -- tools/verify_certificate.py (no Django) -----------------------------------------------------


def _script(*args: str) -> subprocess.CompletedProcess:
    # Run as a plain program; it must not import Django (asserted inside the child).
    code = (
        "import runpy, sys; sys.argv = sys.argv[1:];"
        "\ntry: runpy.run_path(sys.argv[0], run_name='__main__')"
        "\nfinally: assert 'django' not in sys.modules, 'the script imported Django'"
    )
    return subprocess.run(  # noqa: S603 - our own script with our own arguments
        [sys.executable, "-c", code, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd="/",
    )


@pytest.fixture
def keys_file(tmp_path, client) -> Path:
    path = tmp_path / "keys.json"
    path.write_bytes(client.get("/verify/keys.json").content)
    return path


def test_script_checks_a_qr_text(certificate, keys_file):
    result = _script("--keys", str(keys_file), qr_text(certificate))
    assert result.returncode == 0, result.stderr
    assert "AUTHENTIC" in result.stdout
    assert certificate.serial_number in result.stdout
    assert certificate.learner_name in result.stdout


def test_script_with_a_single_key_and_a_signed_json_file(certificate, tmp_path):
    [(key_id, public)] = public_keys().items()
    document = tmp_path / "certificate-signature.json"
    document.write_bytes(signed_document_bytes(certificate))
    result = _script("--key", f"{key_id}={public}", str(document))
    assert result.returncode == 0, result.stderr
    data = json.loads(document.read_text())
    data["payload"]["credits"] = "25.00"
    document.write_text(json.dumps(data, ensure_ascii=False))
    assert _script("--key", public, str(document)).returncode == 1


def test_script_checks_a_pdf(certificate, keys_file, tmp_path):
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(attach_pdf(certificate))
    result = _script("--keys", str(keys_file), str(pdf))
    assert result.returncode == 0, result.stderr
    assert "AUTHENTIC" in result.stdout


def test_script_rejects_a_changed_qr_and_an_unknown_key(certificate, keys_file, tmp_path):
    text = qr_text(certificate)
    moved = text.replace(certificate.verification_code, "A" * 43)
    assert _script("--keys", str(keys_file), moved).returncode == 1
    other_keys = tmp_path / "other.json"
    other_keys.write_text(json.dumps({"keys": {}}))
    assert _script("--keys", str(other_keys), text).returncode == 1
    unusable = _script("--keys", str(keys_file), "not a certificate")
    assert unusable.returncode == 2
    assert "Cannot check" in unusable.stderr
