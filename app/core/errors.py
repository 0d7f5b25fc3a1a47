"""Errors a person can read: every 4xx answers `{"detail": "...", "errors": [...]}`."""

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
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


def install_error_handlers(app: FastAPI) -> None:
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
