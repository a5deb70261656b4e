from django.conf import settings
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from config.api import api
from config.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),  # load balancers (config/health.py)
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    path("profile/", include("accounts.urls")),
    path("learn/", include("lms.urls")),
    path("certificates/", include("certificates.urls")),
    path("verify/", include("certificates.verify_urls")),
    path("api/v1/", api.urls),
    # Without a CSRF token, so that public pages carry no per-visitor token and can be
    # cached (cms/page_cache.py); a forged post could only switch the language.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
elif getattr(settings, "SNOWLAND_SERVE_MEDIA", False):
    # The one-machine stack, with no web server in front and media on disk, serves the
    # images itself (docs/deployment.md). Documents are left out: Wagtail's /documents/
    # view sends them after checking their collection's privacy.
    import os

    from django.urls import re_path
    from django.views.static import serve

    urlpatterns += [
        # Each folder is its own root, so "images/../documents/…" leads nowhere.
        re_path(
            rf"^media/{folder}/(?P<path>.+)$",
            serve,
            {"document_root": os.path.join(str(settings.MEDIA_ROOT), folder)},
        )
        for folder in ("images", "original_images")
    ]

if settings.SNOWLAND_BENCH_FLOOR:
    # `make bench` measures every page against this constant view, served through the
    # same middleware (docs/performance.md). Never set in production.
    from django.http import HttpResponse

    urlpatterns.append(path("bench/floor/", lambda request: HttpResponse(b"floor")))

urlpatterns += [path("", include(wagtail_urls))]
