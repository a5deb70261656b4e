"""The read-only HR API, version 1, under /api/v1/ (docs/decisions/0011).

Every data endpoint needs an API key (`Authorization: Bearer scme_…` or
`X-API-Key: scme_…`) and is counted per key; the OpenAPI schema (/api/v1/openapi.json)
and the browsable docs (/api/v1/docs, served from local static files) are public.
"""

from django.conf import settings
from ninja import NinjaAPI, Swagger

from accounts.api_auth import ApiKeyRateThrottle, api_key_auth
from certificates.api import router as certificates_router
from lms.api import router as staff_router

# Requests per key; getattr so that an environment may set it without a new setting.
API_KEY_RATE = getattr(settings, "SNOWLAND_API_RATE", "600/min")

DESCRIPTION = """
Read-only access for hospital and health-commission HR systems to the CME records of
their staff: the staff, their yearly compliance and credit ledger, their certificates.

**Keys.** A site administrator makes a key for one institution in the admin
(Settings → API keys); the key reads the staff of that institution and of every
institution beneath it, and is shown once. Send it as `Authorization: Bearer <key>`
or `X-API-Key: <key>`. A missing, malformed, revoked or expired key is a 401; a
person outside the key's scope is a 404.

**Pages.** Lists take `limit` (at most 200) and `offset` and answer
`{"items": [...], "count": n}`.

**Amounts** are strings with two decimals ("12.50"). **Labels** follow the request's
`Accept-Language` (`zh-hans` by default, or `en`).
"""

api = NinjaAPI(
    title="Snowland CME HR API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
    # No badge from swagger.io's online validator: it would send the schema's address
    # to a third party, and the content-security policy allows our own origin only.
    docs=Swagger(settings={"validatorUrl": None}),
    auth=api_key_auth(),
    throttle=[ApiKeyRateThrottle(API_KEY_RATE)],
)
api.add_router("", staff_router)
api.add_router("", certificates_router)
