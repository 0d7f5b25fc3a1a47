"""Errors a person can read: every 4xx answers `{"detail": "...", "errors": [...]}`, and so does a 503 while the
database cannot be reached (with `Retry-After`); a page answers a short HTML page instead."""

from typing import Any

import psycopg
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class AppError(Exception):
    """A failure the caller can fix; services raise these and never deal in HTTP."""

    status_code = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(AppError):
    status_code = 404


class Forbidden(AppError):
    status_code = 403


class Invalid(AppError):
    status_code = 422


class Conflict(AppError):
    status_code = 409


class Gone(AppError):
    status_code = 410


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts)


def _friendly(error: dict[str, Any]) -> str:
    """Pydantic's message, rephrased where it would puzzle a person."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        return "is not a field this endpoint accepts"
    if kind == "missing":
        return "is required"
    if kind in ("less_than_equal", "greater_than_equal", "less_than", "greater_than"):
        bounds = {"less_than_equal": "at most", "greater_than_equal": "at least", "less_than": "below", "greater_than": "above"}
        limit = next(iter(ctx.values()), "")
        return f"must be {bounds[kind]} {limit} (got {error.get('input')!r})"
    message = str(error.get("msg", "is invalid"))
    return message.removeprefix("Value error, ")


def validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"field": _field_name(tuple(e.get("loc", ()))), "message": _friendly(e)} for e in errors]


def error_body(detail: str, errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"detail": detail, "errors": errors or []}


# What a database that is down, restarting or overloaded raises: the connection failed or was lost, the pool had no
# connection to give in time, or a statement ran out of time. Errors in the data (IntegrityError …) are not here.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError, psycopg.OperationalError, psycopg.InterfaceError
)
RETRY_AFTER_SECONDS = 30
UNAVAILABLE = "The service is temporarily unavailable: its database cannot be reached. Please try again shortly."
# No template: rendering one may itself need what is down (the visitor's session, the category list).
_UNAVAILABLE_PAGE = f"""<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Temporarily unavailable - Community Asset Map</title></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem">
<h1>Temporarily unavailable</h1><p>{UNAVAILABLE}</p><p><a href="">Try again</a></p></body></html>
"""
# Paths that answer JSON (the API, the map layers, Open Referral, health); every other path is a page.
_JSON_PREFIXES = ("/api/", "/tiles/", "/oruk", "/healthz", "/openapi.json")


UNAVAILABLE_HEADERS = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}


def unavailable_response(path: str) -> JSONResponse | HTMLResponse:
    headers = UNAVAILABLE_HEADERS
    if path.startswith(_JSON_PREFIXES):
        return JSONResponse(error_body(UNAVAILABLE), status_code=503, headers=headers)
    return HTMLResponse(_UNAVAILABLE_PAGE, status_code=503, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    async def _unavailable(request: Request, exc: Exception) -> JSONResponse | HTMLResponse:
        return unavailable_response(request.url.path)

    for kind in DATABASE_UNAVAILABLE:
        app.add_exception_handler(kind, _unavailable)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(list(exc.errors()))
        summary = "; ".join(f"{e['field']} {e['message']}" if e["field"] else e["message"] for e in errors)
        return JSONResponse(error_body(f"Invalid request: {summary}", errors), status_code=422)

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        errors = [{"field": exc.field, "message": exc.message}] if exc.field else []
        return JSONResponse(error_body(exc.message, errors), status_code=exc.status_code)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse(error_body(str(exc.detail)), status_code=exc.status_code, headers=exc.headers)


class BodySizeLimit:
    """Refuses request bodies over `max_bytes` with 413, whether or not Content-Length is sent.

    The body is read (up to the limit) before the app sees it, because an error raised while the app reads it would be
    turned into a 400 by FastAPI's body parsing.
    """

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                await self._refuse(scope, send)
                return
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay([{"type": "http.request", "body": b"".join(chunks), "more_body": False}]), send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        response = JSONResponse(
            error_body(f"The request body is too large: the limit is {self.max_bytes:,} bytes."), status_code=413
        )
        await response(scope, _replay([]), send)


def _replay(messages: list[Message]) -> Receive:
    pending = list(messages)

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    return receive
