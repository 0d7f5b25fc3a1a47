"""HTTP caching and compression for map layer answers: Cache-Control, a strong ETag with 304s, and gzip.

The layers gzip their own bytes (the app-wide compression in app/web/transport.py leaves an encoded answer alone)
so that the plain and the gzipped forms each have their own strong ETag.

The layers are public, read-only data, so any site may use them in its own map (`Access-Control-Allow-Origin: *`;
no credentials are involved).

An answer to a versioned URL (app/maps/data_version.py) is `immutable`: kept a year, never revalidated.
"""

import gzip
import hashlib

from fastapi import Request, Response

from app.web.transport import accepts_gzip

IMMUTABLE_MAX_AGE = 31_536_000  # a year, as in RFC 8246 (immutable)


def public_headers(max_age: int, immutable: bool = False) -> dict[str, str]:
    control = f"public, max-age={IMMUTABLE_MAX_AGE}, immutable" if immutable else f"public, max-age={max_age}"
    return {"Cache-Control": control, "Access-Control-Allow-Origin": "*"}


def cacheable_response(request: Request, body: bytes, media_type: str, max_age: int, immutable: bool = False) -> Response:
    """`body` with Cache-Control and an ETag; 304 when the client already has it; gzipped if the client accepts it.

    The ETag is a hash of the bytes sent, so the gzipped and plain forms have different tags (RFC 9110 8.8.3).
    """
    compress = accepts_gzip(request.headers.get("accept-encoding", ""))
    tag = hashlib.sha256(body).hexdigest()[:32]
    etag = f'"{tag}-gzip"' if compress else f'"{tag}"'
    headers = {**public_headers(max_age, immutable), "ETag": etag, "Vary": "Accept-Encoding"}
    if etag_matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    if compress:
        body = gzip.compress(body, compresslevel=6, mtime=0)
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=media_type, headers=headers)


def etag_matches(if_none_match: str, etag: str) -> bool:
    """If-None-Match uses the weak comparison: `W/` prefixes are ignored; `*` matches anything."""
    candidates = [c.strip().removeprefix("W/") for c in if_none_match.split(",")]
    return "*" in candidates or etag in candidates
