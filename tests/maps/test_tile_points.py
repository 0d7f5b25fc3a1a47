"""Each published place's prebuilt tile row (`asset_tile_point`, migration 0025), which the vector tiles are made of:
after every kind of write it is exactly what the place's own columns and categories make of it now."""

from sqlalchemy import text

from app.assets.repository import TOP_CATEGORY
from app.assets.schemas import AssetUpdate
from app.assets.service import merge_assets, update_asset
from app.imports.readers import import_file
from tests.factories import make_asset
from tests.imports.test_tabular_import import GOOD, write

# What the tile row should hold, from the asset as it stands; compared both ways, exactly (points as EWKB).
_EXPECTED = f"""
    SELECT a.id, ST_AsEWKB(a.location::geometry), ST_AsEWKB(ST_Transform(a.location::geometry, 3857)), a.name,
           a.name_cy, {TOP_CATEGORY}
    FROM asset a WHERE a.status = 'published' AND a.location IS NOT NULL
"""
_STORED = """
    SELECT t.asset_id, ST_AsEWKB(t.lonlat), ST_AsEWKB(t.point), t.name, t.name_cy, t.category FROM asset_tile_point t
"""


def assert_tile_points_current(session) -> None:
    missing = session.execute(text(f"{_EXPECTED} EXCEPT {_STORED}")).all()
    extra = session.execute(text(f"{_STORED} EXCEPT {_EXPECTED}")).all()
    assert not missing and not extra, f"asset_tile_point is out of date: missing {missing}, extra {extra}"


def count(session) -> int:
    return session.execute(text("SELECT count(*) FROM asset_tile_point")).scalar_one()


def test_tile_points_follow_single_edits_moderation_and_merges(session):
    kept = make_asset(session, name="Tuesday Singers", categories=["choirs-music", "cafes"])
    other = make_asset(session, name="Singers on Tuesday", name_cy="Cantorion", categories=["libraries"])
    make_asset(session, name="Waiting", status="pending")
    session.commit()
    assert count(session) == 2
    assert_tile_points_current(session)

    update_asset(session, kept.id, AssetUpdate(name="Wednesday Singers", lat=53.49, lon=-2.25), "tests")
    update_asset(session, other.id, AssetUpdate(name_cy="Côr", categories=["cafes", "libraries"]), "tests")
    session.commit()
    assert_tile_points_current(session)

    merge_assets(session, kept.id, other.id, "tests")  # the merged place is archived
    session.commit()
    assert count(session) == 1
    assert_tile_points_current(session)
    update_asset(session, kept.id, AssetUpdate(status="archived"), "tests")  # as a moderator archives
    session.commit()
    assert count(session) == 0
    update_asset(session, kept.id, AssetUpdate(status="published"), "tests")
    session.commit()
    assert count(session) == 1
    assert_tile_points_current(session)

    writes = [
        "DELETE FROM asset_category WHERE asset_id = :id AND category_id = (SELECT id FROM category WHERE slug = 'choirs-music')",
        "INSERT INTO asset_category (asset_id, category_id) SELECT :id, id FROM category WHERE slug = 'community-centres'",
        "UPDATE category SET position = -1 WHERE slug = 'community-centres'",
        "UPDATE category SET path = 'renamed' || substr(path, strpos(path, '/')) WHERE slug = 'community-centres'",
        "UPDATE asset SET location = NULL, delivery = 'online' WHERE id = :id",
    ]
    for write_sql in writes:
        session.execute(text(write_sql), {"id": kept.id})
        session.flush()
        assert_tile_points_current(session)
    assert count(session) == 0
    session.rollback()  # the taxonomy is shared by every test

    session.execute(text("DELETE FROM asset"))
    session.commit()
    assert count(session) == 0


def test_tile_points_follow_bulk_imports(tmp_path, session):
    path, mapping = write(tmp_path, GOOD)
    assert import_file("csv", path, mapping).counts == {"created": 3}
    assert count(session) == 3
    assert_tile_points_current(session)
    write(tmp_path, [GOOD[0].replace("THE CORNER CAFE", "The Corner Café").replace("cafe", "hall"), *GOOD[1:]])
    assert import_file("csv", path, mapping).counts == {"updated": 1, "unchanged": 2}
    assert_tile_points_current(session)
    assert session.execute(text("SELECT count(*) FROM asset_tile_point WHERE name = 'The Corner Café'")).scalar_one() == 1
