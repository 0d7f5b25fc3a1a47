"""Query models read in one validation (app/core/query.py): what FastAPI's own `Query()` reading gave, the same
422s in the documented error shape, and the same OpenAPI parameters. FastAPI's reading serves as the peer."""

from enum import StrEnum
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI, Query
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.core.errors import install_error_handlers
from app.core.query import query_model, query_parameters


class Colour(StrEnum):
    red = "red"
    blue = "blue"


class Search(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tag: list[str] = Field([], description="Repeatable")
    colour: list[Colour] = []
    size: int | None = Field(None, ge=1, le=10, description="How big")
    name: str = "x"
    limit: int = 20

    @model_validator(mode="after")
    def _not_both(self) -> "Search":
        if self.size and self.name == "none":
            raise ValueError("a size needs a name")
        return self


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/ours", openapi_extra=query_parameters(Search))
    def ours(query: Annotated[Search, Depends(query_model(Search))]) -> dict:
        return query.model_dump()

    @app.get("/fastapis")
    def fastapis(query: Annotated[Search, Query()]) -> dict:
        return query.model_dump()

    return app


@pytest.fixture(scope="module")
def client():
    with TestClient(_app()) as client:
        yield client


@pytest.mark.parametrize("query", [
    "",
    "tag=a&tag=b&colour=red&colour=blue",
    "tag=only",
    "size=3&size=4",  # a single-valued parameter given twice: the last one, as FastAPI reads it
    "name=&limit=5",
    "size=11",
    "size=ten&colour=green",
    "unknown=1",
    "size=2&name=none",
    "limit=",
])
def test_reads_as_fastapi_does(client, query: str) -> None:
    ours, fastapis = client.get(f"/ours?{query}"), client.get(f"/fastapis?{query}")
    assert ours.status_code == fastapis.status_code
    assert ours.json() == fastapis.json()


def test_a_bad_parameter_is_a_422_naming_it(client) -> None:
    answer = client.get("/ours?size=11&unknown=1")
    assert answer.status_code == 422
    assert {e["field"] for e in answer.json()["errors"]} == {"size", "unknown"}
    assert client.get("/ours?tag=a&tag=b").json()["tag"] == ["a", "b"]


def test_documents_the_parameters_as_fastapi_does(client) -> None:
    paths = client.app.openapi()["paths"]
    ours = paths["/ours"]["get"]["parameters"]
    fastapis = paths["/fastapis"]["get"]["parameters"]
    assert [p["name"] for p in ours] == [p["name"] for p in fastapis] == ["tag", "colour", "size", "name", "limit"]
    for mine, theirs in zip(ours, fastapis, strict=True):
        assert {k: v for k, v in mine.items() if k != "schema"} == {k: v for k, v in theirs.items() if k != "schema"}
    # The enum is written in place of FastAPI's reference to a component
    assert ours[1]["schema"]["items"]["enum"] == ["red", "blue"]
    assert fastapis[1]["schema"]["items"] == {"$ref": "#/components/schemas/Colour"}
    assert ours[2]["schema"] == fastapis[2]["schema"]
