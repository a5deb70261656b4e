"""Django's cached_db sessions, read through `accounts.shared_cache`.

Every signed-in request reads its session from the cache first; Django's Redis
backend builds a new client for each read, which costs more than the read itself
on the heartbeat. The store is otherwise Django's own (written to the database and
the cache, read from the database when the cache lacks it).
"""

from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.core.cache import DEFAULT_CACHE_ALIAS

from accounts.shared_cache import cache_get_many


class SessionStore(cached_db.SessionStore):
    def load(self):
        if settings.SESSION_CACHE_ALIAS == DEFAULT_CACHE_ALIAS:
            try:
                data = cache_get_many([self.cache_key]).get(self.cache_key)
            except Exception:  # an invalid key or a cache error: Django's way decides
                data = None
            if data is not None:
                return data
        return super().load()
