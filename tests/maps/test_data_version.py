"""The layers' data version (migration 0020, app/maps/data_version.py): versioned URLs are immutable, the version
follows the published places, and an old or unknown version is never cached for good."""

import uuid

import pytest
from sqlalchemy import text

from app.assets.schemas import AssetUpdate
from app.assets.service import archive_asset, update_asset
from app.core.config import get_settings
from app.core.db import get_engine
from app.maps import data_version
from tests.factories import make_asset
from tests.maps.test_layers import BOX, MANCHESTER, tile_url

IMMUTABLE = "public, max-age=31536000, immutable"
GEOJSON = "/api/v1/assets.geojson"


def counter() -> int:
    with get_engine().connect() as conn:
        return conn.execute(text("SELECT version FROM data_version")).scalar_one()


def current(client) -> str:
    response = client.get("/api/v1/data-version")
    assert response.status_code == 200
    return response.json()["version"]


def names(response) -> list[str]:
    return [f["properties"]["name"] for f in response.json()["features"]]


def short_geojson() -> str:
    return f"public, max-age={get_settings().geojson_max_age_seconds}"


def test_the_data_version_endpoint_names_the_version_and_the_urls(client):
    response = client.get("/api/v1/data-version")
    assert response.headers["cache-control"] == "no-cache"
    body = response.json()
    number, day, mark = body["version"].split("-")
    assert int(number) == counter() and len(day) == 8
    assert mark == data_version.settings_mark(client.app.state.settings)
    assert body["geojson"] == f"{GEOJSON}?v={body['version']}"
    assert body["tiles"] == f"/tiles/assets/{{z}}/{{x}}/{{y}}.pbf?v={body['version']}"


def test_a_url_with_the_current_version_is_immutable(client, session):
    make_asset(session, name="Tuesday Singers", **MANCHESTER)
    version = current(client)
    layer = client.get(GEOJSON, params={"bbox": BOX, "v": version})
    assert layer.headers["cache-control"] == IMMUTABLE
    assert layer.headers["x-data-version"] == version
    assert names(layer) == ["Tuesday Singers"]
    tile = client.get(tile_url(14, MANCHESTER["lon"], MANCHESTER["lat"]), params={"v": version})
    assert (tile.status_code, tile.headers["cache-control"]) == (200, IMMUTABLE)
    empty = client.get("/tiles/assets/14/0/0.pbf", params={"v": version})
    assert (empty.status_code, empty.headers["cache-control"]) == (204, IMMUTABLE)
    again = client.get(GEOJSON, params={"bbox": BOX, "v": version}, headers={"If-None-Match": layer.headers["etag"]})
    assert (again.status_code, again.headers["cache-control"]) == (304, IMMUTABLE)


def test_an_unversioned_url_keeps_the_short_max_age(client, session):
    make_asset(session, **MANCHESTER)
    layer = client.get(GEOJSON, params={"bbox": BOX})
    assert layer.headers["cache-control"] == short_geojson()
    assert layer.headers["x-data-version"] == current(client)
    assert "X-Data-Version" in layer.headers["access-control-expose-headers"]
    tile = client.get(tile_url(14, MANCHESTER["lon"], MANCHESTER["lat"]))
    assert tile.headers["cache-control"] == f"public, max-age={get_settings().tile_max_age_seconds}"


def test_an_edit_through_the_api_gives_a_new_version_whose_url_shows_it(client, session, admin_headers):
    asset = make_asset(session, name="Tuesday Singers", **MANCHESTER)
    old = current(client)
    assert names(client.get(GEOJSON, params={"bbox": BOX, "v": old})) == ["Tuesday Singers"]
    edited = client.patch(f"/api/v1/assets/{asset.id}", json={"name": "Wednesday Singers"}, headers=admin_headers)
    assert edited.status_code == 200
    new = current(client)
    assert new != old
    fresh = client.get(GEOJSON, params={"bbox": BOX, "v": new})
    assert (names(fresh), fresh.headers["cache-control"]) == (["Wednesday Singers"], IMMUTABLE)
    # The old version's URL answers with the current data, for the short time only, and names the new version.
    stale = client.get(GEOJSON, params={"bbox": BOX, "v": old})
    assert (names(stale), stale.headers["cache-control"]) == (["Wednesday Singers"], short_geojson())
    assert stale.headers["x-data-version"] == new
    tile = client.get(tile_url(14, MANCHESTER["lon"], MANCHESTER["lat"]), params={"v": old})
    assert tile.headers["cache-control"] == f"public, max-age={get_settings().tile_max_age_seconds}"


def test_a_version_not_reached_yet_is_not_immutable(client, session):
    """A replica behind the primary is asked for the primary's newer version: its older data is not kept for good."""
    make_asset(session, **MANCHESTER)
    number, day, mark = current(client).split("-")
    ahead = client.get(GEOJSON, params={"bbox": BOX, "v": f"{int(number) + 1}-{day}-{mark}"})
    assert (ahead.status_code, ahead.headers["cache-control"]) == (200, short_geojson())


@pytest.mark.parametrize("bad", ["latest", "12", "12-2026120", "-1-20261205", "1-20261205x", "1-20261205", "1-20261205-5B2E0C"])
def test_a_malformed_version_is_a_422(client, bad):
    response = client.get(GEOJSON, params={"bbox": BOX, "v": bad})
    assert response.status_code == 422
    assert "v" in response.text


def test_a_change_committed_while_the_layer_reads_is_not_immutable(session, reads):
    """The version is read on both sides of the data: whether the page asks for the version before the change or the
    one after it, data read while the change commits is not kept for good."""
    asset = make_asset(session, name="Tuesday Singers", **MANCHESTER)
    session.commit()
    settings = get_settings()
    before = data_version.current(reads, settings)
    number, day, mark = before.split("-")

    def read_then_someone_edits() -> str:
        with get_engine().begin() as other:
            other.execute(text("UPDATE asset SET name = name || '!' WHERE id = :id"), {"id": asset.id})
        return "data read before the edit"

    assert not data_version.read(reads, settings, before, read_then_someone_edits).immutable
    after_next_edit = f"{int(number) + 2}-{day}-{mark}"
    assert not data_version.read(reads, settings, after_next_edit, read_then_someone_edits).immutable
    assert data_version.current(reads, settings) == after_next_edit
    assert data_version.read(reads, settings, after_next_edit, lambda: "data").immutable


@pytest.mark.parametrize("setting", ["tile_max_features", "geojson_default_limit", "stale_after_days"])
def test_a_change_to_a_layer_setting_changes_every_version(session, reads, setting):
    """A deploy that changes what a layer holds (the tile's cap, the GeoJSON layer's default size, when a place is
    stale) changes the version, so a cache never keeps the old content under an immutable URL of the new version, and
    a page's old version is answered with the short max-age."""
    make_asset(session, name="Tuesday Singers", **MANCHESTER)
    session.commit()
    settings = get_settings()
    changed = settings.model_copy(update={setting: getattr(settings, setting) + 1})
    before, after = data_version.current(reads, settings), data_version.current(reads, changed)
    assert before.split("-")[:2] == after.split("-")[:2] and before != after
    assert not data_version.read(reads, changed, before, lambda: "data").immutable
    assert data_version.read(reads, changed, after, lambda: "data").immutable


def test_what_changes_the_version(session):
    pending = make_asset(session, status="pending", **MANCHESTER)
    start = counter()
    update_asset(session, pending.id, AssetUpdate(name="Still pending"), actor="tests")
    assert counter() == start, "a place nobody sees changed"
    update_asset(session, pending.id, AssetUpdate(status="published"), actor="tests")
    assert counter() == start + 1, "a place was published"
    update_asset(session, pending.id, AssetUpdate(categories=["libraries"]), actor="tests")
    assert counter() == start + 2, "a published place's categories"
    update_asset(session, pending.id, AssetUpdate(schedule=[{"day": "mon", "opens": "09:00", "closes": "10:00"}]), actor="tests")
    assert counter() == start + 3, "a published place's schedule"
    archive_asset(session, pending.id, actor="tests")
    assert counter() == start + 4, "a place left the map"
    with get_engine().begin() as conn:
        conn.execute(text("UPDATE asset SET name = name WHERE id = :id"), {"id": uuid.uuid4()})
    assert counter() == start + 4, "a statement that wrote nothing"


def test_one_bulk_transaction_bumps_the_version_once_with_statement_triggers(session):
    for _ in range(3):
        make_asset(session, **MANCHESTER)
    start = counter()
    with get_engine().begin() as conn:
        conn.execute(text("UPDATE asset SET name = name || ' (renamed)'"))
        conn.execute(text("UPDATE asset SET free = true"))
        row_triggers = conn.execute(text(
            "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%data_version%' AND tgtype & 1 = 1"  # TRIGGER_TYPE_ROW
            " AND tgrelid <> 'data_version_change'::regclass"  # its one row per transaction, bumping as it commits
        )).scalar_one()
    assert counter() == start + 1
    assert row_triggers == 0


def test_a_long_transaction_does_not_hold_up_other_edits_and_a_rollback_leaves_the_version(session):
    """A dry run or an import batch has changed published places and not committed yet: another edit to a published
    place still commits at once (the counter is bumped as each commits), and the rolled-back one bumps nothing."""
    first, second = make_asset(session, **MANCHESTER), make_asset(session, **MANCHESTER)
    start = counter()
    with get_engine().connect() as long_one, get_engine().connect() as other:
        long_one.execute(text("UPDATE asset SET name = 'dry run' WHERE id = :id"), {"id": first.id})
        other.execute(text("SET lock_timeout = '2s'"))
        other.execute(text("UPDATE asset SET name = 'edited' WHERE id = :id"), {"id": second.id})
        other.commit()
        assert counter() == start + 1
        long_one.rollback()
    assert counter() == start + 1
