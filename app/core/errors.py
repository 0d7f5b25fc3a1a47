"""Errors a person can read: every 4xx answers `{"detail": "...", "errors": [...]}`, and so does a 503 while the
database cannot be reached (with `Retry-After`); a page answers a short HTML page instead."""

from collections.abc import Callable, Iterator
from typing import Any

import psycopg
from fastapi import FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from markupsafe import escape
from pydantic import BaseModel
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.paths import PROGRAM_PREFIXES
from app.i18n import current_locale, ngettext
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.i18n.locales import HTML_LANG


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


def _options(expected: Any) -> str:
    """pydantic's list of allowed values ("'a', 'b' or 'c'") with its "or" in the request's language."""
    word = _("or")
    return str(expected).replace("' or '", f"' {word} '")


# pydantic's messages for the errors people meet, in the request's language: each English message id is pydantic's
# own text, so English answers are pydantic's (tests/core/test_error_messages.py checks it). Other errors keep
# pydantic's English message.
_PYDANTIC: dict[str, Callable[[dict[str, Any]], str]] = {
    "string_too_long": lambda c: ngettext(
        "String should have at most %(num)s character", "String should have at most %(num)s characters", c["max_length"]
    ) % {"num": c["max_length"]},
    "string_too_short": lambda c: ngettext(
        "String should have at least %(num)s character", "String should have at least %(num)s characters", c["min_length"]
    ) % {"num": c["min_length"]},
    "too_long": lambda c: ngettext(
        "List should have at most %(num)s item after validation, not %(actual)s",
        "List should have at most %(num)s items after validation, not %(actual)s",
        c["max_length"],
    ) % {"num": c["max_length"], "actual": c["actual_length"]},
    "too_short": lambda c: ngettext(
        "List should have at least %(num)s item after validation, not %(actual)s",
        "List should have at least %(num)s items after validation, not %(actual)s",
        c["min_length"],
    ) % {"num": c["min_length"], "actual": c["actual_length"]},
    "string_type": lambda c: _("Input should be a valid string"),
    "string_pattern_mismatch": lambda c: _("String should match pattern '%(pattern)s'") % {"pattern": c["pattern"]},
    "int_type": lambda c: _("Input should be a valid integer"),
    "int_parsing": lambda c: _("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": lambda c: _("Input should be a valid integer, got a number with a fractional part"),
    "float_type": lambda c: _("Input should be a valid number"),
    "float_parsing": lambda c: _("Input should be a valid number, unable to parse string as a number"),
    "bool_type": lambda c: _("Input should be a valid boolean"),
    "bool_parsing": lambda c: _("Input should be a valid boolean, unable to interpret input"),
    "enum": lambda c: _("Input should be %(expected)s") % {"expected": _options(c["expected"])},
    "literal_error": lambda c: _("Input should be %(expected)s") % {"expected": _options(c["expected"])},
    "uuid_type": lambda c: _("UUID input should be a string, bytes or UUID object"),
    "uuid_parsing": lambda c: _("Input should be a valid UUID, %(error)s") % {"error": c["error"]},
    "list_type": lambda c: _("Input should be a valid list"),
    "dict_type": lambda c: _("Input should be a valid dictionary"),
    "model_type": lambda c: _("Input should be a valid dictionary or instance of %(class_name)s") % c,
    "model_attributes_type": lambda c: _("Input should be a valid dictionary or object to extract fields from"),
    "time_type": lambda c: _("Input should be a valid time"),
    "time_parsing": lambda c: _("Input should be in a valid time format, %(error)s") % {"error": c["error"]},
    "datetime_from_date_parsing": lambda c: _("Input should be a valid datetime or date, %(error)s") % {"error": c["error"]},
    "date_from_datetime_parsing": lambda c: _("Input should be a valid date or datetime, %(error)s") % {"error": c["error"]},
    "union_tag_invalid": lambda c: _(
        "Input tag '%(tag)s' found using %(discriminator)s does not match any of the expected tags: %(expected_tags)s"
    ) % c,
    "union_tag_not_found": lambda c: _("Unable to extract tag using discriminator %(discriminator)s") % c,
}


_BOUNDS = {
    "less_than_equal": _l("must be at most %(limit)s (got %(got)s)"),
    "greater_than_equal": _l("must be at least %(limit)s (got %(got)s)"),
    "less_than": _l("must be below %(limit)s (got %(got)s)"),
    "greater_than": _l("must be above %(limit)s (got %(got)s)"),
}


def _friendly(error: dict[str, Any]) -> str:
    """Pydantic's message in the request's language, rephrased where it would puzzle a person. A ValueError a
    validator raises carries its own text, translated where it was raised."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        return _("is not a field this endpoint accepts")
    if kind == "missing":
        return _("is required")
    if kind in _BOUNDS:
        limit = next(iter(ctx.values()), "")
        return str(_BOUNDS[kind]) % {"limit": limit, "got": repr(error.get("input"))}
    if kind in _PYDANTIC:
        try:
            return _PYDANTIC[kind](ctx)
        except (KeyError, TypeError, ValueError):  # a context this pydantic version shapes otherwise
            pass
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
UNAVAILABLE = _l("The service is temporarily unavailable: its database cannot be reached. Please try again shortly.")


def _unavailable_page() -> str:
    """A page in the request's language. No template: rendering one may itself need what is down (the visitor's
    session, the category list)."""
    title, again, site = escape(_("Temporarily unavailable")), escape(_("Try again")), escape(_("Community Asset Map"))
    return f"""<!doctype html>
<html lang="{HTML_LANG[current_locale()]}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - {site}</title></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem">
<h1>{title}</h1><p>{escape(UNAVAILABLE)}</p><p><a href="">{again}</a></p></body></html>
"""


UNAVAILABLE_HEADERS = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}


def unavailable_response(path: str) -> JSONResponse | HTMLResponse:
    if path.startswith(PROGRAM_PREFIXES):
        return JSONResponse(error_body(str(UNAVAILABLE)), status_code=503, headers=UNAVAILABLE_HEADERS)
    return HTMLResponse(_unavailable_page(), status_code=503, headers=UNAVAILABLE_HEADERS)


class ErrorItem(BaseModel):
    field: str
    message: str


class Error(BaseModel):
    """Every error the app answers in JSON."""

    detail: str
    errors: list[ErrorItem]


# The statuses the app answers with an Error, and what each means; the OpenAPI documents take them from here.
ERROR_STATUSES = {
    "400": "The request cannot be used as it is",
    "401": "No API key (or signed-in session), or one that is unknown or revoked",
    "403": "The key or account may not do this, or a browser session sent no CSRF token",
    "404": "Not found",
    "409": "It conflicts with what is stored (for example a decision already made, or an identifier in use)",
    "410": "It has expired",
    "413": "The request body is over the size limit",
    "422": "Something in the request is not valid: `errors` names each field and what is wrong",
    "429": "Too many requests from this client: try again later (`Retry-After`)",
    "503": "The database cannot be reached: try again shortly (`Retry-After`)",
}
_WRITES = {"post", "put", "patch"}  # the methods BodySizeLimit reads a body for


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Declares the Error shape once, as a component, and uses it for every error status of every operation: those a
    route declares, and those that follow from what the operation takes (parameters: 422; a path id: 404; a body:
    413; an API key: 401 and 403; anything: 503). FastAPI's own validation-error shapes, which the app never sends,
    are removed."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    components["ErrorItem"] = ErrorItem.model_json_schema()
    components["Error"] = Error.model_json_schema(ref_template="#/components/schemas/{model}")
    components["Error"].pop("$defs", None)
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            parameters = operation.get("parameters", [])
            implied = {"503"}
            if parameters or "requestBody" in operation:
                implied.add("422")
            if any(p["in"] == "path" for p in parameters):
                implied.add("404")
            if method in _WRITES:
                implied.add("413")
            if any(p["name"].lower() == "x-api-key" for p in parameters):
                implied |= {"401", "403"}
            responses = operation.setdefault("responses", {})
            for status in sorted(implied | {s for s in responses if s in ERROR_STATUSES}):
                entry = responses.setdefault(status, {})
                entry.setdefault("description", ERROR_STATUSES[status])
                example = entry.get("content", {}).get("application/json", {}).get("example")
                content = {"schema": {"$ref": "#/components/schemas/Error"}}
                entry["content"] = {"application/json": content | ({"example": example} if example else {})}
    return schema


def install_error_handlers(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        return app.openapi_schema or document_errors(generate())

    app.openapi = openapi  # type: ignore[method-assign]

    async def _unavailable(request: Request, exc: Exception) -> JSONResponse | HTMLResponse:
        return unavailable_response(request.url.path)

    for kind in DATABASE_UNAVAILABLE:
        app.add_exception_handler(kind, _unavailable)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            return await _unreadable_body(request, _("it is not valid JSON"))
        errors = validation_errors(list(exc.errors()))
        summary = "; ".join(_("%(field)s %(message)s") % e if e["field"] else e["message"] for e in errors)
        return JSONResponse(error_body(_("Invalid request: %(summary)s") % {"summary": summary}, errors), status_code=422)

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        errors = [{"field": exc.field, "message": exc.message}] if exc.field else []
        return JSONResponse(error_body(exc.message, errors), status_code=exc.status_code)

    # Starlette's class: FastAPI raises it too (a body it cannot parse, a path no route matches).
    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # FastAPI answers 400 "There was an error parsing the body" for a body it could not decode.
        why = _UNDECODABLE.get(type(exc.__cause__)) if exc.status_code == 400 else None
        if why:
            return await _unreadable_body(request, str(why))
        detail = _STARLETTE.get(str(exc.detail), exc.detail)
        return JSONResponse(error_body(str(detail)), status_code=exc.status_code, headers=exc.headers)


# Starlette's own details, for a path no route has and a method a route does not take.
_STARLETTE = {"Not Found": _l("Not Found"), "Method Not Allowed": _l("Method Not Allowed")}
_UNDECODABLE = {UnicodeDecodeError: _l("it is not UTF-8 text"), RecursionError: _l("it is nested too deeply")}


async def _unreadable_body(request: Request, why: str) -> JSONResponse:
    """422 for a body that cannot be read as JSON, once the route's access check (if any) has passed: a caller
    without a key gets 401 whatever the body."""
    for check in _access_checks(getattr(request.scope.get("route"), "dependant", None)):
        try:
            await run_in_threadpool(check, request)
        except HTTPException as denied:
            return JSONResponse(error_body(str(denied.detail)), status_code=denied.status_code, headers=denied.headers)
    error = {"field": "body", "message": _("cannot be read: %(why)s") % {"why": why}}
    detail = _("Invalid request: the body cannot be read: %(why)s.") % {"why": why}
    return JSONResponse(error_body(detail, [error]), status_code=422)


def _access_checks(dependant: Any) -> Iterator[Callable[[Request], None]]:
    """The access checks (API key or session guards) among a route's dependencies."""
    for dependency in getattr(dependant, "dependencies", []):
        if (check := getattr(dependency.call, "check_before_body", None)) is not None:
            yield check
        yield from _access_checks(dependency)


class BodySizeLimit:
    """Refuses request bodies over `max_bytes` with 413, whether or not Content-Length is sent.

    The body is read (up to the limit) before the app sees it, because an error raised while the app reads it would be
    turned into a 400 by FastAPI's body parsing.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, larger: dict[str, int] | None = None):
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}  # path -> its own limit (an upload page that says itself what is too large)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        max_bytes = self.larger.get(scope.get("path", ""), self.max_bytes)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            await self._refuse(scope, send, max_bytes)
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
            if size > max_bytes:
                await self._refuse(scope, send, max_bytes)
                return
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay([{"type": "http.request", "body": b"".join(chunks), "more_body": False}]), send)

    async def _refuse(self, scope: Scope, send: Send, max_bytes: int) -> None:
        limit = f"{max_bytes:,}"
        response = JSONResponse(
            error_body(_("The request body is too large: the limit is %(limit)s bytes.") % {"limit": limit}),
            status_code=413,
        )
        await response(scope, _replay([]), send)


def _replay(messages: list[Message]) -> Receive:
    pending = list(messages)

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    return receive
