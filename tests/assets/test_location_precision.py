"""How precisely a place is shown (docs/privacy.md): a place shown approximately is, in every public output, at the
centre of its 250 m cell of the British National Grid; one shown by area, at its postcode district's centre. Two
places in one cell cannot be told apart by position, repeated searches cannot find the real one, and only signed-in
link workers and moderators see where it really is."""

import csv
import io
import math
import re

import mapbox_vector_tile
import numpy as np
import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.accounts.models import Role
from app.accounts.service import create_api_key
from app.exports import formats
from app.imports.readers import import_file
from tests.factories import make_asset
from tests.people import browser, make_user, sign_in

CELL = (383_625.0, 398_125.0)  # the centre of a 250 m cell in Manchester city centre (British National Grid metres)
# Two places inside that cell, each well away from its centre (more than 0.0005° in latitude and in longitude).
INSIDE = {"a": (CELL[0] - 100, CELL[1] + 90), "b": (CELL[0] + 95, CELL[1] - 105)}


def to_lon_lat(session: Session, easting: float, northing: float) -> tuple[float, float]:
    sql = "SELECT ST_X(p), ST_Y(p) FROM ST_Transform(ST_SetSRID(ST_MakePoint(:e, :n), 27700), 4326) p"
    return tuple(session.execute(text(sql), {"e": easting, "n": northing}).one())  # type: ignore[return-value]


def to_grid(session: Session, lon: float, lat: float) -> tuple[float, float]:
    sql = "SELECT ST_X(p), ST_Y(p) FROM ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 27700) p"
    return tuple(session.execute(text(sql), {"lon": lon, "lat": lat}).one())  # type: ignore[return-value]


@pytest.fixture
def hidden(session: Session) -> dict:
    """Two places in one cell, shown approximately (one lets link workers see its address), and where each is."""
    places = {}
    for key, allowed in (("a", True), ("b", False)):
        lon, lat = to_lon_lat(session, *INSIDE[key])
        asset = make_asset(
            session, name=f"Safe Haven {key.upper()}", lat=lat, lon=lon, postcode="M1 1AE", address=f"{key} Secret Street",
            location_precision="approximate", address_for_link_workers=allowed, phone="0161 000 0000",
        )
        places[key] = {"asset": asset, "lat": lat, "lon": lon}
    return places


def exact_traces(place: dict) -> list[str]:
    """How the real position would show in a response: rounded or cut to 4 decimals, or the address."""
    traces = [f"{place['lat']:.4f}", f"{place['lon']:.4f}", str(place["lat"])[:7], str(place["lon"])[:8]]
    return [*traces, "Secret Street"]


def assert_hidden(body: str, hidden: dict) -> None:
    for place in hidden.values():
        for trace in exact_traces(place):
            assert trace not in body, trace


def test_the_public_position_is_the_cells_centre_and_the_same_for_both(client, session, hidden):
    centre_lon, centre_lat = to_lon_lat(session, *CELL)
    a, b = (client.get(f"/api/v1/assets/{hidden[k]['asset'].id}").json() for k in "ab")
    assert (a["lat"], a["lon"]) == (b["lat"], b["lon"])
    assert a["lat"] == pytest.approx(centre_lat, abs=1e-9) and a["lon"] == pytest.approx(centre_lon, abs=1e-9)
    assert a["location_precision"] == "approximate"
    assert a["address"] is None and a["postcode"] is None  # a full postcode would place it within ~100 m
    assert "address_for_link_workers" in a and a["phone"] == "0161 000 0000"
    # moving the place within its cell changes nothing the public sees; into the next cell, the cell's centre
    lon, lat = to_lon_lat(session, CELL[0] + 40, CELL[1] + 40)
    response = client.patch(f"/api/v1/assets/{a['id']}", json={"lat": lat, "lon": lon}, headers=_admin(session))
    assert response.status_code == 200 and response.json()["lat"] == pytest.approx(lat)  # the writer sees the record
    assert client.get(f"/api/v1/assets/{a['id']}").json()["lat"] == a["lat"]
    lon, lat = to_lon_lat(session, CELL[0] + 300, CELL[1])
    client.patch(f"/api/v1/assets/{a['id']}", json={"lat": lat, "lon": lon}, headers=_admin(session))
    moved = client.get(f"/api/v1/assets/{a['id']}").json()
    assert to_grid(session, moved["lon"], moved["lat"]) == pytest.approx((CELL[0] + 250, CELL[1]), abs=0.01)


def _admin(session: Session) -> dict[str, str]:
    return {"X-API-Key": create_api_key(session, "precision test", Role.admin)[1]}


def test_no_public_output_tells_the_two_apart_or_shows_where_they_are(client, session, hidden):
    ids = [str(hidden[k]["asset"].id) for k in "ab"]
    origin = {"lat": 53.4808, "lon": -2.2426}
    bodies: list[str] = []

    def read(path: str, **params) -> str:
        response = client.get(path, params=params)
        assert response.status_code == 200, (path, response.text)
        bodies.append(response.text)
        return response.text

    nearby = client.get("/api/v1/assets/nearby", params={**origin, "radius_m": 3000}).json()["items"]
    bodies.append(str(nearby))
    [first, second] = [item for item in nearby if item["id"] in ids]
    assert (first["lat"], first["lon"], first["distance_m"]) == (second["lat"], second["lon"], second["distance_m"])

    layer = [f for f in client.get("/api/v1/assets.geojson", params={"bbox": "-2.30,53.46,-2.20,53.50"}).json()["features"]]
    bodies.append(str(layer))
    first, second = (f for f in layer if f["id"] in ids)
    assert first["geometry"] == second["geometry"]
    assert first["properties"]["address"] is None and first["properties"]["location_precision"] == "approximate"

    geojson = client.get("/api/v1/export.geojson").json()["features"]
    bodies.append(str(geojson))
    assert len({str(f["geometry"]) for f in geojson if f["id"] in ids}) == 1

    exported = client.get("/api/v1/export.csv").content.decode("utf-8-sig")
    bodies.append(exported)
    rows = list(csv.DictReader(io.StringIO("\n".join(exported.splitlines()[formats.METADATA_LINES:]))))
    assert len({(r["latitude"], r["longitude"], r["address"], r["postcode"]) for r in rows if r["id"] in ids}) == 1

    for sal in client.get("/oruk/service_at_locations").json()["contents"]:
        bodies.append(str(sal))
    services = [client.get(f"/oruk/services/{i}").json() for i in ids]
    bodies.append(str(services))
    places = [(s["service_at_locations"][0]["location"]["latitude"], s["service_at_locations"][0]["location"]["longitude"]) for s in services]
    assert places[0] == places[1]

    code = client.post("/api/v1/shortlists", json={"items": [{"asset_id": i} for i in ids]}).json()["code"]
    shortlist = client.get(f"/api/v1/shortlists/{code}").json()["items"]
    bodies.append(str(shortlist))
    assert shortlist[0]["asset"]["lat"] == shortlist[1]["asset"]["lat"]
    read(f"/s/{code}")

    pages = [read(f"/places/{i}") for i in ids]
    assert [_pin(page) for page in pages][0] == _pin(pages[1])
    assert "Location shown approximately, within about 250 metres." in pages[0]
    assert "Address given on contact" in pages[0] and "0161 000 0000" in pages[0]

    finder = read("/finder", postcode="M1 1AE")
    distances = re.findall(r"Safe Haven [AB]</a>.*?(\d[\d.,]* (?:m|km|miles?))", finder, flags=re.S)
    assert len(distances) == 2 and distances[0] == distances[1]
    assert "Location shown approximately" in finder

    tiles = []
    for z in (12, 16):
        x, y = _tile_of(-2.2426, 53.4808, z) if z == 12 else _tile_of(hidden["a"]["lon"], hidden["a"]["lat"], z)
        tile = client.get(f"/tiles/assets/{z}/{x}/{y}.pbf")
        features = mapbox_vector_tile.decode(tile.content)["assets"]["features"]
        tiles += [f for f in features if f["properties"]["id"] in ids]
    assert len(tiles) == 4 and tiles[0]["geometry"] == tiles[1]["geometry"] and tiles[2]["geometry"] == tiles[3]["geometry"]

    for body in bodies:
        assert_hidden(body, hidden)


def _pin(page: str) -> str:
    return re.search(r"lat=(-?[\d.]+)&amp;lon=(-?[\d.]+)", page).group(0)


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def test_repeated_searches_from_chosen_points_find_only_the_cells_centre(client, session, hidden):
    """The attack: search from points on a ring around the place, read each distance_m, and solve for the position
    (trilateration, least squares in grid metres). It finds the cell's centre, not the place."""
    target = str(hidden["a"]["asset"].id)
    points, distances = [], []
    for step in range(12):
        angle = 2 * math.pi * step / 12
        radius = 600 + 150 * (step % 3)
        easting, northing = CELL[0] + radius * math.cos(angle), CELL[1] + radius * math.sin(angle)
        lon, lat = to_lon_lat(session, easting, northing)
        items = client.get("/api/v1/assets/nearby", params={"lat": lat, "lon": lon, "radius_m": 2000, "limit": 50}).json()["items"]
        [found] = [item for item in items if item["id"] == target]
        points.append((easting, northing))
        distances.append(found["distance_m"])
    (x0, y0), d0 = points[0], distances[0]
    rows = [[2 * (x - x0), 2 * (y - y0)] for x, y in points[1:]]
    values = [d0**2 - d**2 + x**2 - x0**2 + y**2 - y0**2 for (x, y), d in zip(points[1:], distances[1:], strict=True)]
    solved, *_ = np.linalg.lstsq(np.array(rows), np.array(values), rcond=None)
    assert math.dist(solved, CELL) < 5
    assert math.dist(solved, INSIDE["a"]) > 100


def test_by_area_it_is_the_postcode_districts_centre_with_no_address_or_postcode(client, session):
    place = make_asset(session, name="Refuge Group", lat=53.4750, lon=-2.2400, postcode="M1 1AE", address="1 Hidden Road",
                       location_precision="area")
    district = session.execute(text("SELECT lat, lon FROM outcode WHERE outcode = 'M1'")).one()
    shown = client.get(f"/api/v1/assets/{place.id}").json()
    assert (shown["lat"], shown["lon"]) == pytest.approx((district.lat, district.lon), abs=1e-9)
    assert shown["address"] is None and shown["postcode"] is None
    page = client.get(f"/places/{place.id}").text
    assert "Only the area is shown" in page and "Hidden Road" not in page and "M1 1AE" not in page
    # a district the postcode data does not know: the centre of the place's 2 km cell
    unknown = make_asset(session, name="Refuge Two", lat=53.4750, lon=-2.2400, postcode="ZZ9 9ZZ", location_precision="area")
    shown = client.get(f"/api/v1/assets/{unknown.id}").json()
    easting, northing = to_grid(session, shown["lon"], shown["lat"])
    assert (easting % 2000, northing % 2000) == pytest.approx((1000, 1000), abs=0.01)


def test_signed_in_link_workers_and_moderators_see_where_it_is_and_the_address_only_if_allowed(app, session, hidden):
    public = browser(app).get(f"/places/{hidden['a']['asset'].id}")
    assert_hidden(public.text, hidden)
    for role in (Role.link_worker, Role.moderator):
        user = make_user(session, role)
        visitor = browser(app)
        sign_in(visitor, user.email)
        allowed = visitor.get(f"/places/{hidden['a']['asset'].id}")
        assert allowed.headers["cache-control"] == "private, no-store"
        assert f"lat={hidden['a']['lat']:.5f}&amp;lon={hidden['a']['lon']:.5f}" in allowed.text
        assert "a Secret Street" in allowed.text and "M1 1AE" in allowed.text
        assert "do not share this position" in allowed.text
        refused = visitor.get(f"/places/{hidden['b']['asset'].id}").text
        assert f"lat={hidden['b']['lat']:.5f}" in refused
        assert "b Secret Street" not in refused and "Address given on contact" in refused
        # the API tells them the same, by their session or their key, and no cache keeps it
        for headers in ({}, {"X-API-Key": create_api_key(session, "case system", role)[1]}):
            api = visitor.get(f"/api/v1/assets/{hidden['a']['asset'].id}", headers=headers)
            assert api.headers["cache-control"] == "private, no-store"
            shown = api.json()
            assert (shown["lat"], shown["lon"], shown["address"]) == (hidden["a"]["lat"], hidden["a"]["lon"], "a Secret Street")
            assert browser(app).get(f"/api/v1/assets/{hidden['b']['asset'].id}", headers=headers).json()["address"] is None
    shown = browser(app).get(f"/api/v1/assets/{hidden['a']['asset'].id}").json()  # anyone gets the public answer
    assert shown["address"] is None and (shown["lat"], shown["lon"]) != (hidden["a"]["lat"], hidden["a"]["lon"])
    assert browser(app).get(f"/api/v1/assets/{hidden['a']['asset'].id}", headers={"X-API-Key": "nonsense"}).status_code == 401
    claimant = browser(app)
    assert "private" not in claimant.get(f"/places/{hidden['a']['asset'].id}").headers.get("cache-control", "")


def test_an_exact_place_shows_as_before(client, session):
    place = make_asset(session, name="Open Choir", lat=53.4808, lon=-2.2426, postcode="M2 5PD", address="Albert Square")
    shown = client.get(f"/api/v1/assets/{place.id}").json()
    assert (shown["lat"], shown["lon"], shown["address"], shown["postcode"]) == (53.4808, -2.2426, "Albert Square", "M2 5PD")
    assert shown["location_precision"] == "exact"
    page = client.get(f"/places/{place.id}").text
    assert "Albert Square" in page and "Address given on contact" not in page and "approximately" not in page


def test_a_precision_that_is_not_one_of_the_three_is_a_422(client, session):
    response = client.post(
        "/api/v1/assets",
        json={"name": "X", "categories": ["choirs-music"], "postcode": "M1 1AE", "location_precision": "secret"},
        headers=_admin(session),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "location_precision"


def test_a_moderator_changes_how_precisely_a_place_is_shown(client, session):
    place = make_asset(session, name="Peer Support", lat=53.4790, lon=-2.2450, address="3 Home Lane", postcode="M1 1AE")
    report = client.post(
        "/api/v1/submissions",
        json={"kind": "report", "asset_id": str(place.id), "reason": "other", "note": "We meet in a member's home."},
    )
    assert report.status_code == 202, report.text
    sid = session.execute(text("SELECT id FROM submission WHERE asset_id = :id"), {"id": place.id}).scalar_one()
    headers = {"X-API-Key": create_api_key(session, "moderation", Role.moderator)[1]}
    amended = client.patch(
        f"/api/v1/moderation/submissions/{sid}", json={"proposed": {"location_precision": "approximate"}}, headers=headers
    )
    assert amended.status_code == 200, amended.text
    assert client.post(f"/api/v1/moderation/submissions/{sid}/approve", json={}, headers=headers).status_code == 200
    shown = client.get(f"/api/v1/assets/{place.id}").json()
    assert shown["location_precision"] == "approximate" and shown["address"] is None
    assert (shown["lat"], shown["lon"]) != (53.4790, -2.2450)
    history = client.get(f"/api/v1/assets/{place.id}/history", headers=headers)
    assert history.status_code == 200, history.text
    change = history.json()[-1]["changes"]
    assert change["location_precision"] == ["exact", "approximate"]
    assert "lat" not in change  # the history holds where it really is, which did not move


def test_an_import_sets_the_precision_from_a_mapping_column(tmp_path, client, session):
    (tmp_path / "groups.csv").write_text(
        "ref,Name,Postcode,Lat,Lon,Privacy,Address,Link workers\n"
        "g1,Women's Group,M1 1AE,53.4790,-2.2450,Approximate,9 Quiet Close,yes\n"
        "g2,Open Cafe,M1 1AE,53.4800,-2.2400,,2 High Street,\n"
        "g3,Odd Group,M1 1AE,53.4800,-2.2400,hidden,,\n",
        encoding="utf-8",
    )
    (tmp_path / "mapping.yaml").write_text(
        "source: groups\nexternal_id: ref\ncategories: [community-centres]\n"
        "fields:\n  name: Name\n  postcode: Postcode\n  lat: Lat\n  lon: Lon\n  address: Address\n"
        "  location_precision: Privacy\n  address_for_link_workers: Link workers\n",
        encoding="utf-8",
    )
    run = import_file("csv", tmp_path / "groups.csv", tmp_path / "mapping.yaml")
    assert run.counts == {"created": 3, "notes": 1}  # "hidden" is not a precision: that row is kept, shown by area
    assert "shown by area" in run.errors[0]["message"]
    shown = {
        row["name"]: row
        for row in client.get("/api/v1/assets/nearby", params={"postcode": "M1 1AE", "radius_m": 2000}).json()["items"]
    }
    women, cafe = shown["Women's Group"], shown["Open Cafe"]
    assert women["location_precision"] == "approximate" and women["address"] is None and women["address_for_link_workers"]
    assert to_grid(session, women["lon"], women["lat"]) != pytest.approx(to_grid(session, -2.2450, 53.4790), abs=1)
    assert cafe["location_precision"] == "exact" and cafe["address"] == "2 High Street"
    assert shown["Odd Group"]["location_precision"] == "area" and shown["Odd Group"]["postcode"] is None


def test_a_merge_keeps_the_less_precise_of_the_two(client, session):
    """The same group listed twice, once asking to be shown by area: the listing kept is shown by area too."""
    headers = _admin(session)
    kept = make_asset(session, name="Women's Circle", lat=53.4750, lon=-2.2400, postcode="M1 1AE", address="1 Home Road")
    private = make_asset(session, name="Women's Circle", lat=53.4751, lon=-2.2401, postcode="M1 1AE",
                         location_precision="area")
    merged = client.post("/api/v1/moderation/duplicates/merge", json={"keep": str(kept.id), "merge": str(private.id)},
                         headers=headers)
    assert merged.status_code == 200, merged.text
    shown = client.get(f"/api/v1/assets/{kept.id}").json()
    assert shown["location_precision"] == "area" and shown["address"] is None and shown["postcode"] is None
    assert (shown["lat"], shown["lon"]) != (53.4750, -2.2400)
    history = client.get(f"/api/v1/assets/{kept.id}/history", headers=headers).json()
    assert history[-1]["changes"]["location_precision"] == ["exact", "area"]
