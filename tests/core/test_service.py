"""The service around the API: health, metadata, OpenAPI docs and the `assetmap` command."""

from sqlalchemy import create_engine
from typer.testing import CliRunner

from app.cli import app as cli


def test_health_is_503_when_the_database_is_unreachable(client, monkeypatch):
    unreachable = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none", connect_args={"connect_timeout": 1})
    monkeypatch.setattr("app.core.health.get_engine", lambda: unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    assert "cannot be reached" in response.json()["detail"]


def test_meta_carries_the_attribution(client):
    body = client.get("/api/v1/meta").json()
    assert "© OpenStreetMap contributors (ODbL)" in body["attribution"]
    assert "Crown copyright" in body["attribution"]


def test_openapi_documents_the_search_with_examples(client):
    spec = client.get("/openapi.json").json()
    nearby = spec["paths"]["/api/v1/assets/nearby"]["get"]
    assert "nearest first" in nearby["description"]
    params = {p["name"]: p for p in nearby["parameters"]}
    assert {"lat", "lon", "postcode", "radius_m", "category", "q", "free", "day", "time", "accessibility", "age", "drop_in", "limit", "offset"} <= set(params)
    assert params["postcode"]["schema"]["examples"] == ["M1 1AE"]
    assert spec["components"]["schemas"]["AssetCreate"]["examples"][0]["name"] == "Tuesday Singers"


def test_create_api_key_prints_a_working_key_last(client):
    result = CliRunner().invoke(cli, ["create-api-key", "--role", "admin", "--name", "cli test"])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("am_")
    response = client.post(
        "/api/v1/assets",
        json={"name": "Via CLI key", "categories": ["libraries"], "lat": 53.48, "lon": -2.24},
        headers={"X-API-Key": key},
    )
    assert response.status_code == 201


def test_create_api_key_refuses_an_unknown_role():
    result = CliRunner().invoke(cli, ["create-api-key", "--role", "superuser", "--name", "x"])
    assert result.exit_code != 0
    assert "superuser" in result.output


def test_init_db_and_migrate_are_idempotent():
    runner = CliRunner()
    first = runner.invoke(cli, ["init-db"])
    assert first.exit_code == 0 and "is ready" in first.output
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
