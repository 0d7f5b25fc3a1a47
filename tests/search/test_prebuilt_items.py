"""Each place's prebuilt public JSON (`asset_item`, migration 0023), which the nearby search splices into its answer:
after every kind of write it is exactly what the asset's public fields make of the place now."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from app.assets.repository import public_columns
from tests.factories import make_asset

# The public fields as the item holds them, from the field declaration as it stands (app/assets/fields.py).
_UTC = public_columns(lambda column: f"""to_char(a.{column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""")
_STALE_ITEMS = f"""
    SELECT a.name FROM asset a LEFT JOIN asset_item i ON i.asset_id = a.id
    WHERE i.item IS DISTINCT FROM (SELECT row_to_json(x)::text FROM (SELECT {_UTC}) x)
"""


def assert_items_current(session) -> None:
    stale = session.execute(text(_STALE_ITEMS)).scalars().all()
    assert not stale, (
        f"asset_item is out of date for {stale}: if the public fields changed, a migration must create "
        "assetmap_write_items again with them and rewrite every item (migration 0023's docstring)"
    )


def test_items_follow_every_write(session):
    full = make_asset(
        session, name="Tuesday Singers", description="Tea & \"talk\"", categories=["choirs-music", "cafes"],
        organisation={"name": "Friends", "website": "https://friends.example", "email": "hi@friends.example", "phone": "0161 000 0000"},
        schedule=[{"day": "tue", "opens": "10:00", "closes": "12:00", "note": "first week"}],
        last_verified_at=datetime.now(UTC) - timedelta(days=3),
    )
    other = make_asset(session, name="Sparse")
    session.commit()
    assert_items_current(session)
    assert session.execute(text("SELECT count(*) FROM asset_item")).scalar_one() == 2

    writes = [
        "UPDATE asset SET name = 'Wednesday Singers', last_verified_at = NULL WHERE id = :id",
        "DELETE FROM asset_category WHERE asset_id = :id AND category_id = (SELECT id FROM category WHERE slug = 'cafes')",
        "INSERT INTO asset_category (asset_id, category_id) SELECT :id, id FROM category WHERE slug = 'libraries'",
        "UPDATE asset_session SET opens = '09:00' WHERE asset_id = :id",
        "INSERT INTO asset_session (asset_id, weekday, opens, closes) VALUES (:id, 0, '18:00', '19:00')",
        "DELETE FROM asset_session WHERE asset_id = :id AND weekday = 1",
        "UPDATE organisation SET name = 'Good Friends' WHERE id = (SELECT organisation_id FROM asset WHERE id = :id)",
        "UPDATE category SET slug = 'choirs-and-music' WHERE slug = 'choirs-music'",
        "UPDATE category SET position = -1 WHERE slug = 'libraries'",
    ]
    for write in writes:
        session.execute(text(write), {"id": full.id})
        session.flush()
        assert_items_current(session)
    item = session.execute(text("SELECT item FROM asset_item WHERE asset_id = :id"), {"id": full.id}).scalar_one()
    assert '"name":"Wednesday Singers"' in item and '"Good Friends"' in item and "choirs-and-music" in item
    session.rollback()  # the taxonomy is shared by every test

    session.execute(text("DELETE FROM asset WHERE id = :id"), {"id": other.id})
    session.commit()
    assert session.execute(text("SELECT count(*) FROM asset_item")).scalar_one() == 1
    assert_items_current(session)
