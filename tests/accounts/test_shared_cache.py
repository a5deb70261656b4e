"""Stamps: replaced now and again at commit; a missing one is a new one."""

from unittest import mock

import pytest
from django.core.cache import cache

from accounts import shared_cache
from accounts.shared_cache import stamp_current, stamp_replace

pytestmark = pytest.mark.django_db


def test_a_stamp_is_replaced_now_and_again_at_commit(django_capture_on_commit_callbacks):
    cache.set("stamp", "old")
    with django_capture_on_commit_callbacks(execute=True):
        stamp_replace("stamp")
        during = cache.get("stamp")
        assert during not in (None, "old")
    assert cache.get("stamp") not in (None, "old", during)


def test_a_missing_stamp_is_made_once_and_then_kept():
    first = stamp_current("stamp")
    assert stamp_current("stamp") == first == cache.get("stamp")
    assert stamp_current("stamp", "read-with-other-keys") == "read-with-other-keys"


def test_a_cache_error_fails_the_write_unless_told_otherwise(caplog):
    with mock.patch.object(shared_cache.cache, "set", side_effect=ConnectionError("down")):
        with pytest.raises(ConnectionError):
            stamp_replace("stamp")
        stamp_replace("stamp", strict=False)
    assert "Could not replace the cache stamp stamp." in caplog.text
