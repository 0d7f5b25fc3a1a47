"""How every response travels: gzipped when the client accepts it, and `HEAD` answered as `GET` without the body.

Compression is Starlette's GZipMiddleware, with three changes:
- Accept-Encoding is read properly (`gzip;q=0` refuses gzip, `*` accepts it), as for the map layers.
- A response the app encoded itself passes untouched: the map layers gzip their own bytes so that each form has its
  own strong ETag (`app/maps/http_cache.py`). When this middleware compresses a response that carries an ETag (the
  static files), the tag becomes weak (`W/"…"`), as the bytes are no longer the ones it names; the static files' 304
  check compares tags weakly, so revalidation keeps working.
- Responses to a signed-in visitor are not compressed, except static files: their pages hold the session's CSRF
  token (and submitters' details) beside text others can put there, and compression would let the length of a
  response leak them (BREACH).

Streamed answers (the exports) are compressed as they stream (each chunk is flushed), so they still start at once
and are never held whole in memory. Images and fonts that are compressed already are left alone.

FastAPI registers a `GET` route for `GET` only, so `HEAD` used to be 405 on every page and on /healthz. HeadAsGet
runs a `HEAD` request as the `GET` it stands for and drops the body, so its headers (Content-Type, Content-Length,
Content-Encoding, ETag) are those of the `GET`. The OpenAPI document is unchanged.
"""

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.gzip import GZipResponder, IdentityResponder
from starlette.requests import Request, cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.headers import weighted

MINIMUM_SIZE = 500  # bytes: below this gzip's header and the CPU cost more than they save
LEVEL = 6  # zlib's default trade-off: level 9 costs about twice the CPU for 1–2% smaller files
ALWAYS_COMPRESSED = "/static/"


def accepts_gzip(accept_encoding: str) -> bool:
    """True when the Accept-Encoding header allows gzip (or `*`) with a non-zero quality."""
    allowed = dict(weighted(accept_encoding))
    return allowed.get("gzip", allowed.get("x-gzip", allowed.get("*", 0.0))) > 0


class Compression:
    """gzip for clients that accept it (see the module's notes). `session_cookie`: the signed-in visitor's cookie."""

    def __init__(self, app: ASGIApp, session_cookie: str):
        self.app = app
        self.session_cookie = session_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        signed_in = self.session_cookie in cookie_parser(request_headers.get("cookie", ""))
        compress = accepts_gzip(request_headers.get("accept-encoding", "")) and (
            not signed_in or scope["path"].startswith(ALWAYS_COMPRESSED)
        )
        encoded_by_app = False

        async def app_with_watch(scope: Scope, receive: Receive, inner_send: Send) -> None:
            async def watch(message: Message) -> None:
                nonlocal encoded_by_app
                if message["type"] == "http.response.start":
                    encoded_by_app = "content-encoding" in Headers(raw=message.get("headers", []))
                await inner_send(message)

            await self.app(scope, receive, watch)

        async def tidy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=message["headers"])
                _vary_once(headers)
                etag = headers.get("etag")
                if etag and not encoded_by_app and "content-encoding" in headers and not etag.startswith("W/"):
                    headers["ETag"] = f"W/{etag}"
            await send(message)

        responder = (
            GZipResponder(app_with_watch, MINIMUM_SIZE, compresslevel=LEVEL)
            if compress
            else IdentityResponder(app_with_watch, MINIMUM_SIZE)
        )
        await responder(scope, receive, tidy)


def _vary_once(headers: MutableHeaders) -> None:
    """GZipMiddleware adds `Accept-Encoding` to Vary even when the app has named it already."""
    if "vary" not in headers:
        return
    seen: dict[str, str] = {}
    for value in headers["vary"].split(","):
        if value.strip():
            seen.setdefault(value.strip().lower(), value.strip())
    headers["Vary"] = ", ".join(seen.values())


HEAD_AS_GET = "head_as_get"  # in the scope of a HEAD request the app is answering as a GET (is_head)


def is_head(request: Request) -> bool:
    """Whether this GET is really a HEAD (HeadAsGet): it answers the same, but is nobody's search or visit."""
    return bool(request.scope.get(HEAD_AS_GET))


class HeadAsGet:
    """Answers `HEAD` as the app would answer `GET`, without the body."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        finished = False

        async def without_body(message: Message) -> None:
            nonlocal finished
            if message["type"] in ("http.response.body", "http.response.pathsend"):
                if finished:
                    return  # the rest of a streamed body
                finished = True
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET", HEAD_AS_GET: True}, receive, without_body)
