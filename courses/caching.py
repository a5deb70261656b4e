"""What every cached rendering of the site's pages is stamped with.

Two stamps, so that nothing cached outlives what it was made from:

* the *publish generation*, a token that any change to a page, a snippet pages show
  or the site's settings replaces (cms.page_cache connects the receivers). One write
  invalidates every cached page, route and fragment at once: a region's catalogue is
  small, and re-rendering it after a publish costs little.
* the *code version*, read once per process from the templates, translations,
  Python sources and static manifest, so that a deploy never serves HTML from the
  previous release (with links to static files that may be gone).

`cms` wires the invalidation; it lives here because course templates (below cms in
the import layers) key their fragments on it too.
"""

import hashlib
import os
import time
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from wagtail.models import PageViewRestriction

from accounts.shared_cache import cache_get_many, stamp_current, stamp_replace

GENERATION_KEY = "snowland:pages:generation"
# Attribute under which a request remembers the generation it read (one read each).
REQUEST_ATTRIBUTE = "_snowland_page_generation"
# Attribute under which a page carries its view restrictions' ids from the route cache.
VIEW_RESTRICTION_IDS_ATTRIBUTE = "_snowland_view_restriction_ids"
_SOURCE_SUFFIXES = (".py", ".html", ".mo")
_SOURCE_DIRECTORIES = ("accounts", "certificates", "cms", "config", "courses", "lms", "templates")


# Cookies that do not change what an anonymous visitor is shown: any other one (the
# session above all, or pending messages) means the visitor is served afresh.
HARMLESS_COOKIES = frozenset({settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME})


def request_is_anonymous(request) -> bool:
    """A visitor who is nobody in particular: no cookie but the CSRF and language ones,
    no Authorization header (cms.page_cache, certificates.verify_cache)."""
    return "HTTP_AUTHORIZATION" not in request.META and all(
        name in HARMLESS_COOKIES for name in request.COOKIES
    )


def rendered_for_anyone(request) -> bool:
    """Whether a rendering may be shared: it used no CSP nonce (django-csp), left the
    session untouched and empty, and nobody signed in meanwhile."""
    if isinstance(getattr(request, "_csp_nonce", None), str):
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    session = getattr(request, "session", None)
    return session is None or not (session.modified or not session.is_empty())


def page_generation(request=None) -> str:
    """The current publish generation (read once per request when given one)."""
    if request is not None and hasattr(request, REQUEST_ATTRIBUTE):
        return getattr(request, REQUEST_ATTRIBUTE)
    token = stamp_current(GENERATION_KEY, cache_get_many([GENERATION_KEY]).get(GENERATION_KEY))
    if request is not None:
        setattr(request, REQUEST_ATTRIBUTE, token)
    return token


def remember_generation(request, token: str | None) -> str:
    """Record a generation read in a batch with other keys (cms.page_cache)."""
    if token is None:
        return page_generation(request)
    setattr(request, REQUEST_ATTRIBUTE, token)
    return token


def page_generation_bump() -> None:
    """Invalidate every cached page and fragment: now, and again once the write
    commits (a page rendered between the two from uncommitted data is not kept)."""
    stamp_replace(GENERATION_KEY)


def code_version() -> str:
    """A digest of the deployed code's files (names, sizes and times): once per process,
    or, in development (DEBUG), once a second, as templates change under runserver."""
    if settings.DEBUG:
        return _code_version_at(int(time.monotonic()))
    return _code_version_at(0)


@lru_cache(maxsize=1)
def _code_version_at(_moment: int) -> str:
    digest = hashlib.sha256()
    base = settings.BASE_DIR
    roots = [base / name for name in _SOURCE_DIRECTORIES]
    roots.append(base / "locale")
    for root in roots:
        for directory, _dirs, files in sorted(os.walk(root)):
            for name in sorted(files):
                if name.endswith(_SOURCE_SUFFIXES):
                    stat = os.stat(os.path.join(directory, name))
                    digest.update(f"{directory}/{name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    manifest = settings.STATIC_ROOT / "staticfiles.json"
    if manifest.exists():
        digest.update(manifest.read_bytes())
    return digest.hexdigest()[:12]


def fragment_key(*parts: object) -> str:
    """A bounded cache key for a rendered fragment (parts may hold any text)."""
    joined = "\x1f".join(str(part) for part in parts)
    return f"snowland:fragment:{code_version()}:{hashlib.sha256(joined.encode()).hexdigest()}"


# Fragments and lists live a day at most; a publish replaces them sooner.
FRAGMENT_TIMEOUT = 60 * 60 * 24


def cached_until_publish(request, name: str, *parts: object, build):
    """`build()`'s result, kept until the next publish (or a day). For what is the same
    for every visitor: never pass anything that depends on the user."""
    key = fragment_key(name, *parts, page_generation(request))
    value = cache_get_many([key]).get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout=FRAGMENT_TIMEOUT)
    return value


class CachedViewRestrictionsMixin:
    """For page models: Wagtail checks a page's view restrictions on every view, two
    queries (the page's ancestors, then their restrictions). cms.page_cache's middleware
    hands the page the restriction ids it found for the same route earlier, stamped with
    the publish generation (which a restriction change or a page move replaces); with
    none, the check then costs no query at all, and with some, one."""

    def get_view_restrictions(self):
        ids = self.__dict__.get(VIEW_RESTRICTION_IDS_ATTRIBUTE)
        if ids is None:
            return super().get_view_restrictions()
        return PageViewRestriction.objects.filter(pk__in=ids)
