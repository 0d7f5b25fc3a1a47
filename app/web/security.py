"""Security headers for every response, and who may frame which page.

Every response gets a Content-Security-Policy. Scripts may come only from the app itself or be inline scripts that
carry this request's nonce (Folium writes the map set-up as an inline script; templates render it as
`<script nonce="{{ csp_nonce(request) }}">`), so injected markup cannot run script. Styles allow 'unsafe-inline'
because Leaflet and its plugins position every map element with inline styles; styles cannot run script. Images
may also come from the basemap tile server (the `tile_url` setting).

Only `/embed` and `/insights/embed` may be shown in an iframe. They are read-only, so any site may frame them unless
`embed_allowed_origins` names the sites that may (the app itself always may). Every other page answers `frame-ancestors 'none'` and
`X-Frame-Options: DENY`.

Moderators' pages and API, the sign-in pages and asset history are never stored by a cache (`no-store`).

Every response also carries a Permissions-Policy that turns off the browser features no page uses (geolocation is
left to the site's own pages: the finder's "Use my location"), and, when the request came over HTTPS, HSTS. The
scheme is the one the server reports: uvicorn's proxy headers (`assetmap serve`) set it from `X-Forwarded-Proto`
only when the request comes from a trusted proxy (TRUSTED_PROXIES), so a header anyone can send is not believed.
"""

import secrets
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.config import Settings

EMBED_PATHS = frozenset({"/embed", "/insights/embed"})
# Moderators' pages and API, sign-in and asset history show submitters' private details or need a signed-in session:
# no browser or shared cache keeps them (a response that says otherwise itself keeps its own Cache-Control).
PRIVATE_PREFIXES = ("/moderate", "/login", "/logout", "/api/v1/moderation/")
# Features no page uses are off for every page and frame; geolocation only for the site's own pages (the finder).
# Only features Chromium knows are named: an unknown one is a console error on every page.
PERMISSIONS_POLICY = ", ".join([
    "geolocation=(self)",
    *(f"{feature}=()" for feature in (
        "camera", "microphone", "display-capture", "payment", "usb", "serial", "hid", "midi",
        "accelerometer", "gyroscope", "magnetometer", "xr-spatial-tracking", "idle-detection", "browsing-topics",
    )),
])
HSTS = "max-age=31536000"  # a year; no includeSubDomains: the map may live beside other services of a council's domain


def csp_nonce(request: Request) -> str:
    """This request's script nonce (set by SecurityHeaders)."""
    return request.scope["state"]["csp_nonce"]


def tile_source(tile_url: str) -> str | None:
    """The CSP source for the basemap tiles: None when they come from the app itself."""
    parts = urlsplit(tile_url)
    if not parts.scheme or not parts.netloc:
        return None
    host = parts.netloc.replace("{s}", "*")
    return f"{parts.scheme}://{host}"


def frame_ancestors(allowed: list[str]) -> str:
    """The embed's frame-ancestors: any site (`*`), or the app itself and the listed origins."""
    if "*" in allowed:
        return "*"
    return " ".join(["'self'", *allowed])


class SecurityHeaders:
    """Adds the CSP (with a fresh nonce per request), framing rules, the permissions policy, HSTS over HTTPS and the
    usual hardening headers."""

    def __init__(self, app: ASGIApp, settings: Settings):
        self.app = app
        images = " ".join(filter(None, ["'self'", "data:", tile_source(settings.tile_url)]))
        self.rest_of_policy = (
            f"style-src 'self' 'unsafe-inline'; img-src {images}; connect-src 'self'; font-src 'self'; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-src 'self'"
        )
        self.embed_ancestors = frame_ancestors(settings.embed_allowed_origins)

    def policy(self, nonce: str, ancestors: str) -> str:
        return (
            f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; {self.rest_of_policy}; frame-ancestors {ancestors}"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        embed = scope["path"] in EMBED_PATHS
        private = scope["path"].startswith(PRIVATE_PREFIXES) or scope["path"].endswith("/history")
        policy = self.policy(nonce, self.embed_ancestors if embed else "'none'")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = policy
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
                headers["Permissions-Policy"] = PERMISSIONS_POLICY
                if scope.get("scheme") == "https":
                    headers["Strict-Transport-Security"] = HSTS
                if not embed:
                    headers["X-Frame-Options"] = "DENY"
                if private and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
