"""Alembic owns the schema: a round trip works on a real database, and the models match the migrations."""


from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
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
