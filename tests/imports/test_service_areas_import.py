"""CSV and GeoJSON imports of services that are not a place (issue 19): a mapping fills `delivery` and
`service_areas` from columns (areas by ONS code or by name, separated by ; or ,), and a row with no position is kept
when it is delivered by phone, online or at home and names a service area we hold (docs/imports.md)."""

import json
from pathlib import Path

import pytest

from app.imports.readers import import_file
from tests.factories import make_asset

pytestmark = pytest.mark.usefixtures("nations")

MAPPING = """\
source: charities
external_id: id
fields:
  name: name
  delivery: how
  service_areas: areas
  postcode: postcode
  lat: lat
  lon: lon
categories: befriending
"""
ROWS = """\
id,name,how,areas,postcode,lat,lon
1,Carers Wales helpline,Phone,Wales; cardiff,,,
2,Greater Manchester online group,online,"E08000003, Salford",,,
3,Silver line,PHONE,UK,,,
4,Line without areas,phone,,,,
5,Line for nowhere,home,Atlantis,,,
6,Lunch club,,,M1 1AE,,
7,Delivered by pigeon,by pigeon,Wales,,,
8,Home visits with an odd postcode,home,"http://statistics.data.gov.uk/id/statistical-geography/W06000015; Narnia",not known,,
9,Line with a position,phone,W92000004,,51.48,-3.18
"""


def run(tmp_path: Path, rows: str = ROWS, mapping: str = MAPPING, kind: str = "csv", name: str = "services.csv"):
    (tmp_path / name).write_text(rows, encoding="utf-8")
    (tmp_path / "mapping.yaml").write_text(mapping, encoding="utf-8")
    return import_file(kind, tmp_path / name, tmp_path / "mapping.yaml")


def remote_names(client, postcode: str) -> list[str]:
    body = client.get("/api/v1/assets/nearby", params={"postcode": postcode}).json()
    return [i["name"] for i in body["remote"]["items"]]


def test_a_csv_sets_delivery_and_service_areas_and_keeps_rows_without_a_position(tmp_path, client):
    imported = run(tmp_path)
    assert imported.counts["created"] == 6 and imported.counts["failed"] == 3, (imported.counts, imported.errors)
    by_ref = {}
    for problem in imported.errors:
        by_ref.setdefault(problem["ref"], []).append(problem["message"])
    assert "no service areas" in " ".join(by_ref["line 5"])  # line 5 is row 4: no areas at all
    assert "service areas 'Atlantis': neither an area code nor the name of an area we hold" in " ".join(by_ref["line 6"])
    assert any("by pigeon" in m and "is not location, phone, online or home" in m for m in by_ref["line 8"])
    assert any("no position" in m for m in by_ref["line 8"])
    assert any("Narnia" in m for m in by_ref["line 9"]) and any("'not known' is not a UK postcode" in m for m in by_ref["line 9"])

    assets = {a["name"]: a for a in client.get("/api/v1/assets", params={"limit": 50}).json()["items"]}
    assert assets["Carers Wales helpline"]["delivery"] == "phone"
    assert assets["Carers Wales helpline"]["service_areas"] == ["W92000004", "W06000015"]
    assert assets["Greater Manchester online group"]["service_areas"] == ["E08000003", "E08000006"]
    assert assets["Silver line"]["service_areas"] == ["K02000001"]
    assert assets["Home visits with an odd postcode"]["service_areas"] == ["W06000015"]
    assert assets["Home visits with an odd postcode"]["postcode"] is None
    assert (assets["Line with a position"]["lat"], assets["Lunch club"]["delivery"]) == (None, "location")
    assert remote_names(client, "CF10 1EP") == [
        "Carers Wales helpline", "Home visits with an odd postcode", "Line with a position", "Silver line",
    ]
    assert remote_names(client, "M1 1AE") == ["Greater Manchester online group", "Silver line"]
    assert run(tmp_path).counts["unchanged"] == 6  # a re-run changes nothing


def test_a_geojson_feature_without_geometry_is_a_service_by_its_areas(tmp_path, client, session):
    make_asset(session, name="Lunch club", lat=53.4808, lon=-2.2426)
    features = [
        {"type": "Feature", "id": "g1", "geometry": None,
         "properties": {"name": "Online peer group", "how": "online", "areas": "Manchester,Salford"}},
        {"type": "Feature", "id": "g2", "geometry": None, "properties": {"name": "Nowhere", "how": "online"}},
    ]
    mapping = "source: geo\nexternal_id: '@id'\nfields:\n  name: name\n  delivery: how\n  service_areas: areas\ncategories: befriending\n"
    imported = run(tmp_path, json.dumps({"type": "FeatureCollection", "features": features}), mapping, "geojson",
                   "services.geojson")
    assert imported.counts["created"] == 1 and imported.counts["failed"] == 1, imported.errors
    assert remote_names(client, "M1 1AE") == ["Online peer group"]


def test_a_values_table_reads_other_words_for_delivery(tmp_path, client):
    mapping = MAPPING.replace("  delivery: how\n", "  delivery: {column: how, values: {helpline: phone, web chat: online}}\n")
    rows = "id,name,how,areas,postcode,lat,lon\n1,Carers line,Helpline,W06000015,,,\n2,Chat,web chat,UK,,,\n"
    imported = run(tmp_path, rows, mapping)
    assert imported.counts == {"created": 2}, imported.errors
    assets = {a["name"]: a["delivery"] for a in client.get("/api/v1/assets").json()["items"]}
    assert assets == {"Carers line": "phone", "Chat": "online"}
