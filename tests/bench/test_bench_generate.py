"""The benchmark's data generator (bench/generate.py) still makes what the benchmarks claim: a realistic mix."""

import pytest
from sqlalchemy import text

from bench import generate
from tests.conftest import TEST_DATABASE_URL

pytestmark = pytest.mark.slow

COUNT = 500


def test_generator_makes_the_promised_mix(session, client):
    made = generate.generate(TEST_DATABASE_URL, COUNT)
    assert made == {"assets": COUNT, "added": COUNT, "seconds": made["seconds"]}
    mix = generate.mix(TEST_DATABASE_URL)
    assert mix["assets"] == COUNT

    # The whole database is vacuumed and analysed, the rows the triggers wrote and the postcodes too.
    tended = session.execute(
        text(
            "SELECT relname FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL AND last_analyze IS NOT NULL "
            "AND relname IN ('asset', 'asset_item', 'asset_tile_point', 'postcode')"
        )
    ).scalars()
    assert sorted(tended) == ["asset", "asset_item", "asset_tile_point", "postcode"]

    # Categories: every asset has one, everyday places outnumber specialist services, as CATEGORY_MIX says.
    uncategorised = session.execute(
        text("SELECT count(*) FROM asset a WHERE NOT EXISTS (SELECT 1 FROM asset_category c WHERE c.asset_id = a.id)")
    ).scalar_one()
    assert uncategorised == 0
    top = mix["top_categories"]
    assert max(top, key=top.get) == "local-businesses"
    assert top["local-businesses"] > 3 * top.get("money-advice", 0)
    assert len(top) >= 12

    # Schedules: about a fifth with none, the rest weekly groups (1-2 sessions) or opening hours (5-6).
    sessions = mix["sessions_per_asset"]
    assert set(sessions) <= {0, 1, 2, 5, 6}
    assert 0.12 < sessions.get(0, 0) < 0.28
    assert 0.35 < sessions.get(1, 0) + sessions.get(2, 0) < 0.65
    assert 0.20 < sessions.get(5, 0) + sessions.get(6, 0) < 0.40
    assert 0.88 < mix["status"]["published"] < 0.99

    # Positions are real postcodes' (within ~50 m of the postcode each asset names).
    far = session.execute(
        text(
            "SELECT count(*) FROM asset a JOIN postcode p ON p.postcode = a.postcode "
            "WHERE ST_Distance(a.location, ST_MakePoint(p.lon, p.lat)::geography) > 60"
        )
    ).scalar_one()
    placed = session.execute(text("SELECT count(*) FROM asset a JOIN postcode p ON p.postcode = a.postcode")).scalar_one()
    assert (placed, far) == (COUNT, 0)

    # The search finds them, with their schedules.
    postcode = session.execute(text("SELECT postcode FROM asset WHERE status = 'published' LIMIT 1")).scalar_one()
    body = client.get("/api/v1/assets/nearby", params={"postcode": postcode, "radius_m": 5000}).json()
    # The asset at that postcode is within ~40 m of it; it need not be first, as fresh places lead each 400 m band.
    assert body["total"] >= 1 and min(item["distance_m"] for item in body["items"]) < 60
    assert any(item["schedule"] for item in body["items"]) or body["total"] < 5

    # A smaller count starts again rather than keeping extra rows (its TRUNCATE waits for our reads to end).
    session.rollback()
    assert generate.generate(TEST_DATABASE_URL, 100)["assets"] == 100
    assert session.execute(text("SELECT count(*) FROM asset")).scalar_one() == 100
