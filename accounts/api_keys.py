"""API keys of the read-only HR API (docs/decisions/0011-hr-api-django-ninja.md).

A key belongs to one institution and reads the staff of that institution's subtree,
as an HR officer with that scope would. The key is shown once, when it is made; the
database keeps only its public prefix and the SHA-256 of the whole key, so a copy of
the database lets nobody call the API.

A key reads `scme_<prefix>_<secret>`: `prefix` is 8 hex digits that find the row (and
name the key in the admin and in logs); `secret` is `secrets.token_urlsafe(32)`, 256
bits of randomness.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

KEY_SCHEME = "scme"
PREFIX_LENGTH = 8
# `secrets.token_urlsafe(32)`: 43 characters of the URL-safe base64 alphabet.
KEY_PATTERN = re.compile(
    rf"{KEY_SCHEME}_(?P<prefix>[0-9a-f]{{{PREFIX_LENGTH}}})_(?P<secret>[A-Za-z0-9_-]{{43}})"
)
MANAGE_PERMISSION = "accounts.manage_api_keys"


def api_key_hash(presented: str) -> str:
    """The stored form of a key: SHA-256 of the whole key, in hex. A plain hash is
    enough (no password hasher): the key holds 256 random bits, not a guessable
    password, and the check must be cheap enough to run on every request."""
    return hashlib.sha256(presented.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class KeyParts:
    prefix: str
    secret: str


def api_key_parse(presented: str) -> KeyParts | None:
    match = KEY_PATTERN.fullmatch(presented or "")
    if match is None:
        return None
    return KeyParts(prefix=match["prefix"], secret=match["secret"])


def api_key_generate() -> tuple[str, str]:
    """A new (prefix, full key)."""
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    return prefix, f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"


class ApiKeyStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class ApiKey(models.Model):
    """One HR system's key to the read-only API, scoped to an institution subtree."""

    institution = models.ForeignKey(
        "accounts.Institution",
        on_delete=models.CASCADE,
        related_name="api_keys",
        verbose_name=_("institution"),
        help_text=_("The key reads the staff of this institution and all below it."),
    )
    name = models.CharField(
        _("name"),
        max_length=100,
        help_text=_("Who uses the key, e.g. the hospital's HR system."),
    )
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH, unique=True, editable=False)
    secret_hash = models.CharField(_("key hash"), max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-pk"]
        permissions = [("manage_api_keys", _("Can create and revoke API keys"))]

    def __str__(self) -> str:
        return f"{KEY_SCHEME}_{self.prefix}… ({self.name})"

    def status_at(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return ApiKeyStatus.REVOKED
        if self.expires_at is not None and self.expires_at <= now:
            return ApiKeyStatus.EXPIRED
        return ApiKeyStatus.ACTIVE

    def is_usable_at(self, now: datetime) -> bool:
        return self.status_at(now) == ApiKeyStatus.ACTIVE
