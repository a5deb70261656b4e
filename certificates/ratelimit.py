"""A fixed-window limit on public verification lookups per IP address, in the cache."""

import time

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied


def client_ip(request) -> str:
    # allauth's reading of the address (and of trusted proxies), as for log-in limits.
    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return "unknown"


def verification_rate_exceeded(request) -> bool:
    """Count one lookup for the request's address; True once the window's limit is
    passed. Shared by every worker when the cache is Redis (production)."""
    window = settings.SNOWLAND_VERIFY_RATE_WINDOW_SECONDS
    key = f"certificates:verify:{client_ip(request)}:{int(time.time()) // window}"
    if cache.add(key, 1, timeout=window):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)
            count = 1
    return count > settings.SNOWLAND_VERIFY_RATE_LIMIT


def retry_after_seconds() -> int:
    window = settings.SNOWLAND_VERIFY_RATE_WINDOW_SECONDS
    return window - int(time.time()) % window
