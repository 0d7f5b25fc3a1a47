"""The link worker's search: ordering, distances, radius, filters, pagination and bad input."""

import random
import re

import pytest
from pyproj import Geod

from tests.factories import make_asset

GEOD = Geod(ellps="WGS84")
ORIGIN = (53.48348, -2.23118)  # M1 1AE


def geodesic_m(lat: float, lon: float) -> float:
    return GEOD.inv(ORIGIN[1], ORIGIN[0], lon, lat)[2]


def point_at(distance_m: float, bearing: float) -> tuple[float, float]:
    lon, lat, _ = GEOD.fwd(ORIGIN[1], ORIGIN[0], bearing, distance_m)
    return lat, lon


def nearby(client, **params):
    params.setdefault("lat", ORIGIN[0])
    params.setdefault("lon", ORIGIN[1])
    params = {k: v for k, v in params.items() if v is not None}
    response = client.get("/api/v1/assets/nearby", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_results_are_nearest_first_with_geodesic_distances(client, session):
    rng = random.Random(7)
    for i in range(40):
        lat, lon = point_at(rng.uniform(10, 4000), rng.uniform(0, 360))
        make_asset(session, name=f"Place {i}", lat=lat, lon=lon)
    body = nearby(client, radius_m=5000, limit=100)
    assert body["total"] == 40
    items = body["items"]
    expected = sorted(items, key=lambda item: geodesic_m(item["lat"], item["lon"]))
    assert [i["id"] for i in items] == [i["id"] for i in expected]
    for item in items:
        assert item["distance_m"] == pytest.approx(geodesic_m(item["lat"], item["lon"]), abs=0.05)


def test_ordering_is_exact_where_sphere_and_ellipsoid_disagree(client, session):
    # North-south and east-west distances of nearly the same length rank differently on a sphere and on WGS84.
    north = point_at(1000.0, 0)
    east = point_at(1002.0, 90)
    make_asset(session, name="North", lat=north[0], lon=north[1])
    make_asset(session, name="East", lat=east[0], lon=east[1])
    names = [i["name"] for i in nearby(client, radius_m=2000)["items"]]
    assert names == ["North", "East"]


def test_ordering_is_exact_when_the_nearest_on_the_ellipsoid_is_not_among_the_nearest_on_the_sphere(client, session):
    # The ranking first reads the KNN_FACTOR × window nearest on the sphere (app/search/repository.py): with a page of
    # one, three east-west places 1,002 m away are nearer on the sphere than a north-south one at 1,000 m.
    from datetime import UTC, datetime

    from sqlalchemy import text

    from app.search.repository import KNN_FACTOR

    fresh = datetime.now(UTC)  # all fresh, so that only distance decides
    north = make_asset(session, name="North", lat=point_at(1000.0, 0)[0], lon=point_at(1000.0, 0)[1], last_verified_at=fresh)
    for i in range(KNN_FACTOR):
        lat, lon = point_at(1002.0 + 0.05 * i, 90 if i % 2 == 0 else 270)
        make_asset(session, name=f"East-west {i}", lat=lat, lon=lon, last_verified_at=fresh)
    on_sphere = session.execute(text(
        "SELECT id FROM asset ORDER BY location <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography LIMIT :n"
    ), {"lat": ORIGIN[0], "lon": ORIGIN[1], "n": KNN_FACTOR}).scalars().all()
    assert north.id not in on_sphere  # the premise
    assert [i["name"] for i in nearby(client, radius_m=2000, limit=1)["items"]] == ["North"]
    assert nearby(client, radius_m=2000, limit=2)["items"][0]["name"] == "North"


def test_radius_edge(client, session):
    inside = point_at(999.0, 45)
    outside = point_at(1001.0, 225)
    make_asset(session, name="Inside", lat=inside[0], lon=inside[1])
    make_asset(session, name="Outside", lat=outside[0], lon=outside[1])
    body = nearby(client, radius_m=1000)
    assert [i["name"] for i in body["items"]] == ["Inside"]
    assert body["total"] == 1 and body["radius_m"] == 1000


def test_default_radius_is_one_mile(client, session):
    make_asset(session, name="Within a mile", lat=point_at(1600, 0)[0], lon=point_at(1600, 0)[1])
    make_asset(session, name="Beyond a mile", lat=point_at(1620, 0)[0], lon=point_at(1620, 0)[1])
    body = nearby(client)
    assert body["radius_m"] == 1609
    assert [i["name"] for i in body["items"]] == ["Within a mile"]


def test_search_by_postcode_reports_the_origin(client, session):
    make_asset(session, name="Next door", lat=53.4835, lon=-2.2312)
    body = nearby(client, lat=None, lon=None, postcode="m11ae")
    assert body["origin"] == {"lat": ORIGIN[0], "lon": ORIGIN[1], "postcode": "M1 1AE"}
    assert body["items"][0]["name"] == "Next door"
    assert body["items"][0]["distance_m"] < 20


def test_outcode_search_uses_the_centroid(client, session):
    make_asset(session, name="Central")
    body = nearby(client, lat=None, lon=None, postcode="M1", radius_m=5000)
    assert body["origin"]["postcode"] == "M1"
    assert body["total"] == 1


def test_only_published_assets_are_found(client, session):
    make_asset(session, name="Live")
    make_asset(session, name="Waiting", status="pending")
    make_asset(session, name="Gone", status="archived")
    assert [i["name"] for i in nearby(client)["items"]] == ["Live"]


def test_pages_have_no_gaps_or_duplicates(client, session):
    rng = random.Random(11)
    for i in range(23):
        lat, lon = point_at(rng.uniform(0, 1500), rng.uniform(0, 360))
        make_asset(session, name=f"P{i}", lat=lat, lon=lon)
    everything = nearby(client, limit=100)["items"]
    seen: list[str] = []
    url = "/api/v1/assets/nearby"
    params: dict | None = {"lat": ORIGIN[0], "lon": ORIGIN[1], "limit": 5}
    pages = 0
    while url:
        body = client.get(url, params=params).json()
        seen += [i["id"] for i in body["items"]]
        assert body["total"] == 23
        url, params = body["next"], None
        pages += 1
    assert pages == 5
    assert seen == [i["id"] for i in everything]


def test_offset_past_the_end_is_empty_but_counts(client, session):
    make_asset(session)
    body = nearby(client, offset=50)
    assert body == {**body, "items": [], "total": 1, "next": None}


class TestFilters:
    def test_category_includes_sub_categories(self, client, session):
        make_asset(session, name="Choir", categories=["choirs-music"])
        make_asset(session, name="Food bank", categories=["food-banks"])
        assert [i["name"] for i in nearby(client, category="arts-culture")["items"]] == ["Choir"]
        assert [i["name"] for i in nearby(client, category="choirs-music")["items"]] == ["Choir"]
        both = nearby(client, category=["choirs-music", "food"])
        assert {i["name"] for i in both["items"]} == {"Choir", "Food bank"}

    def test_text_search_over_name_description_and_tags(self, client, session):
        make_asset(session, name="Tuesday Singers", description="A friendly choir")
        make_asset(session, name="Knit and natter", tags=["knitting", "crochet"])
        make_asset(session, name="Men's shed", description="Woodwork and a brew")
        assert [i["name"] for i in nearby(client, q="choir")["items"]] == ["Tuesday Singers"]
        assert [i["name"] for i in nearby(client, q="crochet")["items"]] == ["Knit and natter"]
        assert [i["name"] for i in nearby(client, q="singer")["items"]] == ["Tuesday Singers"]

    def test_free(self, client, session):
        make_asset(session, name="Free", free=True)
        make_asset(session, name="Paid", free=False, cost_description="£3")
        make_asset(session, name="Unknown")
        assert [i["name"] for i in nearby(client, free="true")["items"]] == ["Free"]
        assert [i["name"] for i in nearby(client, free="false")["items"]] == ["Paid"]

    def test_drop_in(self, client, session):
        make_asset(session, name="Walk in", drop_in=True)
        make_asset(session, name="Referral", drop_in=False)
        assert [i["name"] for i in nearby(client, drop_in="true")["items"]] == ["Walk in"]

    def test_language(self, client, session):
        make_asset(session, name="Polish club", languages=["Polish", "English"])
        make_asset(session, name="Urdu group", languages=["Urdu"])
        make_asset(session, name="Not recorded")
        assert [i["name"] for i in nearby(client, language="polish")["items"]] == ["Polish club"]
        assert nearby(client, language="Welsh")["items"] == []
        too_long = client.get("/api/v1/assets/nearby", params={"lat": ORIGIN[0], "lon": ORIGIN[1], "language": "x" * 61})
        assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "language"

    def test_carers_welcome(self, client, session):
        make_asset(session, name="Bring your carer", carers_welcome=True)
        make_asset(session, name="On your own", carers_welcome=False)
        make_asset(session, name="Not recorded")
        assert [i["name"] for i in nearby(client, carers_welcome="true")["items"]] == ["Bring your carer"]
        assert [i["name"] for i in nearby(client, carers_welcome="false")["items"]] == ["On your own"]
        assert nearby(client, carers_welcome="true")["items"][0]["carers_welcome"] is True

    def test_day_and_time(self, client, session):
        make_asset(session, name="Tuesday morning", schedule=[{"day": "tue", "opens": "10:00", "closes": "12:00"}])
        make_asset(session, name="Tuesday evening", schedule=[{"day": "tue", "opens": "18:00", "closes": "20:00"}])
        make_asset(session, name="Friday", schedule=[{"day": "fri", "opens": "09:00", "closes": "17:00"}])
        assert {i["name"] for i in nearby(client, day="tue")["items"]} == {"Tuesday morning", "Tuesday evening"}
        assert [i["name"] for i in nearby(client, day="tue", time="10:00")["items"]] == ["Tuesday morning"]
        assert [i["name"] for i in nearby(client, day="tue", time="11:59")["items"]] == ["Tuesday morning"]
        assert nearby(client, day="tue", time="12:00")["items"] == []
        assert nearby(client, day="mon")["items"] == []

    def test_accessibility_needs_every_feature(self, client, session):
        make_asset(session, name="Both", accessibility=["step_free", "hearing_loop"])
        make_asset(session, name="Step free", accessibility=["step_free"])
        assert {i["name"] for i in nearby(client, accessibility="step_free")["items"]} == {"Both", "Step free"}
        assert [i["name"] for i in nearby(client, accessibility=["step_free", "hearing_loop"])["items"]] == ["Both"]

    def test_age(self, client, session):
        make_asset(session, name="Over 60s", min_age=60)
        make_asset(session, name="Youth", min_age=11, max_age=18)
        make_asset(session, name="Everyone")
        assert {i["name"] for i in nearby(client, age=70)["items"]} == {"Over 60s", "Everyone"}
        assert {i["name"] for i in nearby(client, age=18)["items"]} == {"Youth", "Everyone"}
        assert {i["name"] for i in nearby(client, age=19)["items"]} == {"Everyone"}

    def test_filters_combine(self, client, session):
        make_asset(session, name="Match", categories=["lunch-clubs"], free=True, min_age=60, accessibility=["step_free"],
                   schedule=[{"day": "tue", "opens": "12:00", "closes": "14:00"}])
        make_asset(session, name="Not free", categories=["lunch-clubs"], free=False, accessibility=["step_free"],
                   schedule=[{"day": "tue", "opens": "12:00", "closes": "14:00"}])
        make_asset(session, name="Wrong day", categories=["lunch-clubs"], free=True, accessibility=["step_free"],
                   schedule=[{"day": "wed", "opens": "12:00", "closes": "14:00"}])
        body = nearby(client, category="social-connection", free="true", day="tue", age=75, accessibility="step_free")
        assert [i["name"] for i in body["items"]] == ["Match"]


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"lat": 91, "lon": 0}, 422, "lat must be at most 90"),
        ({"lat": -90.5, "lon": 0}, 422, "lat must be at least -90"),
        ({"lat": 53, "lon": 181}, 422, "lon must be at most 180"),
        ({"lat": "north", "lon": 0}, 422, "lat"),
        ({"lat": 53}, 422, "give both lat and lon"),
        ({}, 422, "exactly one"),
        ({"lat": 53, "lon": -2, "postcode": "M1 1AE"}, 422, "exactly one"),
        ({"postcode": "not a postcode"}, 422, "not a UK postcode"),
        ({"postcode": "ZZ9 9ZZ"}, 404, "do not know the postcode"),
        ({"lat": 53, "lon": -2, "radius_m": 0}, 422, "radius_m must be at least 1"),
        ({"lat": 53, "lon": -2, "radius_m": 50001}, 422, "radius_m must be at most 50000"),
        ({"lat": 53, "lon": -2, "category": "unicorns"}, 422, "Unknown category 'unicorns'"),
        ({"lat": 53, "lon": -2, "day": "tue", "time": "25:00"}, 422, "HH:MM"),
        ({"lat": 53, "lon": -2, "day": "tue", "time": "10am"}, 422, "HH:MM"),
        ({"lat": 53, "lon": -2, "day": "tue", "time": "10:30\n"}, 422, "HH:MM"),
        ({"postcode": "M1 1AE", "q": "choir\x00"}, 422, "q contains control characters"),
        ({"lat": 53, "lon": -2, "area": "\x00"}, 422, "area contains control characters"),
        ({"lat": 53, "lon": -2, "time": "10:00"}, 422, "time needs a day"),
        ({"lat": 53, "lon": -2, "day": "tuesday"}, 422, "day"),
        ({"lat": 53, "lon": -2, "accessibility": "wings"}, 422, "accessibility"),
        ({"lat": 53, "lon": -2, "limit": 101}, 422, "limit must be at most 100"),
        ({"lat": 53, "lon": -2, "colour": "blue"}, 422, "colour is not a field"),
    ],
)
def test_bad_input_gets_a_clear_message(client, params, status, words):
    response = client.get("/api/v1/assets/nearby", params=params)
    assert response.status_code == status, response.text
    assert words in response.json()["detail"]


def test_query_uses_the_spatial_index(session):
    """The nearby SQL reaches the asset table through its GiST index (KNN `<->`), never a sequential scan."""
    from sqlalchemy import text

    from app.search.repository import nearby_json_statement, nearby_statement, page_params

    # The test table is tiny, so PostgreSQL may as well read it all, or read the index as a bitmap and sort a handful of
    # rows (both seen, depending on what earlier tests left in its statistics): ask for the plan a large table gets.
    for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
        session.execute(text(f"SET LOCAL {setting} = off"))
    params = {"lat": 53.48, "lon": -2.23, "radius": 1609, **page_params(20, 0), "remote_limit": 20}
    for statement in (nearby_statement([]), nearby_json_statement([], [])):
        plan = "\n".join(r[0] for r in session.execute(text("EXPLAIN " + statement), params))
        knn = re.search(r"(Index (Only )?Scan) using (\w+) on asset.*\n.*\n\s+Order By: \(location <->", plan)
        assert knn, plan
        # geography's KNN cannot run as an index-only scan (see the repository's docstring)
        assert knn.group(1) == "Index Scan", plan
        assert "Seq Scan on asset" not in plan


def test_items_built_by_postgresql_match_the_published_schema(client, session):
    """The API's items come as JSON from PostgreSQL (search.repository.nearby_json_statement): field for field they
    must be what NearbyItem makes of the same rows, with nothing missing or extra, fresh and stale, full and sparse."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text

    from app.search import repository
    from app.search.schemas import NearbyItem

    full = make_asset(
        session, name="Full <b>details</b>", description="Tea & talk", lat=point_at(120, 10)[0], lon=point_at(120, 10)[1],
        categories=["community-centres", "cafes"], tags=["tea", "chat"], address="1 High St", postcode="M1 1AE",
        organisation={"name": "Friends", "website": "https://friends.example", "email": "hi@friends.example", "phone": "0161 000 0000"},
        phone="0161 111 1111", email="group@example.org", website="https://group.example", free=False,
        cost_description="£2", accessibility=["step_free", "hearing_loop"], languages=["en", "cy"], min_age=18,
        max_age=99, audience="Older men", drop_in=True, opening_hours_text="Tuesdays",
        schedule=[{"day": "tue", "opens": "10:00", "closes": "12:00", "note": "first week"}, {"day": "mon", "opens": "09:30", "closes": "11:00"}],
        source="council", external_id="X-1", last_verified_at=datetime.now(UTC) - timedelta(days=3),
    )
    sparse = make_asset(session, name="Sparse", lat=point_at(300, 200)[0], lon=point_at(300, 200)[1])
    session.execute(text("UPDATE asset SET last_verified_at = NULL WHERE id = :id"), {"id": sparse.id})
    session.commit()

    items = nearby(client, radius_m=1000)["items"]
    params = {"lat": ORIGIN[0], "lon": ORIGIN[1], "radius": 1000}
    _, rows = repository.nearby(session, [], params, 20, 0)
    assert [i["id"] for i in items] == [str(r["id"]) for r in rows] == [str(full.id), str(sparse.id)]
    for item, row in zip(items, rows, strict=True):
        expected = NearbyItem.model_validate(row)
        assert set(item) == set(expected.model_dump())
        assert NearbyItem.model_validate(item) == expected
    assert items[0]["stale"] is False and items[1]["stale"] is True
    detail = client.get(f"/api/v1/assets/{full.id}").json()
    for field in ("created_at", "updated_at", "last_verified_at"):  # written the same way as elsewhere in the API
        assert datetime.fromisoformat(items[0][field]) == datetime.fromisoformat(detail[field])
        assert items[0][field].endswith("Z") and detail[field].endswith("Z")
    assert items[0]["schedule"][0] == {"day": "mon", "opens": "09:30", "closes": "11:00", "note": None}
    assert items[1]["schedule"] == [] and items[1]["organisation"] is None
