"""Typed errors of the certificates app; their messages are constants that tests assert."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class CertificateNotIssued(ValidationError):
    NO_COMPLETION = _("There is no course completion to issue a certificate for.")


class CertificateRevocationRejected(ValidationError):
    REASON_REQUIRED = _("Give the reason for revoking the certificate.")
    NOT_ALLOWED = _("You are not allowed to revoke certificates.")
    ALREADY_REVOKED = _("This certificate has already been revoked.")
