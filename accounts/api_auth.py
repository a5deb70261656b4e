"""How the HR API knows its caller: an API key, as a bearer token or in `X-API-Key`.

Each class returns the `ApiKey` (django-ninja sets it as `request.auth`) or None,
and ninja answers 401 when every class returned None. A malformed, unknown, revoked
or expired key are all the same None: the caller learns nothing about which.
"""

from django.http import HttpRequest
from ninja.security import APIKeyHeader, HttpBearer
from ninja.throttling import SimpleRateThrottle

from accounts.api_keys import ApiKey
from accounts.selectors import api_key_authenticate
from accounts.services import api_key_record_use


def _authenticate(presented: str | None) -> ApiKey | None:
    key = api_key_authenticate(presented=(presented or "").strip())
    if key is not None:
        api_key_record_use(key=key)
    return key


class ApiKeyBearer(HttpBearer):
    """`Authorization: Bearer scme_…`"""

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        return _authenticate(token)


class ApiKeyHeader(APIKeyHeader):
    """`X-API-Key: scme_…`, for clients that cannot set an Authorization header."""

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiKey | None:
        return _authenticate(key)


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Requests per key (counted in the cache): one runaway client cannot starve the
    others. Runs after authentication, so `request.auth` is the key."""

    scope = "api_key"
    cache_format = "api-throttle-%(scope)s-%(ident)s"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        key = getattr(request, "auth", None)
        if not isinstance(key, ApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": key.pk}


def api_key_auth() -> list:
    return [ApiKeyBearer(), ApiKeyHeader()]
