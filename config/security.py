"""Security headers Django 5.2 does not send itself: Content-Security-Policy and
Permissions-Policy.

The site's policy is `CONTENT_SECURITY_POLICY` in the base settings (django-csp 4). This
middleware adds two things to django-csp's:

* The Wagtail admin (under /admin/, with the page and certificate-template previews
  it frames) uses inline scripts of its own, so there `script-src` allows them,
  `img-src` allows `blob:` (image uploads preview from memory) and the admin may frame
  its own previews. Everything else keeps the strict policy; only people with admin
  access reach these pages.
* Wagtail's previews render the page through a made-up request for its public URL;
  the admin request around it decides the policy.
* PDF responses (certificates, transcripts, documents) get no policy: Chromium's
  built-in PDF viewer runs in a synthetic page that inherits the PDF's policy and
  stays blank under `default-src 'self'` (crbug.com/271452). A PDF runs no script of
  ours; X-Frame-Options and nosniff still apply.
* JSON responses (the heartbeat, the API, the public keys) are never rendered: they
  get a fixed policy that allows nothing, without building the site's policy for each
  one (the heartbeat is the most frequent request there is).
"""

from __future__ import annotations

from collections.abc import Callable

from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase

ADMIN_PREFIXES = ("/admin/",)
ADMIN_REPLACE = {"script-src": [SELF, UNSAFE_INLINE], "frame-ancestors": [SELF]}
ADMIN_UPDATE = {"img-src": ["blob:"]}
NO_POLICY_CONTENT_TYPES = ("application/pdf",)
DATA_CONTENT_TYPES = ("application/json",)
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"

# Powerful browser features the site never uses, denied to it and to anything it frames.
DEFAULT_PERMISSIONS_POLICY = {
    "accelerometer": [],
    "camera": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "payment": [],
    "usb": [],
}


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        content_type = response.get("Content-Type", "")
        if content_type.startswith(NO_POLICY_CONTENT_TYPES):
            return response
        if content_type.startswith(DATA_CONTENT_TYPES):
            response.headers.setdefault("Content-Security-Policy", DATA_POLICY)
            return response
        if getattr(request, "is_dummy", False):
            # Wagtail renders a preview by sending a made-up request for the page's
            # public URL through the middleware; the real (admin) request that shows
            # it sets the policy.
            return response
        return super().process_response(request, response)

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(ADMIN_PREFIXES):
            parts.replace = {**ADMIN_REPLACE, **(parts.replace or {})}
            parts.update = {**ADMIN_UPDATE, **(parts.update or {})}
        return parts


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """{"camera": [], "fullscreen": ["self"]} → 'camera=(), fullscreen=(self)'."""
    return ", ".join(f"{feature}=({' '.join(allow)})" for feature, allow in policy.items())


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        policy = getattr(settings, "PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY)
        self.header = permissions_policy_header(policy)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
