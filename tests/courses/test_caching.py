"""courses/caching.py: the publish generation and the cache reads every page view makes."""

import uuid

import pytest
from django.core.cache import cache, caches
from django.test import override_settings

from accounts.shared_cache import cache_get_many
from courses.caching import page_generation, page_generation_bump
from tests.services import needs_redis


@pytest.mark.django_db
def test_a_bump_gives_a_new_generation():
    first = page_generation()
    assert page_generation() == first
    page_generation_bump()
    assert page_generation() != first


@pytest.mark.django_db
def test_a_request_reads_the_generation_once(rf):
    request = rf.get("/")
    first = page_generation(request)
    page_generation_bump()
    assert page_generation(request) == first  # a request sees one generation throughout
    assert page_generation() != first


def test_get_many_on_the_memory_cache():
    cache.set("a", 1)
    cache.set("b", {"x": [2]})
    assert cache_get_many(["a", "b", "missing"]) == {"a": 1, "b": {"x": [2]}}


@needs_redis
def test_get_many_on_redis_reads_what_django_wrote():
    prefix = f"test-{uuid.uuid4().hex}"
    redis_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/12",
            "KEY_PREFIX": prefix,
        }
    }
    with override_settings(CACHES=redis_cache):  # Django swaps the cache backends
        backend = caches["default"]
        backend.set("a", 1, timeout=30)
        backend.set("b", {"x": [2]}, timeout=30)
        assert cache_get_many(["a", "b", "missing"]) == {"a": 1, "b": {"x": [2]}}
        assert cache_get_many(["a"]) == {"a": 1}  # the kept client, again
        backend.delete_many(["a", "b"])
