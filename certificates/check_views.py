"""The certificate check for HR officers and site administrators: /certificates/check/.

One page, four ways (`?by=`, also on the posts): verification code, serial number with full name, a
picture of the QR code, the PDF. Lookups are limited per user (looser than the public
page's limit per address). Signed-in users without the right get 403; anonymous
visitors go to the log-in page.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from certificates.check_forms import (
    QR_UPLOAD_MAX_BYTES,
    CheckCodeForm,
    CheckPdfForm,
    QrImageForm,
    SerialNameForm,
    qr_limit_message,
)
from certificates.check_selectors import (
    check_by_code,
    check_by_pdf,
    check_by_qr_image,
    check_by_serial_and_name,
    may_check_certificates,
)
from certificates.forms import upload_limit_message
from certificates.ratelimit import seconds_left, window_exceeded

METHODS = ("code", "serial", "qr", "pdf")
FORMS = {"code": CheckCodeForm, "serial": SerialNameForm, "qr": QrImageForm, "pdf": CheckPdfForm}
# Multipart framing around a file: a request larger than the limit and this is refused
# before its body is read.
_MULTIPART_ALLOWANCE = 64 * 1024


def _rate_limit() -> tuple[int, int]:
    """(lookups, window in seconds) per user."""
    return (
        getattr(settings, "SNOWLAND_HR_CHECK_RATE_LIMIT", 120),
        getattr(settings, "SNOWLAND_HR_CHECK_RATE_WINDOW_SECONDS", 600),
    )


def _rate_exceeded(user) -> bool:
    limit, window = _rate_limit()
    return window_exceeded(key=f"certificates:hr-check:{user.pk}", limit=limit, window=window)


def _retry_after() -> int:
    return seconds_left(_rate_limit()[1])


def _upload_limit(method: str) -> int:
    return QR_UPLOAD_MAX_BYTES if method == "qr" else settings.SNOWLAND_VERIFY_UPLOAD_MAX_BYTES


def _page(request, *, method: str, form=None, check=None, error: str = "", status=200):
    response = render(
        request,
        "certificates/check.html",
        {
            "method": method,
            "methods": METHODS,
            "form": form or FORMS[method](),
            "check": check,
            "error": error,
            "max_upload": _upload_limit(method),
            "rate_limited": status == 429,
            "minutes": max(1, _rate_limit()[1] // 60),
        },
        status=status,
    )
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    if status == 429:
        response["Retry-After"] = str(_retry_after())
    return response


def _run(request, method: str, form):
    data = form.cleaned_data
    user = request.user
    if method == "code":
        return check_by_code(user=user, code=data["code"])
    if method == "serial":
        return check_by_serial_and_name(user=user, serial=data["serial"], name=data["name"])
    if method == "qr":
        return check_by_qr_image(user=user, data=data["image"])
    return check_by_pdf(user=user, data=data["pdf"])


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def certificate_check(request):
    if not may_check_certificates(user=request.user):
        raise PermissionDenied
    # The way is in the query string, even for a post: the body of an upload that is
    # too large must not be read to find it.
    method = request.GET.get("by")
    if method not in METHODS:
        method = "code"
    if request.method == "GET":
        return _page(request, method=method)
    if _rate_exceeded(request.user):
        return _page(request, method=method, status=429)
    if method in ("qr", "pdf"):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > _upload_limit(method) + _MULTIPART_ALLOWANCE:
            # Refused before the body is read.
            message = qr_limit_message() if method == "qr" else upload_limit_message()
            return _page(request, method=method, error=message, status=413)
    form = FORMS[method](request.POST, request.FILES)
    if not form.is_valid():
        too_large = getattr(form, "too_large", False)
        return _page(request, method=method, form=form, status=413 if too_large else 200)
    return _page(request, method=method, form=FORMS[method](), check=_run(request, method, form))
