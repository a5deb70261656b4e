"""The public verification page, kept in the cache per certificate until it changes.

Verifying a code used to cost four queries, an Ed25519 check and a full rendering on
every view, for an answer that changes only when the certificate does. Two kinds of
entries per certificate now:

* its *verification*: the record and whether its signature holds, for every view that
  renders (a signed-in visitor, a name check, another language); and
* its *page*, per scheme, host, path and language, for anonymous visitors asking with
  no query string: the rendered body with a random placeholder where the CSRF token
  goes, filled in for each visitor, so that nothing personal is stored. Only a page
  that is the same for every such visitor is kept (the rules of cms.page_cache: no
  cookie but the CSRF and language ones, no Authorization header, not signed in).

Both are stamped with the certificate's *stamp*, a random token that any change of the
certificate replaces (`verification_stamp_bump`, called by the services that change
one): now, and again once the change commits, so that a view that read the old row
before the commit cannot keep it. An entry whose stamp is not the current one is
ignored, and a stamp is taken before the database is read, a missing one being a new
one: neither a race nor an eviction can bring back a valid answer for a revoked
certificate. Pages are also stamped with the publish generation (the site's settings
show on every page, courses.caching), and every key names the code version and the
signing keys that verify (retiring a key changes which records hold).

Unknown and malformed codes are never stored: they get the same answer as before, a
guess leaves at most a short-lived stamp behind, and the rate limit is counted before
any of this.
"""

import hashlib
import secrets
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token

from accounts.shared_cache import cache_get_many, stamp_current, stamp_replace, unstamped
from certificates.models import Certificate
from certificates.selectors import certificate_by_code, is_well_formed_code
from certificates.signing import certificate_verify, public_keys
from courses.caching import (
    GENERATION_KEY,
    code_version,
    remember_generation,
    rendered_for_anyone,
    request_is_anonymous,
)

# A stamp taken for a lookup lives this long unless the code is a certificate's: guesses
# leave nothing lasting behind.
_PROBE_SECONDS = 60


def _timeout() -> int:
    """How long entries live at most (0 turns this cache off); a change replaces them."""
    return settings.SNOWLAND_VERIFY_CACHE_SECONDS


def _stamp_timeout() -> int:
    # Outlives the entries stamped with it: an expired stamp only orphans them.
    return _timeout() + _PROBE_SECONDS


@dataclass(frozen=True)
class Verification:
    """What the page says of a code: its certificate (None: unknown or malformed) and
    whether the record's stored signature still seals its fields."""

    certificate: Certificate | None
    intact: bool


UNKNOWN = Verification(certificate=None, intact=False)


@dataclass
class VerificationLookup:
    """What one view of a code found in the cache, and what it needs to add to it."""

    code: str
    cached: bool = False  # False: malformed code, or the cache is off
    page_key: str | None = None  # set when this view's page may be served and kept
    stamp: str | None = None
    generation: str | None = None
    page: tuple[bytes, bytes] | None = None  # (placeholder, body), when fresh
    verification: Verification | None = None


def _stamp_key(code: str) -> str:
    return f"certificates:verification:stamp:{code}"


@lru_cache(maxsize=8)
def _keys_digest(key_ids: str) -> str:
    return hashlib.sha256(key_ids.encode()).hexdigest()[:12]


def _versioned_key(kind: str, *parts: object) -> str:
    """A key that a deploy or a change of the verifying keys leaves behind."""
    keys = _keys_digest(",".join(public_keys()))  # key ids, sorted
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()
    return f"certificates:verification:{kind}:{code_version()}:{keys}:{digest}"


def _result_key(code: str) -> str:
    return _versioned_key("result", code)


def _page_may_be_shared(request) -> bool:
    """A GET with no query string from a visitor who is nobody in particular."""
    return (
        request.method == "GET"
        and not request.META.get("QUERY_STRING")
        and request_is_anonymous(request)
        and not request.user.is_authenticated
    )


def _page_key(request, language: str) -> str:
    # The host decides the site, whose settings (name, contact) every page shows.
    return _versioned_key("page", request.scheme, request.get_host(), request.path, language)


def verification_lookup(*, request, code: str, language: str) -> VerificationLookup:
    """What the cache holds for this view of `code`, in one round trip: the stamp, and
    the page if this view may be served a shared one, else the verification."""
    lookup = VerificationLookup(code=code)
    if _timeout() <= 0 or not is_well_formed_code(code):
        return lookup
    lookup.cached = True
    stamp_key = _stamp_key(code)
    if _page_may_be_shared(request):
        lookup.page_key = _page_key(request, language)
        found = cache_get_many([stamp_key, lookup.page_key, GENERATION_KEY])
        lookup.stamp = found.get(stamp_key)
        lookup.generation = remember_generation(request, found.get(GENERATION_KEY))
        lookup.page = unstamped(found.get(lookup.page_key), lookup.stamp, lookup.generation)
    else:
        result_key = _result_key(code)
        found = cache_get_many([stamp_key, result_key])
        lookup.stamp = found.get(stamp_key)
        value = unstamped(found.get(result_key), lookup.stamp)
        lookup.verification = value[0] if value else None
    return lookup


def verification_for(lookup: VerificationLookup) -> Verification:
    """The certificate of the looked-up code and its signature check: from the cache,
    else from the database (and then kept, for a certificate)."""
    if lookup.verification is not None:
        return lookup.verification
    if not lookup.cached:
        return _verification_read(lookup.code)
    result_key = _result_key(lookup.code)
    if lookup.page_key and lookup.stamp is not None:  # no page, but maybe the verification
        value = unstamped(cache.get(result_key), lookup.stamp)
        if value:
            lookup.verification = value[0]
            return lookup.verification
    if lookup.stamp is None:
        # Before the row is read: a change that commits after the read replaces it.
        lookup.stamp = stamp_current(_stamp_key(lookup.code), timeout=_PROBE_SECONDS)
    verification = _verification_read(lookup.code)
    if verification.certificate is not None:
        cache.touch(_stamp_key(lookup.code), _stamp_timeout())
        cache.set(result_key, (lookup.stamp, verification), timeout=_timeout())
    lookup.verification = verification
    return verification


def _verification_read(code: str) -> Verification:
    certificate = certificate_by_code(code=code)
    if certificate is None:
        return UNKNOWN
    return Verification(certificate=certificate, intact=certificate_verify(certificate))


def csrf_placeholder() -> str:
    """A stand-in for the CSRF token in a page that may be stored: unguessable, so no
    text on the page can contain it, and plain, so escaping leaves it alone."""
    return f"csrf-{secrets.token_hex(16)}"


def page_store(request, lookup: VerificationLookup, *, placeholder: str, body: bytes) -> None:
    """Keep a certificate's page for the next anonymous visitors (never an unknown
    code's: a brute force must not fill the cache)."""
    verification = lookup.verification
    if lookup.page_key is None or lookup.stamp is None or lookup.generation is None:
        return
    if verification is None or verification.certificate is None:
        return
    if not rendered_for_anyone(request):
        return
    cache.set(
        lookup.page_key,
        (lookup.stamp, lookup.generation, placeholder.encode(), body),
        timeout=_timeout(),
    )


def page_response(request, *, placeholder: bytes, body: bytes) -> HttpResponse:
    """The page, with this visitor's own CSRF token wherever the placeholder stands."""
    if placeholder in body:
        body = body.replace(placeholder, get_token(request).encode())
    return HttpResponse(body)


def verification_stamp_bump(*, code: str) -> None:
    """Invalidate everything kept for the certificate with this code: now, and again
    once the write commits (a view between the two may have read the old row). A
    cache error now fails the change: a revocation must not leave "valid" behind."""
    stamp_replace(_stamp_key(code), timeout=_stamp_timeout())
