"""The map page stays small however many assets there are: the places are fetched by viewport, never embedded."""

import pytest
from sqlalchemy import text

from app.core.db import get_engine
from app.maps.views import GEOJSON_LIMIT

pytestmark = pytest.mark.slow

MAX_PAGE_BYTES = 300_000
BULK = 100_000


@pytest.fixture
def hundred_thousand_assets():
    """100k published assets spread over Greater Manchester, written by PostgreSQL in one statement each."""
    with get_engine().begin() as conn:
        conn.execute(text("SET LOCAL statement_timeout = 0"))  # a bulk load, not a request
        conn.execute(text("""
            INSERT INTO asset (id, name, location, status)
            SELECT gen_random_uuid(), 'Bulk place ' || g,
                   ST_SetSRID(ST_MakePoint(-2.45 + random() * 0.45, 53.35 + random() * 0.25), 4326)::geography,
                   'published'
            FROM generate_series(1, :n) AS g
        """), {"n": BULK})
        conn.execute(text("""
            INSERT INTO asset_category (asset_id, category_id)
            SELECT a.id, c.id FROM asset a, category c WHERE c.slug = 'community-centres'
        """))
        conn.execute(text("ANALYZE asset"))
    yield BULK
    with get_engine().begin() as conn:
        conn.execute(text("TRUNCATE asset CASCADE"))  # only this test's rows are there: each test starts empty


def test_map_pages_stay_small_with_100k_assets(client, hundred_thousand_assets):
    for path in ("/", "/embed", "/?lat=53.4808&lon=-2.2426&zoom=10"):
        response = client.get(path)
        assert response.status_code == 200
        assert len(response.content) < MAX_PAGE_BYTES, f"{path} is {len(response.content):,} bytes"
        assert "Bulk place" not in response.text

    # What the page then fetches for its first view is capped too.
    layer = client.get("/api/v1/assets.geojson", params={"bbox": "-2.45,53.35,-2.00,53.60", "limit": GEOJSON_LIMIT})
    assert layer.status_code == 200
    body = layer.json()
    assert len(body["features"]) == GEOJSON_LIMIT and body["truncated"] is True
