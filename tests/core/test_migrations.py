"""Alembic owns the schema: a round trip works on a real database, and the models match the migrations."""


import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

import app.core.models  # noqa: F401
from app.core.provision import downgrade, include_object, migrate


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"spatial_ref_sys"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(scratch_database):
    migrate(scratch_database)
    assert {"asset", "category", "postcode", "asset_history", "api_key"} <= tables(scratch_database)
    downgrade(scratch_database, "base")
    assert tables(scratch_database) == {"alembic_version"}
    migrate(scratch_database)
    engine = create_engine(scratch_database)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM category WHERE slug = 'libraries'")).scalar_one() == 1
    engine.dispose()


def test_models_match_the_migrations(database):
    engine = create_engine(database)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object, "compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert diff == []


def test_0010_clears_the_dates_imports_gave_and_keeps_the_vouched_ones(scratch_database):
    """Places created by an import were marked verified at that moment; a moderator's check and an Open Referral
    assured date stand. The clearing is in each asset's history, and the downgrade puts the dates back."""
    migrate(scratch_database, "0009")
    engine = create_engine(scratch_database)
    at = "2026-12-04 10:00:00.123456+00"
    places = {
        "imported": (at, "import:csv", None),
        "checked": ("2026-12-05 09:00:00+00", "import:osm", "user:sam"),  # a moderator verified it afterwards
        "assured": ("2024-02-29 00:00:00+00", "import:oruk", None),  # the feed's assured_date
        "entered": (at, "api-key:1 (crm)", None),
    }
    with engine.begin() as conn:
        for name, (verified, creator, checker) in places.items():
            asset_id = conn.execute(text(
                "INSERT INTO asset (id, name, location, status, last_verified_at) VALUES (gen_random_uuid(), :name, "
                "'SRID=4326;POINT(-2.24 53.48)', 'published', :verified) RETURNING id"), {"name": name, "verified": verified}).scalar_one()
            snapshot = f'{{"name": "{name}", "last_verified_at": "{verified.replace(" ", "T").replace("+00", "+00:00")}"}}'
            conn.execute(text(
                "INSERT INTO asset_history (asset_id, changed_at, actor, action, changes, snapshot) "
                "VALUES (:id, :at, :actor, 'create', '{}', CAST(:snapshot AS jsonb))"),
                {"id": asset_id, "at": at, "actor": creator, "snapshot": snapshot})
            if checker:
                conn.execute(text(
                    "INSERT INTO asset_history (asset_id, actor, action, changes, snapshot) "
                    "VALUES (:id, :actor, 'verify', '{\"last_verified_at\": [null, null]}', CAST(:snapshot AS jsonb))"),
                    {"id": asset_id, "actor": checker, "snapshot": snapshot})
    migrate(scratch_database)
    query = text("SELECT name, last_verified_at IS NOT NULL FROM asset ORDER BY name")
    with engine.connect() as conn:
        assert dict(conn.execute(query).all()) == {"imported": False, "checked": True, "assured": True, "entered": True}
        entry = conn.execute(text("SELECT actor, changes, snapshot FROM asset_history WHERE actor = 'migration:0010'")).one()
        assert entry.changes["last_verified_at"][1] is None and entry.snapshot["last_verified_at"] is None
    downgrade(scratch_database, "0009")
    with engine.connect() as conn:
        assert all(kept for _, kept in conn.execute(query).all())
    engine.dispose()


def test_0021_keeps_places_located_and_gives_services_without_a_place_no_position(scratch_database):
    """Existing places are delivered at their location; a service by phone has no position, whatever a writer sends;
    a place at a location without one is refused; the downgrade drops the services it could not hold."""
    migrate(scratch_database, "0020")
    engine = create_engine(scratch_database)
    insert = "INSERT INTO asset (id, name, location, status{extra}) VALUES (gen_random_uuid(), :name, {point}, 'published'{values})"
    point = "'SRID=4326;POINT(-2.24 53.48)'"
    with engine.begin() as conn:
        conn.execute(text(insert.format(extra="", point=point, values="")), {"name": "Old place"})
    migrate(scratch_database)
    with engine.begin() as conn:
        row = conn.execute(text("SELECT delivery, service_areas, location IS NOT NULL FROM asset")).one()
        assert row == ("location", [], True)
        conn.execute(text(insert.format(extra=", delivery, service_areas", point=point, values=", 'phone', '{K02000001}'")),
                     {"name": "Line"})
        assert conn.execute(text("SELECT location, exact_location FROM asset WHERE name = 'Line'")).one() == (None, None)
    with pytest.raises(IntegrityError, match="ck_asset_located"), engine.begin() as conn:
        conn.execute(text(insert.format(extra="", point="NULL", values="")), {"name": "Nowhere"})
    downgrade(scratch_database, "0020")
    with engine.begin() as conn:
        assert [r[0] for r in conn.execute(text("SELECT name FROM asset"))] == ["Old place"]
    engine.dispose()
