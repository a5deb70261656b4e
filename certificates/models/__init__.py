"""The certificates app's models, one module per concern. Import from here."""

from certificates.models.certificate import Certificate, CertificateStatus, SerialCounter
from certificates.models.templates import CertificateLayout, CertificateTemplate
from certificates.models.transcript import TranscriptDocument

__all__ = [
    "Certificate",
    "CertificateLayout",
    "CertificateStatus",
    "CertificateTemplate",
    "SerialCounter",
    "TranscriptDocument",
]
