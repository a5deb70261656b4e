"""Sessions: Django's cached_db store, read through accounts.shared_cache."""

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache

from accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_session_is_read_from_the_cache_then_from_the_database(django_assert_num_queries):
    store = SessionStore()
    store["lesson"] = 42
    store.create()
    with django_assert_num_queries(0):
        assert SessionStore(store.session_key)["lesson"] == 42
    cache.clear()  # evicted, or Redis restarted: the database still has it
    with django_assert_num_queries(1):
        assert SessionStore(store.session_key)["lesson"] == 42
    with django_assert_num_queries(0):  # and the cache has it again
        assert SessionStore(store.session_key)["lesson"] == 42


def test_a_deleted_session_is_gone(client):
    store = SessionStore()
    store["lesson"] = 42
    store.create()
    store.delete()
    assert not Session.objects.filter(session_key=store.session_key).exists()
    assert SessionStore(store.session_key).get("lesson") is None


def test_signing_in_and_out_works_through_it(client, learner):
    client.force_login(learner)
    assert client.get("/learn/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/learn/").status_code == 302
