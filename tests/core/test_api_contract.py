"""The API does what its OpenAPI documents say (issue 12, items 8 and 9): one Error shape on every error status, a
body that cannot be read is a 422 in that shape (after the access check), and a bounded schemathesis run over every
operation, without a key and with an admin key, finds no 5xx and no answer the documents do not describe."""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.core.errors import ERROR_STATUSES
from app.main import create_app

APP = create_app()
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Bounded: a few generated requests per operation and no shrinking keep the whole run within the suite's budget.
BOUNDED = settings(max_examples=6, deadline=None, phases=[Phase.explicit, Phase.generate],
                   suppress_health_check=list(HealthCheck), derandomize=True)

api = schemathesis.openapi.from_asgi("/openapi.json", APP)
oruk = schemathesis.openapi.from_asgi("/oruk/openapi.json", APP)


def _operations(document: dict) -> list[tuple[str, str, dict]]:
    return [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()]


ORUK_APP = next(r.app for r in APP.routes if getattr(r, "path", "") == "/oruk")


@pytest.mark.parametrize("document", [APP.openapi(), ORUK_APP.openapi()], ids=["api", "oruk"])
def test_every_error_status_uses_the_error_component(document) -> None:
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["detail", "errors"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, method, operation in _operations(document):
        statuses = operation["responses"]
        assert "503" in statuses, (method, path)
        for status, response in statuses.items():
            if status in ERROR_STATUSES:
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}, (
                    method, path, status)


def test_operations_document_what_they_take() -> None:
    document = APP.openapi()
    delete = document["paths"]["/api/v1/assets/{asset_id}"]["delete"]["responses"]
    assert {"401", "403", "404", "422", "503"} <= set(delete) and "413" not in delete  # DELETE reads no body
    assert "429" in document["paths"]["/api/v1/submissions"]["post"]["responses"]
    assert "409" in document["paths"]["/api/v1/moderation/submissions/{submission_id}"]["patch"]["responses"]


@pytest.mark.parametrize(
    ("body", "why"),
    [(b'{"name": "Choir",', "it is not valid JSON"), (b'{"name": "Caf\xe9"}', "it is not UTF-8 text"),
     (b"[" * 100_000 + b"]" * 100_000, "it is nested too deeply")],
    ids=["malformed", "latin-1", "deep"],
)
def test_an_unreadable_body_is_422_but_access_comes_first(client, admin_headers, body: bytes, why: str) -> None:
    json_type = {"Content-Type": "application/json"}
    response = client.post("/api/v1/submissions", content=body, headers=json_type)
    assert response.status_code == 422
    assert response.json() == {"detail": f"Invalid request: the body cannot be read: {why}.",
                               "errors": [{"field": "body", "message": f"cannot be read: {why}"}]}

    assert client.post("/api/v1/assets", content=body, headers=json_type).status_code == 401
    assert client.post("/api/v1/assets", content=body, headers=json_type | {"X-API-Key": "wrong"}).status_code == 401
    authorised = client.post("/api/v1/assets", content=body, headers=json_type | admin_headers)
    assert authorised.status_code == 422 and why in authorised.json()["detail"]


@api.parametrize()
@BOUNDED
def test_fuzz_without_a_key(case) -> None:
    case.call_and_validate(checks=CHECKS)


@api.parametrize()
@BOUNDED
def test_fuzz_with_an_admin_key(case, admin_key: str) -> None:
    case.call_and_validate(headers={"X-API-Key": admin_key}, checks=CHECKS)


@oruk.parametrize()
@BOUNDED
def test_fuzz_open_referral(case) -> None:
    case.call_and_validate(checks=CHECKS)
