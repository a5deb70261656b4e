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


def window_exceeded(*, key: str, limit: int, window: int) -> bool:
    """Count one hit for `key` in the current fixed window of `window` seconds; True once
    the window's `limit` is passed. Shared by every worker when the cache is Redis."""
    bucket = f"{key}:{int(time.time()) // window}"
    if cache.add(bucket, 1, timeout=window):
        count = 1
    else:
        try:
            count = cache.incr(bucket)
        except ValueError:  # expired between add and incr
            cache.set(bucket, 1, timeout=window)
            count = 1
    return count > limit


def seconds_left(window: int) -> int:
    return window - int(time.time()) % window


def verification_rate_exceeded(request) -> bool:
    """Count one public lookup for the request's address."""
    return window_exceeded(
        key=f"certificates:verify:{client_ip(request)}",
        limit=settings.SNOWLAND_VERIFY_RATE_LIMIT,
        window=settings.SNOWLAND_VERIFY_RATE_WINDOW_SECONDS,
    )


def retry_after_seconds() -> int:
    return seconds_left(settings.SNOWLAND_VERIFY_RATE_WINDOW_SECONDS)
