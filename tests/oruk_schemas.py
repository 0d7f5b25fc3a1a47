"""Validators for the Open Referral UK profile's JSON Schemas, offline, with format checking (uuid, uri, date-time).

The schemas and examples are the parts of the profile the tests use, copied into tests/oruk_profile/ (CC BY-SA 4.0,
see its SOURCE.md and LICENSE), so the tests run in a fresh clone without ../shared/standards.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

PROFILE = Path(__file__).resolve().parent / "oruk_profile"
SCHEMA_DIR = PROFILE / "schema"
EXAMPLES = PROFILE / "examples"
_BASE = "https://oruk.invalid/schema/"


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def _registry() -> Registry:
    resources = [
        (_BASE + p.relative_to(SCHEMA_DIR).as_posix(), Resource.from_contents(_load(p), default_specification=DRAFT202012))
        for p in [*SCHEMA_DIR.glob("*.json"), *SCHEMA_DIR.glob("compiled/*.json")]
    ]
    return Registry().with_resources(resources)


@cache
def validator(name: str) -> Draft202012Validator:
    """`compiled/service.json`, or a plain schema such as `taxonomy.json` (its relative $refs resolved offline)."""
    schema = _load(SCHEMA_DIR / name) | {"$id": _BASE + name}
    return Draft202012Validator(schema, registry=_registry(), format_checker=FormatChecker())


@cache
def page_validator(item_schema: str) -> Draft202012Validator:
    """The OpenAPI document's Page envelope, every field required, with each item checked against `item_schema`."""
    page = _load(SCHEMA_DIR / "openapi.json")["components"]["schemas"]["Page"]
    schema = page | {
        "$id": _BASE + "page-of-" + item_schema.replace("/", "-"),
        "required": list(page["properties"]) + ["contents"],
        "properties": page["properties"] | {"contents": {"type": "array", "items": {"$ref": item_schema}}},
    }
    return Draft202012Validator(schema, registry=_registry(), format_checker=FormatChecker())


def check(name: str, instance: Any) -> None:
    """Raises with every schema error listed, so a failure says what is wrong."""
    _raise_all(validator(name), instance, name)


def check_page(item_schema: str, instance: Any) -> None:
    _raise_all(page_validator(item_schema), instance, f"page of {item_schema}")


def _raise_all(v: Draft202012Validator, instance: Any, label: str) -> None:
    errors = sorted(v.iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors[:20]]
        raise AssertionError(f"{len(errors)} error(s) against {label}:\n" + "\n".join(lines))
