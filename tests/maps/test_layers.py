"""Map layers: the GeoJSON endpoint and the vector tiles, against real PostGIS."""

import gzip
import math
import uuid

import mapbox_vector_tile
import pytest

from app.assets.service import archive_asset
from app.core.config import get_settings
from tests.factories import make_asset

MANCHESTER = {"lat": 53.4808, "lon": -2.2426}  # Albert Square, Manchester (E08000003)
SALFORD = {"lat": 53.4830, "lon": -2.2930}  # Salford Crescent, Salford (E08000006)
BOX = "-2.30,53.46,-2.20,53.50"  # holds both


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def tile_position(lon: float, lat: float, z: int, x: int, y: int) -> tuple[float, float]:
    """Where a point falls in tile z/x/y, in tile units (4096 a side, y down)."""
    n = 2**z
    fx = (lon + 180) / 360 * n
    fy = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return (fx - x) * 4096, (fy - y) * 4096


def tile_url(z: int, lon: float, lat: float) -> str:
    x, y = tile_of(lon, lat, z)
    return f"/tiles/assets/{z}/{x}/{y}.pbf"


def decode(content: bytes) -> list[dict]:
    return mapbox_vector_tile.decode(content, default_options={"y_coord_down": True})["assets"]["features"]


def features(client, **params) -> list[dict]:
    response = client.get("/api/v1/assets.geojson", params={"bbox": BOX, **params})
    assert response.status_code == 200, response.text
    return response.json()["features"]


# ---- GeoJSON ---------------------------------------------------------------------------------------------------


def test_geojson_is_an_rfc7946_feature_collection(client, session):
    asset = make_asset(
        session,
        name='The "Singing" <Club> & Friends',
        categories=["choirs-music", "older-people-groups"],
        address="Central Library, St Peter's Square",
        postcode="M2 5PD",
        free=True,
        drop_in=False,
        schedule=[{"day": "tue", "opens": "10:00", "closes": "12:00", "note": "first Tuesday"}],
        **MANCHESTER,
    )
    response = client.get("/api/v1/assets.geojson", params={"bbox": BOX})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    assert response.headers["cache-control"] == f"public, max-age={get_settings().geojson_max_age_seconds}"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert (body["numberReturned"], body["truncated"]) == (1, False)
    [feature] = body["features"]
    assert feature["type"] == "Feature"
    assert feature["id"] == str(asset.id)
    assert feature["geometry"] == {"type": "Point", "coordinates": [MANCHESTER["lon"], MANCHESTER["lat"]]}  # lon first
    assert feature["properties"] == {
        "id": str(asset.id),
        "name": 'The "Singing" <Club> & Friends',
        "name_cy": None,
        "categories": ["choirs-music", "older-people-groups"],
        "category": "arts-culture",  # the top-level category of the first one
        "address": "Central Library, St Peter's Square",
        "postcode": "M2 5PD",
        "location_precision": "exact",
        "free": True,
        "drop_in": False,
        "schedule": [{"day": "tue", "opens": "10:00", "closes": "12:00", "note": "first Tuesday"}],
        "opening_hours_text": None,
        "opening_hours_text_cy": None,
        "last_verified_at": None,
        "stale": True,
        "url": f"/places/{asset.id}",
    }


def test_geojson_holds_only_published_assets(client, session):
    make_asset(session, name="Open", **MANCHESTER)
    make_asset(session, name="Waiting for review", status="pending", **MANCHESTER)
    archive_asset(session, make_asset(session, name="Closed down", **MANCHESTER).id, "tests")
    assert [f["properties"]["name"] for f in features(client)] == ["Open"]
    assert features(client, q="waiting") == []


def test_geojson_bbox_edges(client, session):
    make_asset(session, name="On the west edge", lon=-2.25, lat=53.48)
    make_asset(session, name="On the north-east corner", lon=-2.20, lat=53.50)
    # `&&` compares single-precision boxes, so "just outside" here is 1e-5 degrees (under a metre).
    make_asset(session, name="Just west", lon=-2.25001, lat=53.48)
    make_asset(session, name="Just north", lon=-2.22, lat=53.50001)
    names = {f["properties"]["name"] for f in features(client, bbox="-2.25,53.46,-2.20,53.50")}
    assert names == {"On the west edge", "On the north-east corner"}
    assert len(features(client, bbox="-180,-90,180,90")) == 4


def test_geojson_limit_keeps_the_nearest_to_the_centre_and_says_so(client, session):
    for name, lon in (("centre", -2.25), ("near", -2.26), ("far", -2.29)):
        make_asset(session, name=name, lon=lon, lat=53.48)
    body = client.get("/api/v1/assets.geojson", params={"bbox": BOX, "limit": 2}).json()
    assert [f["properties"]["name"] for f in body["features"]] == ["centre", "near"]
    assert (body["numberReturned"], body["limit"], body["truncated"]) == (2, 2, True)
    body = client.get("/api/v1/assets.geojson", params={"bbox": BOX, "limit": 3}).json()
    assert (body["numberReturned"], body["truncated"]) == (3, False)


def test_geojson_default_and_maximum_limit(client):
    settings = get_settings()
    assert client.get("/api/v1/assets.geojson", params={"bbox": BOX}).json()["limit"] == settings.geojson_default_limit
    response = client.get("/api/v1/assets.geojson", params={"bbox": BOX, "limit": settings.geojson_max_limit + 1})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"
    assert f"must be at most {settings.geojson_max_limit}" in response.json()["detail"]


@pytest.mark.parametrize(
    ("bbox", "message"),
    [
        (None, "bbox is required"),
        ("-2.3,53.4,-2.2", "bbox needs four numbers"),
        ("west,53.4,-2.2,53.5", "bbox must be four numbers"),
        ("-2.2,53.4,-2.3,53.5", "bbox is inverted or empty"),
        ("-2.3,53.5,-2.2,53.4", "bbox is inverted or empty"),
        ("-2.3,53.4,-2.3,53.5", "bbox is inverted or empty"),
        ("-2.3,53.4,190,53.5", "longitudes must be between -180 and 180"),
    ],
)
def test_geojson_bad_bbox_is_422(client, bbox, message):
    response = client.get("/api/v1/assets.geojson", params={"bbox": bbox} if bbox else {})
    assert response.status_code == 422
    assert message in response.json()["detail"]


def test_geojson_filters(client, session, councils):
    make_asset(session, name="Choir", categories=["choirs-music"], **MANCHESTER)
    make_asset(session, name="Food bank", categories=["food-banks"], description="Emergency parcels", **SALFORD)
    assert [f["properties"]["name"] for f in features(client, category="arts-culture")] == ["Choir"]  # sub-categories too
    assert [f["properties"]["name"] for f in features(client, category=["choirs-music", "food"])] == ["Choir", "Food bank"]
    assert [f["properties"]["name"] for f in features(client, q="parcels")] == ["Food bank"]
    assert [f["properties"]["name"] for f in features(client, area="E08000003")] == ["Choir"]
    assert [f["properties"]["name"] for f in features(client, area="E08000006")] == ["Food bank"]
    response = client.get("/api/v1/assets.geojson", params={"bbox": BOX, "category": "knitting"})
    assert response.status_code == 422 and "Unknown category 'knitting'" in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "field", "value"),
    [
        ("/api/v1/assets.geojson", "q", "choir\x00"),
        ("/api/v1/assets.geojson", "area", "E08000003\x1b"),
        (tile_url(14, **MANCHESTER), "area", "\x00"),
        ("/api/v1/assets", "q", "choir\x00"),
        ("/api/v1/assets", "area", "\x00"),
        ("/api/v1/areas", "q", "\x00"),
        ("/oruk/services", "search", "choir\x00"),
    ],
)
def test_control_characters_in_words_or_area_are_422(client, path, field, value):
    """PostgreSQL refuses a NUL: every parameter that reaches a text search or an area lookup is checked first."""
    response = client.get(path, params={field: value, **({"bbox": BOX} if "/assets" in path else {})})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "message": f"{field} contains control characters"}]


def test_control_characters_in_an_area_code_are_422(client):
    response = client.get("/api/v1/areas/E08%00")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "code"


def test_geojson_etag_and_gzip(client, session):
    make_asset(session, **MANCHESTER)
    first = client.get("/api/v1/assets.geojson", params={"bbox": BOX}, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in first.headers
    headers = {"If-None-Match": first.headers["etag"], "Accept-Encoding": "identity"}
    again = client.get("/api/v1/assets.geojson", params={"bbox": BOX}, headers=headers)
    assert again.status_code == 304 and again.content == b""
    with client.stream("GET", "/api/v1/assets.geojson", params={"bbox": BOX}, headers={"Accept-Encoding": "gzip"}) as zipped:
        assert zipped.headers["content-encoding"] == "gzip"
        assert gzip.decompress(b"".join(zipped.iter_raw())) == first.content


# ---- vector tiles ----------------------------------------------------------------------------------------------


def test_tile_holds_the_assets_with_their_properties_and_positions(client, session):
    choir = make_asset(session, name="Choir <b>", categories=["choirs-music", "libraries"], **MANCHESTER)
    make_asset(session, name="Pending", status="pending", **MANCHESTER)
    make_asset(session, name="Salford, another tile at zoom 14", **SALFORD)
    z = 14
    x, y = tile_of(MANCHESTER["lon"], MANCHESTER["lat"], z)
    response = client.get(f"/tiles/assets/{z}/{x}/{y}.pbf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    assert response.headers["cache-control"] == f"public, max-age={get_settings().tile_max_age_seconds}"
    assert response.headers["access-control-allow-origin"] == "*"  # anyone may draw the layer on their own map
    [feature] = decode(response.content)
    assert feature["properties"] == {"id": str(choir.id), "name": "Choir <b>", "category": "arts-culture"}  # no Welsh name
    assert feature["geometry"]["type"] == "Point"
    expected = tile_position(MANCHESTER["lon"], MANCHESTER["lat"], z, x, y)
    assert feature["geometry"]["coordinates"] == pytest.approx(list(expected), abs=1)


def test_tile_buffer_holds_a_neighbour_just_over_the_edge(client, session):
    z = 14
    x, y = tile_of(MANCHESTER["lon"], MANCHESTER["lat"], z)
    east_edge_lon = (x + 1) / 2**z * 360 - 180
    make_asset(session, name="Just over the east edge", lon=east_edge_lon + 0.0001, lat=MANCHESTER["lat"])  # ~ 19 units
    make_asset(session, name="Well over the east edge", lon=east_edge_lon + 0.003, lat=MANCHESTER["lat"])  # ~ 560 units
    [feature] = decode(client.get(f"/tiles/assets/{z}/{x}/{y}.pbf").content)
    assert feature["properties"]["name"] == "Just over the east edge"
    assert 4096 < feature["geometry"]["coordinates"][0] <= 4096 + 64


def test_tile_filters(client, session, councils):
    make_asset(session, name="Choir", categories=["choirs-music"], **MANCHESTER)
    make_asset(session, name="Food bank", categories=["food-banks"], **SALFORD)
    url = tile_url(10, MANCHESTER["lon"], MANCHESTER["lat"])
    assert url == tile_url(10, SALFORD["lon"], SALFORD["lat"])  # one tile holds both

    def names(**params) -> list[str]:
        response = client.get(url, params=params)
        return sorted(f["properties"]["name"] for f in decode(response.content)) if response.status_code == 200 else []

    assert names() == ["Choir", "Food bank"]
    assert names(category="food") == ["Food bank"]
    assert names(category=["food", "arts-culture"]) == ["Choir", "Food bank"]
    assert names(area="E08000003") == ["Choir"]
    assert names(area="E08000006", category="food") == ["Food bank"]
    assert client.get(url, params={"area": "E08000006", "category": "arts-culture"}).status_code == 204
    response = client.get(url, params={"category": "knitting"})
    assert response.status_code == 422 and "Unknown category 'knitting'" in response.json()["detail"]


def test_tile_feature_cap_keeps_the_same_sample_every_time(client, session, monkeypatch):
    ids = [make_asset(session, lon=MANCHESTER["lon"] + i * 0.0001, lat=MANCHESTER["lat"]).id for i in range(5)]
    monkeypatch.setattr(get_settings(), "tile_max_features", 2)
    url = tile_url(14, MANCHESTER["lon"], MANCHESTER["lat"])
    kept = [uuid.UUID(f["properties"]["id"]) for f in decode(client.get(url).content)]
    assert sorted(kept) == sorted(ids)[:2]  # the lowest (random) ids: an even sample, stable between requests
    monkeypatch.setattr(get_settings(), "tile_max_features", 5000)
    assert len(decode(client.get(url).content)) == 5


def test_empty_tile_is_204(client, session):
    make_asset(session, **MANCHESTER)
    response = client.get("/tiles/assets/14/0/0.pbf")
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["cache-control"] == f"public, max-age={get_settings().tile_max_age_seconds}"


def test_tile_etag_and_304(client, session):
    make_asset(session, **MANCHESTER)
    url = tile_url(12, MANCHESTER["lon"], MANCHESTER["lat"])
    first = client.get(url)
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert client.get(url).headers["etag"] == etag  # same body, same tag
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        not_modified = client.get(url, headers={"If-None-Match": header})
        assert not_modified.status_code == 304, header
        assert not_modified.content == b"" and not_modified.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    make_asset(session, lon=MANCHESTER["lon"] + 0.001, lat=MANCHESTER["lat"])
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


def test_tile_is_gzipped_when_the_client_accepts_it(client, session):
    make_asset(session, **MANCHESTER)
    url = tile_url(12, MANCHESTER["lon"], MANCHESTER["lat"])
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding"
    for accept in ("gzip", "br;q=1.0, gzip;q=0.8, *;q=0.1", "*"):
        with client.stream("GET", url, headers={"Accept-Encoding": accept}) as zipped:
            assert zipped.headers["content-encoding"] == "gzip", accept
            assert gzip.decompress(b"".join(zipped.iter_raw())) == plain.content
            assert zipped.headers["etag"] != plain.headers["etag"]  # a different representation, a different tag
    assert "content-encoding" not in client.get(url, headers={"Accept-Encoding": "gzip;q=0, br"}).headers


@pytest.mark.parametrize(
    ("path", "field", "message"),
    [
        ("23/0/0", "z", "must be at most 22"),
        ("-1/0/0", "z", "must be at least 0"),
        ("0/1/0", "x", "at zoom 0, x runs from 0 to 0"),
        ("3/8/0", "x", "at zoom 3, x runs from 0 to 7"),
        ("3/0/8", "y", "at zoom 3, y runs from 0 to 7"),
        ("3/0/-1", "y", "must be at least 0"),
        ("three/0/0", "z", "valid integer"),
    ],
)
def test_tile_outside_the_grid_is_422(client, path, field, message):
    response = client.get(f"/tiles/assets/{path}.pbf")
    assert response.status_code == 422
    body = response.json()
    assert message in body["detail"]
    assert body["errors"][0]["field"] == field


def test_openapi_documents_the_layers(client):
    paths = client.get("/openapi.json").json()["paths"]
    tile = paths["/tiles/assets/{z}/{x}/{y}.pbf"]["get"]
    assert "application/vnd.mapbox-vector-tile" in tile["responses"]["200"]["content"]
    assert "204" in tile["responses"] and "204 No Content" in tile["description"]
    assert "application/geo+json" in paths["/api/v1/assets.geojson"]["get"]["responses"]["200"]["content"]


def test_the_layers_ignore_parameters_they_do_not_know(client):
    """A page or a cache-buster may add its own parameters: they are not errors (maps/schemas.py LayerQuery)."""
    geojson = client.get("/api/v1/assets.geojson", params={"bbox": BOX, "utm_source": "newsletter", "lang": "cy"})
    assert geojson.status_code == 200 and geojson.json()["type"] == "FeatureCollection"
    assert client.get("/tiles/assets/2/1/1.pbf", params={"t": "123"}).status_code in (200, 204)


def test_the_geojson_layer_documents_its_box_first(client):
    parameters = client.get("/openapi.json").json()["paths"]["/api/v1/assets.geojson"]["get"]["parameters"]
    assert [(p["name"], p["required"]) for p in parameters] == [
        ("bbox", True), ("category", False), ("area", False), ("v", False), ("q", False), ("limit", False)
    ]
