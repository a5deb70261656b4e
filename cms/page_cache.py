"""Public pages served from the cache, and what every page view can reuse.

`PageCacheMiddleware` sits right after WhiteNoise, before sessions, so that a hit costs
one cache read and no database query, session or user lookup. It does two things:

1. **Anonymous page cache.** A GET or HEAD from a visitor who carries no cookie but
   the CSRF and language ones and no Authorization header, for a page type that opts
   in (`CACHEABLE_PAGE_TYPES`), is answered from the cache (Redis in production),
   keyed by scheme, host, path, the normalised query, the language LocaleMiddleware
   would choose and the code version; the entry is stamped with the publish
   generation (courses.caching), so that any publish or snippet edit invalidates
   every page at once. Only a plain 200 that set no cookie, used no CSRF token and
   is not marked private is stored. Signed-in visitors (they carry a session cookie)
   are never served from it and never fill it. `X-Cache: hit|miss` says which.

   The query string is bounded: only the catalogue's filters (with short, plain
   values) and its page number are kept, blank ones dropped, in a fixed order; the
   request is rewritten to that canonical form so that the page rendered is exactly
   the one stored. A search (`q`) or any other parameter bypasses the cache, and the
   catalogue's page is stored only when every filter was valid and the page number
   existed, so the number of entries stays bounded by the catalogue itself.

2. **Per-view reuse, for everyone.** Wagtail's site and its root paths, the page for
   the path (the page object itself: routing a lesson costs five queries) with the ids
   of the view restrictions above it, and the site settings are the same for every
   visitor until the next publish: they are read in the same round trip as the
   generation and handed to Wagtail through the attributes it caches them under on the
   request. Privacy is still checked on every view, against the restrictions
   themselves (courses.caching.CachedViewRestrictionsMixin).

Invalidation (`connect_invalidation`, from CmsConfig.ready): publishing, unpublishing,
moving, saving or deleting a page, a view restriction, a course category or audience,
an image or document, the site or its settings replaces the generation.
"""

import copy
import hashlib
import re
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse, QueryDict
from django.http.request import split_domain_port
from django.utils import translation
from wagtail import hooks
from wagtail.contrib.settings.models import BaseSiteSetting
from wagtail.contrib.settings.registry import registry as settings_registry
from wagtail.documents.models import AbstractDocument
from wagtail.images.models import AbstractImage
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move
from wagtail.url_routing import RouteResult

from accounts.shared_cache import cache_get_many, unstamped
from cms.models import HomePage, StandardPage
from courses.caching import (
    GENERATION_KEY,
    VIEW_RESTRICTION_IDS_ATTRIBUTE,
    code_version,
    page_generation_bump,
    remember_generation,
    rendered_for_anyone,
    request_is_anonymous,
)
from courses.models import (
    AudienceProfession,
    AudienceTitleLevel,
    CourseCategory,
    CourseIndexPage,
    CoursePage,
    LessonPage,
)

# Page types whose page is the same for every anonymous visitor.
CACHEABLE_PAGE_TYPES = (HomePage, StandardPage, CourseIndexPage, CoursePage, LessonPage)
# Paths the middleware leaves alone: no page, nor the site's chrome, to reuse.
EXCLUDED_PREFIXES = (
    "/admin/",
    "/api/",
    "/bench/",
    "/documents/",
    "/healthz",
    "/i18n/",
    "/media/",
    "/static/",
)
# The site's own views (never Wagtail pages, often personal): never served from the
# page cache, but their base template shows the site's name and settings, which are
# handed over as on pages.
NOT_PAGE_PREFIXES = (
    "/accounts/",
    "/certificates/",
    "/learn/",
    "/profile/",
    "/verify/",
)
# The catalogue's filters and page number; `q` (free text) is not among them.
CACHEABLE_QUERY_KEYS = frozenset(
    {"category", "credit_class", "subject_type", "profession", "language", "page"}
)
_QUERY_VALUE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_MAX_QUERY_LENGTH = 400
_STORED_HEADERS_SKIPPED = frozenset({"set-cookie", "x-cache"})
# Routes and settings live a day at most: the generation invalidates them sooner.
_SHARED_TIMEOUT = 60 * 60 * 24


def _timeout() -> int:
    return getattr(settings, "SNOWLAND_PAGE_CACHE_SECONDS", 600)


def canonical_query(query_string: str) -> str | None:
    """The cacheable form of a query string, or None when it must not be cached."""
    if not query_string:
        return ""
    if len(query_string) > _MAX_QUERY_LENGTH:
        return None
    kept: dict[str, str] = {}
    for key, value in parse_qsl(query_string, keep_blank_values=True):
        if not value:
            continue  # an empty filter from the form (q= included) filters nothing
        if key not in CACHEABLE_QUERY_KEYS or key in kept or not _QUERY_VALUE.match(value):
            return None
        kept[key] = value
    return urlencode(sorted(kept.items()))


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


def _page_key(request, host: str, query: str, language: str) -> str:
    return f"snowland:page:{code_version()}:" + _digest(
        request.scheme, host, request.path, query, language
    )


def _site_key(request) -> str:
    """Wagtail finds the site by host name and port: so does this key."""
    hostname = split_domain_port(request._get_raw_host())[0]
    return f"snowland:site:{code_version()}:{_digest(hostname, request.get_port())}"


def _site_settings_models() -> list:
    return [model for model in settings_registry if issubclass(model, BaseSiteSetting)]


class _Shared:
    """The keys of what one view shares with the next ones, and what the cache held."""

    def __init__(self, request, *, is_page: bool = True):
        self.site_key = _site_key(request)
        # Only a path that may be a page has a route worth remembering.
        self.route_key = f"{self.site_key}:route:{_digest(request.path)}" if is_page else None
        self.setting_keys = {
            f"{self.site_key}:setting:{model._meta.label_lower}": model
            for model in _site_settings_models()
        }
        self.found: dict = {}
        self.generation = ""

    @property
    def keys(self) -> list[str]:
        route = [self.route_key] if self.route_key else []
        return [GENERATION_KEY, self.site_key, *route, *self.setting_keys]

    def fresh(self, key: str | None):
        value = unstamped(self.found.get(key), self.generation) if key else None
        return value[0] if value else None

    def hand_to_wagtail(self, request) -> None:
        """Set what Wagtail would otherwise look up, where it caches it on the request."""
        entry = self.fresh(self.site_key)
        if entry is None:
            return
        site, root_paths = entry
        request._wagtail_site = site
        if root_paths is not None:  # what page URLs are computed from (Site.get_site_root_paths)
            request._wagtail_cached_site_root_paths = root_paths
        for key, model in self.setting_keys.items():
            instance = self.fresh(key)
            if instance is not None and instance.site_id == site.pk:
                instance._request = request
                setattr(request, model.get_cache_attr_name(), instance)
        route = self.fresh(self.route_key)
        if route is not None:
            page, restriction_ids = route
            # Read by CachedViewRestrictionsMixin: the privacy check needs no ancestors.
            setattr(page, VIEW_RESTRICTION_IDS_ATTRIBUTE, restriction_ids)
            request._wagtail_route_for_request = RouteResult(page)

    def entries_to_store(self, request) -> dict:
        """What this view looked up that the next view of any visitor can reuse."""
        entries: dict[str, object] = {}
        site = request.__dict__.get("_wagtail_site")
        if site is None:
            return entries
        if self.fresh(self.site_key) is None:
            root_paths = request.__dict__.get("_wagtail_cached_site_root_paths")
            entries[self.site_key] = (self.generation, (site, root_paths))
        for key, model in self.setting_keys.items():
            instance = request.__dict__.get(model.get_cache_attr_name())
            if instance is not None and instance.site_id == site.pk and self.fresh(key) is None:
                entries[key] = (self.generation, _detached(instance))
        route = request.__dict__.get("_wagtail_route_for_request")
        if route is not None and self.route_key and self.fresh(self.route_key) is None:
            page, args, kwargs = route
            if not args and not kwargs and page.live:
                # A fresh copy: the one served may carry what this request attached.
                clean = type(page).objects.get(pk=page.pk)
                restrictions = list(clean.get_view_restrictions().values_list("pk", flat=True))
                entries[self.route_key] = (self.generation, (clean, restrictions))
        return entries


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or request.path.startswith(EXCLUDED_PREFIXES):
            return self.get_response(request)
        try:
            host = request.get_host()
        except DisallowedHost:
            return self.get_response(request)  # Django answers it as it always does
        page_key = language = None
        is_page = not request.path.startswith(NOT_PAGE_PREFIXES)
        if is_page and _timeout() > 0 and request_is_anonymous(request):
            query = canonical_query(request.META.get("QUERY_STRING", ""))
            if query is not None:
                language = translation.get_language_from_request(request, check_path=False)
                page_key = _page_key(request, host, query, language)
                if query != request.META.get("QUERY_STRING", ""):
                    # The view renders exactly the variant that is stored.
                    request.META["QUERY_STRING"] = query
                    request.GET = QueryDict(query)
        if page_key:
            # A hit needs the generation and the page, nothing more.
            found = cache_get_many([GENERATION_KEY, page_key])
            generation = remember_generation(request, found.get(GENERATION_KEY))
            stored = unstamped(found.get(page_key), generation)
            if stored:
                return _response_from(stored, head=request.method == "HEAD")
        # One round trip: the generation and what any view of this path can reuse.
        shared = _Shared(request, is_page=is_page)
        shared.found = cache_get_many(shared.keys)
        shared.generation = remember_generation(request, shared.found.get(GENERATION_KEY))
        shared.hand_to_wagtail(request)
        response = self.get_response(request)

        if response.status_code == 200:
            entries = shared.entries_to_store(request)
            if entries:
                cache.set_many(entries, timeout=_SHARED_TIMEOUT)
            if page_key and _may_store(request, response, language):
                stored = (shared.generation, *_stored_form(response))
                cache.set(page_key, stored, timeout=_timeout())
        if page_key:
            response.headers.setdefault("X-Cache", "miss")
        return response


def _detached(instance):
    clone = copy.copy(instance)
    clone.__dict__.pop("_request", None)
    return clone


def _may_store(request, response, language) -> bool:
    """Only a page that is the same for every anonymous visitor."""
    if request.method != "GET" or not getattr(response, "page_cache", False):
        return False
    if response.streaming or response.cookies or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if any(word in cache_control for word in ("private", "no-store", "no-cache")):
        return False
    if not rendered_for_anyone(request):
        return False
    return response.get("Content-Language") == language


def _stored_form(response) -> tuple:
    headers = [
        (name, value)
        for name, value in response.items()
        if name.lower() not in _STORED_HEADERS_SKIPPED
    ]
    return response.status_code, headers, response.content


def _response_from(stored, *, head: bool) -> HttpResponse:
    status, headers, content = stored
    response = HttpResponse(b"" if head else content, status=status)
    for name, value in headers:
        response.headers[name] = value
    response.headers["X-Cache"] = "hit"
    return response


@hooks.register("on_serve_page")
def mark_cacheable_pages(serve):
    """Mark the responses of page types that are the same for every anonymous visitor
    (the middleware still decides whether the visitor was anonymous)."""

    def inner(page, request, args, kwargs):
        response = serve(page, request, args, kwargs)
        if isinstance(page, CACHEABLE_PAGE_TYPES) and _bounded_variant(page, request, response):
            response.page_cache = True
        return response

    return inner


def _bounded_variant(page, request, response) -> bool:
    """A catalogue page is kept only for valid filters and an existing page number."""
    if not isinstance(page, CourseIndexPage):
        return not request.GET
    context = getattr(response, "context_data", None) or {}
    courses, filters = context.get("courses"), context.get("active_filters")
    if courses is None or filters is None:
        return False
    asked = {key for key in request.GET if key != "page"}
    if asked != set(filters):
        return False
    page_number = request.GET.get("page")
    return page_number is None or page_number == str(courses.number)


# Invalidation ------------------------------------------------------------------

_INVALIDATING_MODELS = (
    Page,
    PageViewRestriction,
    Site,
    BaseSiteSetting,
    CourseCategory,
    AudienceProfession,
    AudienceTitleLevel,
    AbstractImage,
    AbstractDocument,
)


def _on_model_change(sender, **kwargs) -> None:
    if not issubclass(sender, _INVALIDATING_MODELS):
        return
    if kwargs.get("created") and issubclass(sender, BaseSiteSetting):
        return  # made with its defaults on a first view: nothing rendered changes
    page_generation_bump()


def _on_page_event(sender, **kwargs) -> None:
    page_generation_bump()


def connect_invalidation() -> None:
    post_save.connect(_on_model_change, dispatch_uid="snowland_page_cache_save")
    post_delete.connect(_on_model_change, dispatch_uid="snowland_page_cache_delete")
    page_published.connect(_on_page_event, dispatch_uid="snowland_page_cache_published")
    page_unpublished.connect(_on_page_event, dispatch_uid="snowland_page_cache_unpublished")
    post_page_move.connect(_on_page_event, dispatch_uid="snowland_page_cache_moved")
