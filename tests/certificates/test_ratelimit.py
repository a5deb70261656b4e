"""The fixed-window lookup limit (certificates.ratelimit), shared by public verification
and the HR check page: the count, the window, and one round trip on Redis."""

import uuid

import pytest
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.test import override_settings

from certificates import ratelimit
from tests.services import needs_redis

WINDOW = 600


@pytest.fixture
def now(monkeypatch):
    """The clock the limit reads, set by the test."""
    clock = {"t": 1_800_000_000.0}
    monkeypatch.setattr(ratelimit.time, "time", lambda: clock["t"])
    return clock


def test_the_limit_is_passed_after_limit_hits_in_a_window(now):
    hits = [ratelimit.window_exceeded(key="t:a", limit=3, window=WINDOW) for _ in range(5)]
    assert hits == [False, False, False, True, True]
    # Another key counts apart.
    assert not ratelimit.window_exceeded(key="t:b", limit=3, window=WINDOW)


def test_a_new_window_starts_afresh(now):
    for _ in range(4):
        ratelimit.window_exceeded(key="t:a", limit=3, window=WINDOW)
    assert ratelimit.window_exceeded(key="t:a", limit=3, window=WINDOW)
    now["t"] += WINDOW
    assert not ratelimit.window_exceeded(key="t:a", limit=3, window=WINDOW)


def test_seconds_left_in_the_window(now):
    now["t"] = WINDOW * 1000 + 100
    assert ratelimit.seconds_left(WINDOW) == WINDOW - 100


def test_a_counter_that_expired_between_add_and_incr_counts_one(now, monkeypatch):
    monkeypatch.setattr(cache, "add", lambda *args, **kwargs: False)  # "it was there"
    assert not ratelimit.window_exceeded(key="t:gone", limit=1, window=WINDOW)
    assert cache.get(f"t:gone:{int(now['t']) // WINDOW}") == 1


@needs_redis
def test_on_redis_a_hit_is_one_command_and_the_counter_expires_with_its_window(now, monkeypatch):
    prefix = f"test-ratelimit-{uuid.uuid4().hex}"
    redis_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            "KEY_PREFIX": prefix,
        }
    }
    with override_settings(CACHES=redis_cache):
        backend = caches[DEFAULT_CACHE_ALIAS]
        client = ratelimit._redis_writer(backend)
        assert client is not None
        commands: list[str] = []
        real = client.execute_command

        def counted(*args, **kwargs):
            commands.append(args[0])
            return real(*args, **kwargs)

        monkeypatch.setattr(client, "execute_command", counted)
        try:
            hits = [ratelimit.window_exceeded(key="t:r", limit=2, window=WINDOW) for _ in range(4)]
            assert hits == [False, False, True, True]
            # The window's first hit creates the counter and sets its expiry; every
            # other hit is a single INCRBY.
            assert commands == ["INCRBY", "EXPIRE", "INCRBY", "INCRBY", "INCRBY"]
            bucket = f"t:r:{int(now['t']) // WINDOW}"
            key = backend.make_and_validate_key(bucket)
            assert 0 < real("TTL", key) <= WINDOW
            assert backend.get(bucket) == 4  # the cache API reads the same counter
        finally:
            for key in real("KEYS", f"{prefix}:*"):
                real("DEL", key)
