"""Areas: loading ONS boundaries, finding areas, and the `area` filter on the asset list and nearby search."""

import json
from pathlib import Path

import pytest
from shapely.geometry import Point, shape
from sqlalchemy import text
from typer.testing import CliRunner

from app.cli import app as cli
from app.imports.runner import read_text
from tests.conftest import COUNCILS_FILE
from tests.factories import make_asset

pytestmark = pytest.mark.usefixtures("councils")

MANCHESTER = {"lat": 53.4808, "lon": -2.2426}  # Albert Square, Manchester (E08000003)
SALFORD = {"lat": 53.4830, "lon": -2.2930}  # Salford Crescent, Salford (E08000006)
_SOURCE = {f["properties"]["areacd"]: f for f in json.loads(read_text(COUNCILS_FILE))["features"]}


def _squashed(output: str) -> str:
    return " ".join(output.split())


# ---- finding areas ---------------------------------------------------------------------------------------------


def test_find_by_name_in_any_case(client):
    found = client.get("/api/v1/areas", params={"q": "MANCHESTER"}).json()
    assert found[0]["code"] == "E08000003"
    assert found[0]["name"] == "Manchester"
    assert found[0]["level"] == "ltla"
    minlon, minlat, maxlon, maxlat = found[0]["bbox"]
    assert minlon < MANCHESTER["lon"] < maxlon and minlat < MANCHESTER["lat"] < maxlat


def test_names_starting_with_the_words_come_first(client):
    names = [a["name"] for a in client.get("/api/v1/areas", params={"q": "man"}).json()]
    assert names[:2] == ["Manchester", "Mansfield"]
    assert {"Clackmannanshire", "Fermanagh and Omagh"} <= set(names[2:])


def test_find_by_code(client):
    assert [a["name"] for a in client.get("/api/v1/areas", params={"q": "e08000006"}).json()] == ["Salford"]


def test_like_wildcards_in_q_are_plain_characters(client):
    assert client.get("/api/v1/areas", params={"q": "%"}).json() == []
    assert client.get("/api/v1/areas", params={"q": "_"}).json() == []


def test_level_filter(client):
    assert [a["code"] for a in client.get("/api/v1/areas", params={"q": "salford", "level": "ltla"}).json()] == ["E08000006"]
    assert client.get("/api/v1/areas", params={"q": "salford", "level": "country"}).json() == []
    response = client.get("/api/v1/areas", params={"level": "parish"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "level"


def test_without_q_lists_areas_by_name(client):
    areas = client.get("/api/v1/areas", params={"limit": 500, "level": "ltla"}).json()
    assert {a["code"] for a in areas} >= set(_SOURCE)
    assert [a["name"] for a in areas] == sorted(a["name"] for a in areas)


def test_one_area_with_its_outline(client):
    body = client.get("/api/v1/areas/e08000003").json()
    assert body["code"] == "E08000003"
    assert body["geometry"]["type"] == "MultiPolygon"
    outline = shape(body["geometry"])
    assert outline.contains(Point(MANCHESTER["lon"], MANCHESTER["lat"]))
    assert not outline.contains(Point(SALFORD["lon"], SALFORD["lat"]))
    assert body["bbox"] == pytest.approx(list(outline.bounds), abs=1e-5)


def test_unknown_area_is_404(client):
    response = client.get("/api/v1/areas/E99000000")
    assert response.status_code == 404
    assert "E99000000" in response.json()["detail"]


def test_invalid_source_polygons_are_stored_valid(session):
    invalid_in_file = [code for code, f in _SOURCE.items() if not shape(f["geometry"]).is_valid]
    assert invalid_in_file, "the council file is known to hold invalid polygons"
    row = session.execute(
        text(
            "SELECT count(*) AS n, bool_and(ST_IsValid(geom)) AS valid, bool_and(GeometryType(geom) = 'MULTIPOLYGON') AS multi "
            "FROM area WHERE code = ANY(:codes)"
        ),
        {"codes": invalid_in_file},
    ).one()
    assert row.n == len(invalid_in_file) and row.valid and row.multi


# ---- the area filter -------------------------------------------------------------------------------------------


@pytest.fixture
def two_councils(session):
    return {
        "manchester": make_asset(session, name="Manchester lunch club", **MANCHESTER).id,
        "salford": make_asset(session, name="Salford lunch club", **SALFORD).id,
    }


def test_list_keeps_to_the_area(client, two_councils):
    def names(area: str) -> list[str]:
        return [a["name"] for a in client.get("/api/v1/assets", params={"area": area}).json()["items"]]

    assert names("E08000003") == ["Manchester lunch club"]
    assert names("e08000006") == ["Salford lunch club"]
    assert names("") == ["Manchester lunch club", "Salford lunch club"]  # a blank form field is no filter


def test_nearby_keeps_to_the_area(client, two_councils):
    params = {"postcode": "M1 1AE", "radius_m": 10_000}
    assert client.get("/api/v1/assets/nearby", params=params).json()["total"] == 2
    body = client.get("/api/v1/assets/nearby", params={**params, "area": "E08000006"}).json()
    assert [a["name"] for a in body["items"]] == ["Salford lunch club"]
    assert body["total"] == 1


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/assets?area=E99000000",
        "/api/v1/assets/nearby?postcode=M1%201AE&area=E99000000",
        "/api/v1/assets.geojson?bbox=-2.3,53.4,-2.2,53.5&area=E99000000",
        "/tiles/assets/10/505/330.pbf?area=E99000000",
    ],
)
def test_unknown_area_filter_is_422(client, url):
    response = client.get(url)
    assert response.status_code == 422
    body = response.json()
    assert "Unknown area 'E99000000'" in body["detail"]
    assert body["errors"] == [{"field": "area", "message": body["detail"]}]


# ---- importing boundaries --------------------------------------------------------------------------------------

FAKE = ("E99999901", "E99999902")


@pytest.fixture
def boundary_file(tmp_path):
    """Writes a boundary file: Manchester's and Salford's real outlines under test-only codes."""
    created: list[Path] = []

    def write(features: list[dict] | None = None, raw: str | None = None) -> Path:
        path = tmp_path / f"boundaries_{len(created)}.geojson"
        path.write_text(raw if raw is not None else json.dumps({"type": "FeatureCollection", "features": features}))
        created.append(path)
        return path

    yield write


@pytest.fixture(autouse=True)
def _forget_test_areas(session):
    yield
    session.execute(text("DELETE FROM area WHERE code LIKE 'E999999%'"))
    session.commit()


def _feature(code: str, name: str, source: str = "E08000003", geometry: dict | None = None) -> dict:
    return {"type": "Feature", "properties": {"areacd": code, "areanm": name}, "geometry": geometry or _SOURCE[source]["geometry"]}


def _import(path: Path, level: str = "ltla"):
    return CliRunner().invoke(cli, ["import", "boundaries", str(path), "--level", level])


def _test_areas(session) -> dict[str, tuple[str, list[str]]]:
    rows = session.execute(text("SELECT code, name, levels FROM area WHERE code LIKE 'E999999%' ORDER BY code"))
    return {r.code: (r.name, r.levels) for r in rows}


def test_import_is_idempotent(session, boundary_file):
    path = boundary_file([_feature(FAKE[0], "Test Manchester"), _feature(FAKE[1], "Test Salford", "E08000006")])
    first = _import(path)
    assert first.exit_code == 0, first.output
    assert "Loaded 2 areas: 2 new, 0 changed, 0 unchanged." in _squashed(first.output)
    again = _import(path)
    assert again.exit_code == 0
    assert "0 new, 0 changed, 2 unchanged" in _squashed(again.output)
    assert _test_areas(session) == {FAKE[0]: ("Test Manchester", ["ltla"]), FAKE[1]: ("Test Salford", ["ltla"])}

    renamed = boundary_file([_feature(FAKE[0], "Test Manchester (renamed)"), _feature(FAKE[1], "Test Salford", "E08000006")])
    assert "0 new, 1 changed, 1 unchanged" in _squashed(_import(renamed).output)
    assert _test_areas(session)[FAKE[0]][0] == "Test Manchester (renamed)"


def test_a_code_loaded_at_a_second_level_gains_it(client, session, boundary_file):
    path = boundary_file([_feature(FAKE[0], "Test unitary")])
    assert _import(path, "ltla").exit_code == 0
    assert "1 changed" in _squashed(_import(path, "utla").output)
    assert _test_areas(session) == {FAKE[0]: ("Test unitary", ["ltla", "utla"])}
    found = client.get("/api/v1/areas", params={"q": "test unitary", "level": "utla"}).json()
    assert [(a["code"], a["level"], a["levels"]) for a in found] == [(FAKE[0], "ltla", ["ltla", "utla"])]


def test_an_invalid_polygon_is_repaired(session, boundary_file):
    bow_tie = {"type": "Polygon", "coordinates": [[[-2.0, 53.0], [-1.9, 53.1], [-1.9, 53.0], [-2.0, 53.1], [-2.0, 53.0]]]}
    assert not shape(bow_tie).is_valid
    assert _import(boundary_file([_feature(FAKE[0], "Bow tie", geometry=bow_tie)])).exit_code == 0
    row = session.execute(
        text("SELECT ST_IsValid(geom) AS valid, ST_NumGeometries(geom) AS parts, ST_Area(geom) AS area FROM area WHERE code = :c"),
        {"c": FAKE[0]},
    ).one()
    assert row.valid and row.parts == 2 and row.area == pytest.approx(0.005)


_NOT_LONLAT = {"type": "Polygon", "coordinates": [[[383000, 398000], [384000, 398000], [384000, 399000], [383000, 398000]]]}
_NO_AREA = {"type": "Polygon", "coordinates": [[[-2.0, 53.0], [-1.5, 53.5], [-1.0, 54.0], [-2.0, 53.0]]]}  # a line


@pytest.mark.parametrize(
    ("second", "raw", "message"),
    [
        (None, '{"type": "FeatureCollection", "features": [', "is not valid JSON"),
        (None, '{"type": "Feature", "properties": {}}', "is not a GeoJSON FeatureCollection"),
        (None, '{"type": "FeatureCollection", "features": []}', "has no features"),
        ({"type": "Feature", "properties": {"areanm": "Nowhere"}, "geometry": _NO_AREA}, None, "feature 2 has no areacd"),
        (_feature(FAKE[1], "Point", geometry={"type": "Point", "coordinates": [-2, 53]}), None, "has Point; expected a Polygon"),
        (_feature(FAKE[1], "Bad", geometry={"type": "Polygon", "coordinates": [["x"]]}), None, "outline PostGIS cannot read"),
        (_feature(FAKE[1], "Grid", geometry=_NOT_LONLAT), None, "coordinates outside longitude/latitude"),
        (_feature(FAKE[0], "Twice"), None, "the code E99999901 appears twice"),
        (_feature(FAKE[1], "Flat", geometry=_NO_AREA), None, "E99999902 (Flat) has an outline with no area"),
    ],
)
def test_a_malformed_file_is_refused_and_changes_nothing(session, boundary_file, second, raw, message):
    assert _import(boundary_file([_feature(FAKE[0], "Before")])).exit_code == 0
    # The first feature would rename a known area; the bad one comes after it, so all or nothing is tested.
    path = boundary_file([_feature(FAKE[0], "After"), second]) if second else boundary_file(raw=raw)
    result = _import(path)
    assert result.exit_code == 1
    assert message in _squashed(result.output)
    assert "Traceback" not in result.output
    assert _test_areas(session) == {FAKE[0]: ("Before", ["ltla"])}
