"""Which paths programs call (the API, the map layers and tiles, Open Referral, health, the OpenAPI document): they
answer JSON errors, and their language follows only what the caller sent (never a cookie). Every other path is a page."""

PROGRAM_PREFIXES = ("/api/", "/tiles/", "/oruk", "/healthz", "/openapi.json")
# Written in English only, whatever the language asked for (Swagger UI and the OpenAPI documents).
ENGLISH_ONLY_PREFIXES = ("/openapi.json", "/oruk/openapi.json", "/docs", "/oruk/docs")
