"""Refusals in the Wagtail admin answered with 403, not with a redirect.

Wagtail refuses a signed-in user with a redirect: to its login page when the user may
not enter the admin at all ("You do not have permission to access the admin."), and to
the dashboard when they may enter but not use this screen ("Sorry, you do not have
permission to access this area."). A redirect hides the refusal, and the login page
invites a learner to sign in again as somebody else; on this platform every forbidden
request is answered 403 or 404 (see tests/test_authorisation_matrix.py).

`AdminRefusalMiddleware` turns exactly those two redirects into the site's 403 page,
which shows Wagtail's message with any other queued one (so none waits for the next
page). Anonymous visitors keep the redirect to the admin's login, and the login, logout
and password-reset screens are never touched. It must come after the authentication and
message middleware (it reads `request.user` and the queued messages).
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import get_resolver, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import escape
from django.utils.translation import gettext

ADMIN_ACCESS_PERMISSION = "wagtailadmin.access_admin"

# Wagtail's own messages (wagtail/admin/auth.py), translated by Wagtail's catalogue.
NO_ADMIN_ACCESS = "You do not have permission to access the admin."
NO_AREA_ACCESS = "Sorry, you do not have permission to access this area."

# The admin's screens for signing in and out, which refuse nobody.
OPEN_ADMIN_VIEWS = frozenset(
    {
        "wagtailadmin_login",
        "wagtailadmin_logout",
        "wagtailadmin_password_reset",
        "wagtailadmin_password_reset_done",
        "wagtailadmin_password_reset_confirm",
        "wagtailadmin_password_reset_complete",
    }
)


def _has_message(request: HttpRequest, msgid: str) -> bool:
    """Whether Wagtail queued its message `msgid` (in the request's language); the
    messages stay queued, to be shown on the 403 page."""
    text = escape(gettext(msgid))
    storage = messages.get_messages(request)
    found = any(text in str(message.message) for message in storage)
    storage.used = False  # looked at, not shown: keep them all
    return found


def _forbidden(request: HttpRequest) -> HttpResponse:
    handler = get_resolver().resolve_error_handler(403)
    response = handler(request, PermissionDenied())
    add_never_cache_headers(response)
    return response


class AdminRefusalMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 302:
            return response
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return response
        admin_home = reverse("wagtailadmin_home")
        if not request.path.startswith(admin_home):
            return response
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_ADMIN_VIEWS:
            return response
        location = response.get("Location", "")
        if not user.has_perm(ADMIN_ACCESS_PERMISSION):
            # Not an admin user at all: Wagtail sends them to its login page.
            if location.startswith(reverse("wagtailadmin_login")):
                return _forbidden(request)
            return response
        # An admin user refused one screen: Wagtail sends them to the dashboard with
        # its message; any other redirect to the dashboard is left alone.
        refused = location == admin_home and request.path != admin_home
        if refused and _has_message(request, NO_AREA_ACCESS):
            return _forbidden(request)
        return response
