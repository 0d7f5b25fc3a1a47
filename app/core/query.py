"""Query strings read into a route's query model in one validation.

FastAPI reads a `Query()` model one field at a time, inspecting each field's annotation again on every request; on
the nearby search that was about a sixth of the app's Python time (docs/benchmarks.md, stop 29). `query_model` reads the same
model with one pydantic call and answers the same 422s; `query_parameters` documents its fields in OpenAPI as FastAPI
would (a route names both: `openapi_extra=query_parameters(Model)` and a `query_model(Model)` dependency).
"""

from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any, TypeVar, get_args, get_origin

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


@cache
def _list_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields that take a repeated parameter (`category=a&category=b`); the others take its last value."""
    return frozenset(name for name, field in model.model_fields.items() if _is_list(field.annotation))


def _is_list(annotation: Any) -> bool:
    if get_origin(annotation) in (list, set, tuple, frozenset):
        return True
    return any(_is_list(arg) for arg in get_args(annotation) if arg is not type(None))


def read_query(request: Request, model: type[M]) -> M:
    """`model` from the request's query string; RequestValidationError (422, app/core/errors.py) as FastAPI's own."""
    lists = _list_fields(model)
    params = request.query_params
    values: dict[str, Any] = {}
    for name in params:
        values[name] = params.getlist(name) if name in lists else params[name]
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("query", *e["loc"])} for e in error.errors(include_url=False)]
        ) from None


def query_model(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A dependency giving `model` read from the query string (async: no thread for it)."""

    async def dependency(request: Request) -> M:
        return read_query(request, model)

    return dependency


def query_parameters(model: type[BaseModel]) -> dict[str, Any]:
    """The route's `openapi_extra`: `model`'s fields as query parameters, each with its JSON schema (enums written
    in place, so no component need exist for them), the required ones first and the rest in the model's order."""
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    required = set(schema.get("required", ()))
    parameters = []
    for name, field_schema in schema["properties"].items():
        field_schema = _inline(field_schema, defs)
        parameter = {"name": name, "in": "query", "required": name in required, "schema": field_schema}
        if "description" in field_schema:
            parameter["description"] = field_schema["description"]
        parameters.append(parameter)
    return {"parameters": sorted(parameters, key=lambda parameter: not parameter["required"])}  # required ones first


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """`node` with each `{"$ref": "#/$defs/Name"}` replaced by that definition."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
        return {key: _inline(value, defs) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(value, defs) for value in node]
    return node
