"""Open-data exports: every published asset, public fields only, licence and attribution in the file, safe in a
spreadsheet, streamed."""

import csv
import io
import json

import pytest

from app.assets.service import archive_asset
from app.core.config import get_settings
from app.exports import formats
from tests.factories import make_asset

PRIVATE = ("source", "external_id", "status", "history", "actor", "submission", "created_at")


@pytest.fixture
def published(session):
    made = [
        make_asset(session, name="Tuesday Singers", categories=["choirs-music"], lat=53.48, lon=-2.24, phone="+44 161 000 0000",
                   description="-5 stars? No: a friendly choir, £2", organisation={"name": "@Manchester Arts"},
                   schedule=[{"day": "tue", "opens": "10:00", "closes": "12:00", "note": "not in August"}],
                   accessibility=["step_free", "hearing_loop"], free=False, cost_description="£2",
                   source="oruk:elsewhere", external_id="ext-1"),
        make_asset(session, name='=HYPERLINK("http://evil.example","click")', categories=["libraries"], lat=53.49, lon=-2.25),
        make_asset(session, name="Zumba, \"Ladies\" & Gents", categories=["exercise-classes"], lat=53.47, lon=-2.23, free=True),
    ]
    make_asset(session, name="Pending Choir", categories=["choirs-music"], status="pending")
    archive_asset(session, make_asset(session, name="Closed Choir", categories=["choirs-music"]).id, "tests")
    return made


def _csv(client, query: str = "") -> tuple[list[str], list[dict[str, str]], dict[str, str]]:
    response = client.get(f"/api/v1/export.csv{query}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="community-assets-')
    text = response.content.decode("utf-8-sig")
    lines = text.splitlines()
    metadata = lines[: formats.METADATA_LINES]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[formats.METADATA_LINES :]))))
    return metadata, rows, dict(response.headers)


def test_csv_has_licence_and_attribution_then_published_rows_only(client, published, monkeypatch):
    monkeypatch.setattr(formats, "ROWS_PER_CHUNK", 1)  # several chunks even with three rows
    metadata, rows, _ = _csv(client)
    settings = get_settings()
    assert all(line.startswith("# ") for line in metadata)
    assert any(settings.data_licence in line and settings.data_licence_url in line for line in metadata)
    assert any(settings.attribution in line for line in metadata)
    assert sorted(r["id"] for r in rows) == sorted(str(a.id) for a in published)
    assert set(rows[0]) == set(formats.CSV_COLUMNS)
    assert not set(rows[0]) & set(PRIVATE)


def test_csv_cells_cannot_become_formulas(client, published):
    _, rows, _ = _csv(client)
    by_id = {r["id"]: r for r in rows}
    singers, link = by_id[str(published[0].id)], by_id[str(published[1].id)]
    assert link["name"] == "'" + published[1].name
    assert singers["description"] == "'-5 stars? No: a friendly choir, £2"
    assert singers["phone"] == "'+44 161 000 0000" and singers["organisation"] == "'@Manchester Arts"
    assert singers["longitude"] == "-2.240000" and singers["latitude"] == "53.480000"  # numbers stay numbers
    assert singers["opening_hours"] == "Tue 10:00-12:00 (not in August)"
    assert singers["accessibility"] == "step_free; hearing_loop" and singers["free"] == "false"
    assert by_id[str(published[2].id)]["name"] == 'Zumba, "Ladies" & Gents'
    assert singers["url"].endswith(f"/api/v1/assets/{published[0].id}")


def test_geojson_is_a_feature_collection_with_metadata(client, published, monkeypatch):
    monkeypatch.setattr(formats, "ROWS_PER_CHUNK", 1)
    response = client.get("/api/v1/export.geojson")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    assert response.headers["content-disposition"].startswith("attachment; ")
    body = json.loads(response.text)
    settings = get_settings()
    assert body["type"] == "FeatureCollection"
    assert body["metadata"]["licence"] == settings.data_licence and body["metadata"]["licence_url"] == settings.data_licence_url
    assert settings.attribution in body["metadata"]["attribution"]
    features = {f["id"]: f for f in body["features"]}
    assert set(features) == {str(a.id) for a in published}
    singers = features[str(published[0].id)]
    assert singers["geometry"] == {"type": "Point", "coordinates": [-2.24, 53.48]}
    assert singers["properties"]["schedule"] == [{"day": "tue", "opens": "10:00", "closes": "12:00", "note": "not in August"}]
    assert singers["properties"]["organisation"]["name"] == "@Manchester Arts"
    assert not set(singers["properties"]) & set(PRIVATE)


def test_category_filter_includes_sub_categories(client, published):
    _, rows, _ = _csv(client, "?category=arts-culture")
    assert [r["name"] for r in rows] == ["Tuesday Singers"]
    body = client.get("/api/v1/export.geojson?category=libraries&category=exercise-classes").json()
    assert {f["id"] for f in body["features"]} == {str(published[1].id), str(published[2].id)}


def test_unknown_category_is_422_before_any_download(client):
    response = client.get("/api/v1/export.csv?category=nope")
    assert response.status_code == 422
    assert "Unknown category 'nope'" in response.json()["detail"]


def test_empty_export_is_still_a_valid_file(client):
    _, rows, _ = _csv(client)
    assert rows == []
    assert json.loads(client.get("/api/v1/export.geojson").text)["features"] == []


def test_area_filter_keeps_only_assets_inside_the_council(client, session, councils):
    make_asset(session, name="In Manchester", lat=53.4808, lon=-2.2426)
    make_asset(session, name="In Salford", lat=53.4875, lon=-2.2901)
    _, rows, _ = _csv(client, "?area=E08000003")
    assert [r["name"] for r in rows] == ["In Manchester"]
    geo = client.get("/api/v1/export.geojson", params={"area": "e08000003"}).json()
    assert [f["properties"]["name"] for f in geo["features"]] == ["In Manchester"]


def test_unknown_area_is_422(client):
    response = client.get("/api/v1/export.csv", params={"area": "X99999999"})
    assert response.status_code == 422
    assert "X99999999" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/api/v1/export.csv", "/api/v1/export.geojson"])
def test_head_answers_like_get_and_reads_no_more_than_the_first_row(client, published, monkeypatch, path):
    from app.exports import repository

    read: list[int] = []
    stream = repository.stream_published

    def counted(*args, **kwargs):
        for row in stream(*args, **kwargs):
            read.append(1)
            yield row

    monkeypatch.setattr(repository, "stream_published", counted)
    get = client.get(path)
    assert get.status_code == 200 and len(read) == 3
    read.clear()
    head = client.head(path)
    assert head.status_code == 200 and head.content == b""
    assert len(read) == 1  # the first row, which tells that the database answers; not the rest
    for header in ("content-type", "content-disposition"):
        assert head.headers[header] == get.headers[header]
