"""A fixed-window limit on lookups per key (an IP address, a user), in the cache.

Counting a hit is one round trip on Redis (the production cache): a single INCR, which
creates the window's counter at 1, and its expiry set by whoever created it (a second
command, once per window and address). Other backends (the memory cache of development
and tests) take Django's portable add-then-incr.
"""

import time
import weakref

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import PermissionDenied

# One Redis client per backend (Django's backends are per thread) on the backend's own
# connection pool: Django's backend makes a new client for every call.
_redis_writers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def client_ip(request) -> str:
    # allauth's reading of the address (and of trusted proxies), as for log-in limits.
    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return "unknown"


def _redis_writer(backend: RedisCache):
    """The backend's write client, or None when Django's internals differ."""
    try:
        wrapper = backend._cache
        client = _redis_writers.get(wrapper)
        if client is None:
            client = _redis_writers[wrapper] = wrapper.get_client(None, write=True)
    except AttributeError:
        return None
    return client


def _count_on_redis(backend: RedisCache, client, bucket: str, window: int) -> int:
    key = backend.make_and_validate_key(bucket)
    # An int stays an int in Redis (Django pickles anything else), so the cache API
    # reads the same counter.
    count = int(client.incr(key))
    if count == 1:
        # The window's first hit made the counter: it expires with the window. (Were the
        # process killed in between, a counter of a past window would stay, unread.)
        client.expire(key, window)
    return count


def _count_portably(bucket: str, window: int) -> int:
    if cache.add(bucket, 1, timeout=window):
        return 1
    try:
        return cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.set(bucket, 1, timeout=window)
        return 1


def window_exceeded(*, key: str, limit: int, window: int) -> bool:
    """Count one hit for `key` in the current fixed window of `window` seconds; True once
    the window's `limit` is passed. Shared by every worker when the cache is Redis."""
    bucket = f"{key}:{int(time.time()) // window}"
    backend = caches[DEFAULT_CACHE_ALIAS]
    client = _redis_writer(backend) if isinstance(backend, RedisCache) else None
    if client is not None:
        count = _count_on_redis(backend, client, bucket, window)
    else:
        count = _count_portably(bucket, window)
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
