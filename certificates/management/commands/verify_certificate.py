"""Verify a certificate from a PDF file, a verification code or the text of its QR code.

    python manage.py verify_certificate certificate.pdf
    python manage.py verify_certificate <verification code>
    python manage.py verify_certificate "https://…/verify/<code>/#<data>"

A PDF's embedded signature and a QR text are checked with the public keys alone; the
database, when it answers, adds whether the file is byte for byte the issued one and
whether the certificate was revoked. Exits with 1 when the input is not authentic.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from certificates.embedded import PDF_MAGIC, embedded_document
from certificates.models import Certificate, CertificateStatus
from certificates.selectors import certificate_by_code, is_well_formed_code, pdf_sha256
from certificates.signing import certificate_verify, qr_parse, verify_document


class Command(BaseCommand):
    help = "Verify a certificate: a PDF file, a verification code, or its QR code's text."

    def add_arguments(self, parser):
        parser.add_argument("target", help="a PDF file, a verification code or a QR text")

    def handle(self, *args, target: str, **options):
        path = Path(target)
        if "#" not in target and path.is_file():
            return self._pdf(path.read_bytes())
        if "#" in target:
            return self._qr(target)
        if is_well_formed_code(target):
            return self._code(target)
        raise CommandError("Not a file, a verification code or the text of a QR code.")

    # -- outputs -----------------------------------------------------------------------

    def _fields(self, fields: dict) -> None:
        for name, value in fields.items():
            self.stdout.write(f"{name}: {value}")

    def _record(self, certificate: Certificate) -> None:
        self._fields(
            {
                "serial": certificate.serial_number,
                "name": certificate.learner_name,
                "course": certificate.course_title,
                "credits": certificate.credits,
                "completed on": certificate.completed_on,
                "issued by": certificate.issuer,
            }
        )
        if certificate.status == CertificateStatus.REVOKED:
            self.stdout.write(
                self.style.WARNING(
                    f"REVOKED on {certificate.revoked_at:%Y-%m-%d}: {certificate.revocation_reason}"
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS("VALID: not revoked."))

    def _lookup(self, query):
        """Run a database lookup; None with a note when the database does not answer."""
        try:
            return query()
        except DatabaseError:
            self.stdout.write("The database does not answer: status and file not checked.")
            return None

    # -- the three kinds of input -------------------------------------------------------

    def _pdf(self, data: bytes) -> None:
        if not data.startswith(PDF_MAGIC):
            raise CommandError("This file is not a PDF.")
        document = embedded_document(data)
        authentic = document is not None and verify_document(document)
        issued = self._lookup(
            lambda: Certificate.objects.filter(pdf_sha256=pdf_sha256(data)).first()
        )
        if document is not None:
            self._fields(
                {key: document["payload"].get(key) for key in ("serial", "name", "course")}
            )
        if issued is not None:
            self.stdout.write(self.style.SUCCESS("EXACT: this is the file that was issued."))
            self._record(issued)
            return
        if not authentic:
            raise CommandError(
                "NOT AUTHENTIC: not a certificate issued here, or altered.", returncode=1
            )
        self.stdout.write(
            self.style.WARNING(
                "AUTHENTIC DATA: the signature holds, but the file is not the one issued "
                "(altered or saved again)."
            )
        )
        code = document["payload"].get("code", "")
        certificate = self._lookup(lambda: certificate_by_code(code=code))
        if certificate is not None:
            self._record(certificate)

    def _qr(self, text: str) -> None:
        check = qr_parse(text)
        if check is None:
            raise CommandError("Not the text of a certificate QR code.")
        self._fields({"code": check.code, **check.payload})
        if not check.authentic:
            raise CommandError("NOT AUTHENTIC: the QR data was not signed here.", returncode=1)
        self.stdout.write(self.style.SUCCESS("AUTHENTIC: the QR data was signed here."))
        certificate = self._lookup(lambda: certificate_by_code(code=check.code))
        if certificate is not None:
            self._record(certificate)

    def _code(self, code: str) -> None:
        certificate = certificate_by_code(code=code)
        if certificate is None:
            raise CommandError("No certificate has this verification code.", returncode=1)
        if not certificate_verify(certificate):
            raise CommandError(
                "The record's signature does not hold: do not rely on it.", returncode=1
            )
        self._record(certificate)
