"""Public verification of certificates: by code, by name, by uploaded PDF; and the keys.

Anyone may verify, nobody may list: a certificate is found only by its unguessable
code (or by its exact PDF), lookups are limited per IP address, and an unknown code
and a malformed one get the same calm answer. A certificate's result is kept in the
cache until the certificate changes (certificates.verify_cache).
"""

from django.conf import settings
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from certificates.forms import CodeForm, NameCheckForm, PdfUploadForm, upload_limit_message
from certificates.ratelimit import retry_after_seconds, verification_rate_exceeded
from certificates.selectors import (
    certificate_check_pdf,
    is_well_formed_code,
    mask_name,
    name_matches,
)
from certificates.signing import public_keys
from certificates.verify_cache import (
    csrf_placeholder,
    page_response,
    page_store,
    verification_for,
    verification_lookup,
)

# Multipart framing around the file: a request larger than the limit and this is
# refused before its body is read.
_MULTIPART_ALLOWANCE = 64 * 1024


def _private(response):
    # The URL holds the code: keep it out of other sites' logs and out of search engines.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _too_many(request):
    response = render(
        request,
        "certificates/verify_rate_limited.html",
        {"minutes": max(1, settings.SNOWLAND_VERIFY_RATE_WINDOW_SECONDS // 60)},
        status=429,
    )
    response["Retry-After"] = str(retry_after_seconds())
    return _private(response)


def _home(request, *, code_form=None, upload_form=None, upload_error="", status=200):
    return _private(
        render(
            request,
            "certificates/verify_form.html",
            {
                "code_form": code_form or CodeForm(),
                "upload_form": upload_form or PdfUploadForm(),
                "upload_error": upload_error,
                "max_upload": settings.SNOWLAND_VERIFY_UPLOAD_MAX_BYTES,
                "keys_url": request.build_absolute_uri(reverse("verify:keys")),
            },
            status=status,
        )
    )


def _result(request, *, code: str, name_form=None, name_checked=False):
    lookup = verification_lookup(request=request, code=code, language=translation.get_language())
    if lookup.page is not None:  # the same page for every anonymous visitor, kept
        placeholder, body = lookup.page
        return _private(page_response(request, placeholder=placeholder, body=body))
    verification = verification_for(lookup)
    certificate = verification.certificate
    matched = bool(
        certificate
        and name_checked
        and name_form is not None
        and name_form.is_valid()
        and name_matches(certificate=certificate, name=name_form.cleaned_data["name"])
    )
    # Rendered with a stand-in for the CSRF token, so that the page can be kept for
    # others; each visitor gets a token of their own in its place.
    placeholder = csrf_placeholder()
    context = {
        "certificate": certificate,
        "code": code,
        "intact": verification.intact,
        "masked_name": mask_name(certificate.learner_name) if certificate else "",
        "name_form": NameCheckForm() if matched or name_form is None else name_form,
        "name_checked": name_checked and certificate is not None,
        "name_matched": matched,
        "csrf_token": placeholder,
    }
    body = render_to_string("certificates/verify_result.html", context, request).encode()
    page_store(request, lookup, placeholder=placeholder, body=body)
    return _private(page_response(request, placeholder=placeholder.encode(), body=body))


@never_cache
@require_GET
def verify_home(request):
    if "code" not in request.GET:
        return _home(request)
    form = CodeForm(request.GET)
    if not form.is_valid():
        return _home(request, code_form=form)
    code = form.cleaned_data["code"]
    if is_well_formed_code(code):
        return redirect("verify:result", code=code)
    # Malformed: the same answer as an unknown code, and no query.
    if verification_rate_exceeded(request):
        return _too_many(request)
    return _result(request, code=code)


@never_cache
@require_http_methods(["GET", "POST"])
def verify_result(request, code: str):
    if verification_rate_exceeded(request):
        return _too_many(request)
    if request.method == "POST":
        return _result(request, code=code, name_form=NameCheckForm(request.POST), name_checked=True)
    return _result(request, code=code)


@never_cache
@require_http_methods(["GET", "POST"])
def verify_upload(request):
    if request.method == "GET":
        return HttpResponseRedirect(reverse("verify:home"))
    if verification_rate_exceeded(request):
        return _too_many(request)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.SNOWLAND_VERIFY_UPLOAD_MAX_BYTES + _MULTIPART_ALLOWANCE:
        # Refused before the body is read.
        return _home(request, upload_error=upload_limit_message(), status=413)
    form = PdfUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _home(request, upload_form=form, status=413 if form.too_large else 200)
    check = certificate_check_pdf(data=form.cleaned_data["pdf"])
    context = {
        "check": check,
        "verdict": check.verdict.value,
        "certificate": check.certificate,
        "masked_name": mask_name(check.certificate.learner_name) if check.certificate else "",
    }
    return _private(render(request, "certificates/verify_upload_result.html", context))


@require_GET
def keys_json(request):
    """The public keys that verify certificates, by key id (a stable URL)."""
    response = JsonResponse(
        {
            "algorithm": "Ed25519",
            "encoding": "base64url, raw 32-byte public keys",
            "key_id": "first 16 hex characters of SHA-256 of the raw public key",
            "keys": public_keys(),
        },
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response
