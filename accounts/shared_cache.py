"""The shared cache as the hot paths use it (pages, fragments, permission sets,
sessions, verifications, credit standings): several keys read in one round trip, and
*stamps*, tokens that a write replaces to invalidate what was kept under the old one.
The lowest layer has it so that every app reads and stamps the cache the same way.

A stamp is replaced now and again once the write commits: a reader between the two
may have read the old rows and kept what it made under the new stamp; the second
replacement makes that unused. A missing stamp (first use, eviction, a restarted
Redis) is a new one, never a match.
"""

import logging
import weakref
from uuid import uuid4

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction

logger = logging.getLogger(__name__)

# One Redis client per backend (Django's backends are per thread), kept while it lives.
_redis_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def cache_get_many(keys: list[str]) -> dict:
    """`cache.get_many`, without the new Redis client Django's Redis backend makes for
    every call (a sixth of a cached page's cost here): one client per backend (the
    backends are per thread), on the backend's own connection pool and serializer.
    Any other backend, or a Django whose internals differ, takes the ordinary way."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if not isinstance(backend, RedisCache):
        return backend.get_many(keys)
    try:
        wrapper = backend._cache
        client = _redis_clients.get(wrapper)
        if client is None:
            client = _redis_clients[wrapper] = wrapper.get_client(None)
        loads = wrapper._serializer.loads
    except AttributeError:
        return backend.get_many(keys)
    key_map = {backend.make_and_validate_key(key): key for key in keys}
    values = client.mget(list(key_map))
    return {key_map[k]: loads(v) for k, v in zip(key_map, values, strict=True) if v is not None}


def stamp_replace(key: str, *, timeout: int | None = None, strict: bool = True) -> None:
    """Replace the stamp under `key` now and again when the current write commits.

    `strict`: a cache error now propagates (the write fails rather than leave stale
    entries behind); otherwise it is logged, and what the stamp guards expires on
    its own. After the commit an error is always only logged."""

    def replace() -> None:
        cache.set(key, uuid4().hex, timeout=timeout)

    try:
        replace()
    except Exception:
        if strict:
            raise
        logger.exception("Could not replace the cache stamp %s.", key)
    transaction.on_commit(replace, robust=True)


def unstamped(entry, *stamps) -> tuple | None:
    """What an entry stored as `(*stamps, *values)` holds, if it was stored under
    exactly these stamps (none of them missing); else None."""
    if not isinstance(entry, tuple) or None in stamps or entry[: len(stamps)] != stamps:
        return None
    return entry[len(stamps) :]


def stamp_current(key: str, found: str | None = None, *, timeout: int | None = None) -> str:
    """The stamp under `key` (`found`, when it was just read with other keys), made now
    if there is none: whoever adds first wins. If it vanishes meanwhile, a token
    nobody else has, under which nothing is ever served."""
    if found is not None:
        return found
    token = uuid4().hex
    if cache.add(key, token, timeout=timeout):
        return token
    return cache.get(key) or token
