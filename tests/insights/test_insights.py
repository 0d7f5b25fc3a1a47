"""Insights (issue 14): deprivation import, access by LSOA cross-checked with pyproj, anonymised search demand, the
privacy threshold, the area API and its errors, the refresh and its schedule."""

import csv
import gzip
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pyproj import Geod
from sqlalchemy import text

from app.core.config import Settings, get_settings
from app.core.db import get_engine
from app.imports.demo import load_deprivation, pack_data
from app.imports.deprivation import files_in, import_deprivation
from app.insights import recorder, repository, service
from tests.conftest import DEMO_PACK
from tests.factories import make_asset

pytestmark = pytest.mark.usefixtures("lsoas", "councils")

RUTLAND, CARDIFF = "E01013799", "W01001941"  # Rutland 003B (Oakham), Cardiff 032G (the city centre)
CENTROIDS = {RUTLAND: (52.6722, -0.728), CARDIFF: (51.47815, -3.17559)}  # lat, lon from the ONS centroid file
GEOD = Geod(ellps="WGS84")
INSIDE_CARDIFF_032G = (51.4785, -3.1760)  # a point inside Cardiff 032G's outline


def _searches(session) -> list[dict]:
    recorder.flush()
    return [dict(r) for r in session.execute(text("SELECT * FROM search_demand ORDER BY cardinality(filters) DESC")).mappings()]


# --- The import ---------------------------------------------------------------------------------------------------

def test_the_import_loads_each_nations_own_deciles_and_is_idempotent(session):
    files = pack_data().deprivation
    first = import_deprivation(files)
    again = import_deprivation(files)
    assert first.status == again.status == "succeeded" and first.kind == "deprivation"
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 2559}
    assert "2,559 LSOAs (650 in England, 1,909 in Wales)" in again.message and "2,559 unchanged" in again.message
    sql = "SELECT code, nation, deprivation_decile, deprivation_rank FROM lsoa WHERE code = ANY(:c)"
    rows = {r[0]: tuple(r[1:]) for r in session.execute(text(sql), {"c": ["E01005061", "W01000001"]}).all()}
    assert rows["E01005061"] == ("E", 1, 724)  # Manchester 018A: England's IMD 2019
    assert rows["W01000001"] == ("W", 5, 885)  # Wales's WIMD 2019
    missing = session.execute(text("SELECT count(*) FROM lsoa WHERE boundary IS NULL OR deprivation_decile IS NULL")).scalar_one()
    assert missing == 0
    assert files_in(DEMO_PACK / "deprivation") == files


def test_load_demo_step_skips_what_is_loaded():
    said: list[str] = []
    track = lambda description, total=None: ((lambda n: None), (lambda n: None))  # noqa: E731
    load_deprivation(pack_data(), track, said.append)
    load_deprivation(pack_data(), track, said.append)
    assert said[0].startswith("Deprivation: Loaded 2,559 LSOAs") and "skipped" in said[1]


def test_a_broken_file_changes_nothing(tmp_path, session):
    for path in pack_data().deprivation.all():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    wimd = tmp_path / "wimd2019_lsoa11_wales.csv.gz"
    wimd.write_bytes(gzip.compress(b"lsoa11cd,IMD_rank,IMD_decile\nW01000001,885,11\n"))
    before = session.execute(text("SELECT count(*) FROM lsoa")).scalar_one()
    with pytest.raises(Exception, match="decile 11 is not 1"):
        import_deprivation(files_in(tmp_path))
    assert session.execute(text("SELECT count(*) FROM lsoa")).scalar_one() == before
    run = session.execute(text("SELECT status FROM import_run WHERE kind = 'deprivation'")).scalar_one()
    assert run == "failed"


# --- Access -------------------------------------------------------------------------------------------------------

def _real_places_near(session, within_m: float = 4000) -> list[tuple[str, float, float]]:
    """The pack's real libraries and GP practices within `within_m` of the two LSOAs, made into published assets."""
    sources = [
        ("uk_public_libraries_librarydata.csv.gz", "libraries", "Library name", "Latitude", "Longitude"),
        ("gp_practices_england_wales_epraccur_active_geocoded.csv.gz", "gp-practices", "name", "latitude", "longitude"),
    ]
    made = []
    for file, category, name, lat_col, lon_col in sources:
        with gzip.open(DEMO_PACK / "assets" / file, "rt", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                if not row[lat_col] or not row[lon_col]:
                    continue
                lat, lon = float(row[lat_col]), float(row[lon_col])
                if any(GEOD.inv(c_lon, c_lat, lon, lat)[2] <= within_m for c_lat, c_lon in CENTROIDS.values()):
                    make_asset(session, name=row[name][:200], categories=[category], lat=lat, lon=lon)
                    made.append((category, lat, lon))
    return made


def test_access_counts_match_an_independent_geodesic_computation(session):
    places = _real_places_near(session)
    make_asset(session, name="A pending library", categories=["libraries"], lat=52.6723, lon=-0.7281, status="pending")
    assert {c for c, _, _ in places} == {"libraries", "gp-practices"} and len(places) >= 10
    done = service.refresh(get_settings())
    lsoas = session.execute(text("SELECT count(*) FROM lsoa")).scalar_one()
    assert lsoas >= 2559 and done["counts"]["lsoas"] == lsoas and done["counts"]["access_rows"] == lsoas * 18
    tops = {"libraries": "learning", "gp-practices": "health-services"}
    for lsoa, (c_lat, c_lon) in CENTROIDS.items():
        for category, top in tops.items():
            distances = [GEOD.inv(c_lon, c_lat, lon, lat)[2] for cat, lat, lon in places if cat == category]
            expected = (sum(d <= 800 for d in distances), sum(d <= 1600 for d in distances), min(distances))
            got = session.execute(text(
                "SELECT places_800m, places_1600m, nearest_m FROM lsoa_access a JOIN category c ON c.id = a.category_id "
                "WHERE a.lsoa_code = :l AND c.slug = :t"), {"l": lsoa, "t": top}).one()
            assert (got[0], got[1]) == expected[:2], (lsoa, top, got, expected)
            assert got[2] == pytest.approx(expected[2], abs=0.01)
    # A category with no published place anywhere: nothing within reach and no nearest.
    none = session.execute(text(
        "SELECT places_1600m, nearest_m FROM lsoa_access a JOIN category c ON c.id = a.category_id "
        "WHERE a.lsoa_code = :l AND c.slug = 'carers'"), {"l": CARDIFF}).one()
    assert tuple(none) == (0, None)
    # Far from both (Sheffield): the nearest beyond 1,600 m is found and measured too.
    far = session.execute(text(
        "SELECT nearest_m FROM lsoa_access a JOIN category c ON c.id = a.category_id JOIN lsoa l ON l.code = a.lsoa_code "
        "WHERE l.code = 'E01007955' AND c.slug = 'learning'")).scalar_one()
    lat, lon = session.execute(text("SELECT ST_Y(centroid), ST_X(centroid) FROM lsoa WHERE code = 'E01007955'")).one()
    expected_far = min(GEOD.inv(lon, lat, p_lon, p_lat)[2] for cat, p_lat, p_lon in places if cat == "libraries")
    assert far == pytest.approx(expected_far, rel=0.005)


def test_the_api_gives_an_areas_lsoas_with_their_figures(client, session):
    _real_places_near(session, within_m=2000)
    service.refresh(get_settings())
    answer = client.get("/api/v1/insights/areas", params={"area": "W06000015", "category": "learning"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/geo+json")
    body = answer.json()
    assert body["type"] == "FeatureCollection" and body["as_of"].endswith("Z")
    assert "cannot be compared" in body["notes"]["deprivation"]
    codes = {f["properties"]["lsoa"] for f in body["features"]}
    assert CARDIFF in codes and all(c.startswith("W01") for c in codes) and len(codes) == 214  # Cardiff's LSOAs
    feature = next(f for f in body["features"] if f["id"] == CARDIFF)
    assert feature["geometry"]["type"] == "MultiPolygon"
    props = feature["properties"]
    assert list(props) == ["lsoa", "name", "nation", "deprivation_decile", "places_800m", "places_1600m", "nearest_m",
                           "searches", "unmet_searches"]
    assert props["name"] == "Cardiff 032G" and props["nation"] == "W" and 1 <= props["deprivation_decile"] <= 10
    assert props["places_800m"] >= 1 and props["searches"] is None and props["unmet_searches"] is None
    as_csv = client.get("/api/v1/insights/areas", params={"area": "W06000015", "category": "learning", "format": "csv"})
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    lines = as_csv.text.splitlines()
    assert lines[0] == "lsoa,name,nation,deprivation_decile,places_800m,places_1600m,nearest_m,searches,unmet_searches"
    assert len(lines) == 215 and any(line.startswith(f"{CARDIFF},Cardiff 032G,W,") and line.endswith(",,") for line in lines)


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"area": "X99999999", "category": "learning"}, 422, "/api/v1/areas"),
        ({"area": "W06000015", "category": "no-such-thing"}, 422, "/api/v1/categories"),
        ({"area": "W06000015", "category": "libraries"}, 422, "sub-category of 'learning'"),
        ({"category": "learning"}, 422, "area"),
        ({"area": "W06000015"}, 422, "category"),
        ({"area": "W06000015", "category": "learning", "format": "xml"}, 422, "format"),
    ],
)
def test_bad_input_is_a_clear_4xx(client, params, status, words):
    answer = client.get("/api/v1/insights/areas", params=params)
    assert answer.status_code == status
    assert words in str(answer.json())


def test_the_map_layer_serves_lsoas_by_viewport_with_simplified_outlines(client, session):
    _real_places_near(session, within_m=2000)
    service.refresh(get_settings())
    box = {"bbox": "-3.19,51.47,-3.16,51.49", "category": "learning"}
    near = client.get("/api/v1/insights/lsoas.geojson", params={**box, "zoom": 15})
    assert near.status_code == 200 and near.headers["content-type"].startswith("application/geo+json")
    assert near.headers["etag"] and "max-age" in near.headers["cache-control"]
    body = near.json()
    codes = [f["id"] for f in body["features"]]
    assert CARDIFF in codes and body["truncated"] is False and len(codes) < 100
    props = next(f["properties"] for f in body["features"] if f["id"] == CARDIFF)
    assert list(props) == list(service.PROPERTIES) and props["places_800m"] >= 1
    far = client.get("/api/v1/insights/lsoas.geojson", params={**box, "zoom": 8}).json()
    points = lambda collection: sum(len(ring) for f in collection["features"]  # noqa: E731
                                    for polygon in f["geometry"]["coordinates"] for ring in polygon)
    assert [f["id"] for f in far["features"]] == codes and points(far) < points(body)  # simplified when zoomed out
    # All of Wales at once is cut to the limit, nearest the centre first; an area keeps to its own LSOAs.
    wales = client.get("/api/v1/insights/lsoas.geojson", params={"bbox": "-5.5,51.3,-2.6,53.5", "zoom": 7, "category": "food"})
    assert wales.json()["numberReturned"] == 1909 and wales.json()["truncated"] is False
    limited = service.lsoa_layer(session, service.BBox(-5.5, 51.3, -2.6, 53.5), 7, "food", None, limit=100)
    assert b'"numberReturned":100' in limited and b'"truncated":true' in limited
    rutland = client.get("/api/v1/insights/lsoas.geojson", params={"bbox": "-1,52.5,-0.4,52.8", "zoom": 10,
                                                                     "category": "food", "area": "E06000017"}).json()
    assert len(rutland["features"]) == 23 and all(f["properties"]["name"].startswith("Rutland") for f in rutland["features"])
    for params in ({**box, "zoom": 30}, {**box, "zoom": 12, "bbox": "1,2,3"}, {**box, "zoom": 12, "category": "libraries"},
                   {**box, "zoom": 12, "area": "X1"}):
        assert client.get("/api/v1/insights/lsoas.geojson", params=params).status_code == 422


def test_the_api_is_documented(client):
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/insights/areas"]["get"]
    assert "text/csv" in operation["responses"]["200"]["content"]
    assert "422" in operation["responses"]


# --- Demand -------------------------------------------------------------------------------------------------------

def _search_from_cardiff(client, n: int, **extra) -> None:
    lat, lon = INSIDE_CARDIFF_032G
    for _ in range(n):
        assert client.get("/api/v1/assets/nearby", params={"lat": lat, "lon": lon, "category": "libraries", **extra}).status_code == 200


def _into_last_month() -> None:
    """Moves the recorded searches to the last day of the month before theirs: only whole past months are published."""
    recorder.flush()
    with get_engine().begin() as conn:
        conn.execute(text("UPDATE search_demand SET day = (date_trunc('month', day) - interval '1 day')::date"))


def _published(client) -> dict:
    _into_last_month()
    service.refresh(get_settings())
    body = client.get("/api/v1/insights/areas", params={"area": "W06000015", "category": "learning"}).json()
    return next(f["properties"] for f in body["features"] if f["id"] == CARDIFF)


def test_nine_searches_are_withheld_ten_are_published_and_counts_are_rounded_to_five(client, session):
    _search_from_cardiff(client, 9)
    recorder.flush()
    assert (_published(client)["searches"], _published(client)["unmet_searches"]) == (None, None)
    _search_from_cardiff(client, 1)
    recorder.flush()
    assert (_published(client)["searches"], _published(client)["unmet_searches"]) == (10, 10)  # nothing found: unmet
    _search_from_cardiff(client, 3)
    recorder.flush()
    assert _published(client)["searches"] == 15  # 13 rounds to 15
    assert len(_searches(session)) == 13
    # Only the first page of a search is counted; a search for a sub-category counts for its top-level one.
    lat, lon = INSIDE_CARDIFF_032G
    client.get("/api/v1/assets/nearby", params={"lat": lat, "lon": lon, "category": "libraries", "offset": 20})
    assert len(_searches(session)) == 13


def _insert_searches(session, days_and_counts, lsoa: str = CARDIFF, categories: tuple[str, ...] = ("libraries",)) -> None:
    rows = [{"d": day, "l": lsoa, "c": list(categories)} for day, n in days_and_counts for _ in range(n)]
    session.execute(text("INSERT INTO search_demand (day, lsoa_code, categories, found) VALUES (:d, :l, :c, 0)"), rows)
    session.commit()


def _cardiff_published(client) -> int | None:
    service.refresh(get_settings())
    body = client.get("/api/v1/insights/areas", params={"area": "W06000015", "category": "learning"}).json()
    return next(f["properties"] for f in body["features"] if f["id"] == CARDIFF)["searches"]


def test_only_whole_past_calendar_months_are_published(client, session):
    """The published window is the 12 calendar months before the current one: a search made this month is not
    published until the month is over, so figures do not move between refreshes within a month."""
    today = service.today()
    months = service.published_months(today)
    assert len(months) == 12 and months[-1] < today.replace(day=1) and months[-1].day == 1
    assert (months[-1].year * 12 + months[-1].month) - (months[0].year * 12 + months[0].month) == 11
    _insert_searches(session, [(today, 12), (today.replace(day=1), 3)])  # this month: not yet
    assert _cardiff_published(client) is None
    _insert_searches(session, [(months[-1], 12)])  # last month: published
    assert _cardiff_published(client) == 10
    _insert_searches(session, [(months[0], 5), (months[0] - timedelta(days=1), 20)])  # the first month's first day is in
    assert _cardiff_published(client) == 15  # 17 searches; the day before the window's first is not counted


def test_monthly_figures_withhold_nine_searches_and_publish_ten(client, session):
    months = service.published_months(service.today())
    _insert_searches(session, [(months[-1], 9), (months[-2], 10), (months[-3], 13)])
    _insert_searches(session, [(months[-2], 12)], categories=("food-banks",))
    done = service.refresh(get_settings())
    assert done["counts"]["monthly_rows"] >= 3
    report = service.area_report(session, "W06000015", "learning")
    assert report.months == months
    learning = report.monthly[report.category.id]
    assert months[-1] not in learning  # 9: withheld
    assert learning[months[-2]] == (10, 10) and learning[months[-3]] == (15, 15)
    food = next(n for n in service.get_taxonomy(session).roots if n.slug == "food")
    assert report.monthly[food.id] == {months[-2]: (10, 10)}
    # A council with no searches has no monthly figures.
    assert session.execute(text("SELECT count(*) FROM area_demand_month WHERE area_code = 'E06000017'")).scalar_one() == 0


def test_unmet_searches_found_fewer_than_the_setting(client, session):
    lat, lon = INSIDE_CARDIFF_032G
    for i in range(3):
        make_asset(session, name=f"Library {i}", categories=["libraries"], lat=lat + 0.001 * i, lon=lon)
    _search_from_cardiff(client, 10)
    _search_from_cardiff(client, 10, radius_m=50)  # finds one library: unmet (fewer than 3)
    recorder.flush()
    assert {r["found"] for r in _searches(session)} == {3, 1}
    figures = _published(client)
    assert (figures["searches"], figures["unmet_searches"]) == (20, 10)


def test_no_stored_row_holds_a_postcode_coordinates_or_words(client, session):
    postcode, (lat, lon) = "CF10 1EP", INSIDE_CARDIFF_032G
    assert client.get("/api/v1/assets/nearby", params={"postcode": postcode, "q": "secret words", "age": 75, "free": True,
                                                       "category": "libraries", "accessibility": "step_free"}).status_code == 200
    assert client.get("/api/v1/assets/nearby", params={"lat": lat, "lon": lon, "day": "tue", "time": "10:30"}).status_code == 200
    assert client.get("/finder", params={"postcode": "CF10 1AA", "q": "private"}).status_code == 200
    columns = session.execute(text(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'search_demand' ORDER BY ordinal_position"
    )).scalars().all()
    assert columns == ["id", "day", "lsoa_code", "categories", "filters", "found"]
    rows = _searches(session)
    assert len(rows) == 3 and all(r["lsoa_code"].startswith("W01") for r in rows)
    assert rows[0]["categories"] == ["libraries"] and rows[0]["filters"] == ["accessibility", "age", "free", "q"]
    assert rows[1]["categories"] == [] and rows[1]["filters"] == ["open_at", "weekday"]
    forbidden = ["CF10", "1EP", "1AA", "secret", "private", "75", "10:30", "51.4", "-3.1", "3.17", "tue", "step_free"]
    for row in rows:
        for column, value in row.items():
            if column in ("id", "found"):
                continue
            assert not any(f in str(value) for f in forbidden), (column, value)


def test_the_language_asked_for_is_never_stored(client, session):
    """A language a link worker searched for can say who the person is: only the filter's name is kept."""
    lat, lon = INSIDE_CARDIFF_032G
    assert client.get("/api/v1/assets/nearby", params={"lat": lat, "lon": lon, "language": "Polish"}).status_code == 200
    assert client.get("/finder", params={"postcode": "CF10 1EP", "language": "Tigrinya"}).status_code == 200
    rows = _searches(session)
    assert len(rows) == 2 and all(r["filters"] == ["language"] for r in rows)
    stored = " ".join(str(value) for row in rows for value in row.values()).lower()
    assert "polish" not in stored and "tigrinya" not in stored


def test_searches_outside_england_and_wales_are_not_recorded(client, session):
    for lat, lon in ((55.9533, -3.1883), (54.15, -4.48)):  # Edinburgh; Douglas, Isle of Man
        assert client.get("/api/v1/assets/nearby", params={"lat": lat, "lon": lon}).status_code == 200
    assert _searches(session) == []


def test_the_setting_turns_recording_off(session):
    """The serving app's own RECORD_SEARCHES decides, whatever the process's settings say."""
    from app.main import create_app

    quiet = create_app(get_settings().model_copy(update={"record_searches": False}))
    with TestClient(quiet) as client:
        _search_from_cardiff(client, 2)
        assert client.get("/finder", params={"postcode": "CF10 1EP"}).status_code == 200
        oruk = client.get("/oruk/service_at_locations", params={"postcode": "CF10 1EP", "proximity": 1609})
        assert oruk.status_code == 200
    assert get_settings().record_searches  # the process's settings would record
    assert _searches(session) == []


def test_a_head_request_is_nobodys_search(client, session):
    lat, lon = INSIDE_CARDIFF_032G
    head = client.head("/api/v1/assets/nearby", params={"lat": lat, "lon": lon, "category": "libraries"})
    assert head.status_code == 200 and not head.content
    assert client.head("/finder", params={"postcode": "CF10 1EP"}).status_code == 200
    assert _searches(session) == []
    _search_from_cardiff(client, 1)  # the same search as a GET is recorded
    assert len(_searches(session)) == 1


def test_a_failure_to_record_never_breaks_a_search(client, session, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database is gone")

    monkeypatch.setattr(repository, "record_searches", broken)
    _search_from_cardiff(client, 1)
    monkeypatch.setattr(recorder, "submit", broken)
    _search_from_cardiff(client, 1)
    assert _searches(session) == []


def test_raw_searches_are_purged_after_the_retention_period(session):
    today = service.today()
    for day in (today, today - timedelta(days=380), today - timedelta(days=400)):
        session.execute(text("INSERT INTO search_demand (day, lsoa_code, found) VALUES (:d, :l, 0)"), {"d": day, "l": CARDIFF})
    session.commit()
    assert service.purge_searches(get_settings()) == 1  # 400 days is past 13 months; 380 is not
    assert session.execute(text("SELECT count(*) FROM search_demand")).scalar_one() == 2


# --- The refresh --------------------------------------------------------------------------------------------------

def test_only_one_refresh_runs_at_a_time(session):
    assert repository.lock_refresh(session, wait=False)
    assert service.refresh(get_settings(), wait=False) is None  # another holds the lock
    session.rollback()
    assert service.refresh(get_settings(), wait=False)["finished_at"] is not None
    assert service.refresh(get_settings(), wait=False, older_than_minutes=60) is None  # fresh enough


def test_the_app_refreshes_by_itself_when_the_setting_asks(session):
    from fastapi.testclient import TestClient

    from app.main import create_app

    settings = Settings(database_url=get_settings().database_url, insights_refresh_minutes=1)
    with TestClient(create_app(settings)):
        for _ in range(100):
            if repository.last_refresh(session):
                break
            time.sleep(0.1)
    assert repository.last_refresh(session) is not None
