"""Support that is not a place (issue 19, docs/openreferral.md): `delivery`, how a service reaches people: at its
location (as before), by phone, online or at home; and `service_areas`, the ONS codes of the areas it serves (councils,
regions, nations from `area`, or K02000001 for the whole UK). A service not delivered at a location has no position:
`exact_location` and `location` become nullable, a check keeps them set for every place delivered at a location, and
the trigger asset_public_location (migration 0017) clears both for the others, so nothing public or private places a
helpline on the map. Every query that reads `location` (tiles, layers, exports, insights, duplicates, area filters)
passes such a service over by itself: a NULL position is inside no box, radius or outline.

A resident's report or suggested change about such a service has no point either: `submission.location` becomes
nullable too (an area moderator, limited to council outlines, does not see those; an unrestricted one does).

The data version triggers (migration 0020) need no change: `delivery` and `service_areas` are columns of `asset`.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGER_FUNCTION = """
CREATE OR REPLACE FUNCTION asset_public_location() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.delivery <> 'location' THEN
        -- by phone, online or at home: no position, public or private
        NEW.exact_location := NULL;
        NEW.location := NULL;
        RETURN NEW;
    END IF;
    -- a row written with only `location` (a bulk SQL loader such as bench/generate.py) is placed there exactly
    NEW.exact_location := coalesce(NEW.exact_location, NEW.location);
    NEW.location := assetmap_public_location(NEW.exact_location, NEW.location_precision, NEW.postcode);
    RETURN NEW;
END
$$
"""
OLD_TRIGGER_FUNCTION = """
CREATE OR REPLACE FUNCTION asset_public_location() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.exact_location := coalesce(NEW.exact_location, NEW.location);
    NEW.location := assetmap_public_location(NEW.exact_location, NEW.location_precision, NEW.postcode);
    RETURN NEW;
END
$$
"""
_COLUMNS = "exact_location, location_precision, postcode, location"


def _trigger(columns: str) -> str:
    return (
        f"CREATE TRIGGER asset_public_location BEFORE INSERT OR UPDATE OF {columns} "
        "ON asset FOR EACH ROW EXECUTE FUNCTION asset_public_location()"
    )


def upgrade() -> None:
    op.add_column("asset", sa.Column("delivery", sa.Text, nullable=False, server_default="location"))
    op.create_check_constraint(
        "ck_asset_delivery", "asset", "delivery IN ('location', 'phone', 'online', 'home')"
    )
    op.add_column(
        "asset", sa.Column("service_areas", sa.ARRAY(sa.Text), nullable=False, server_default="{}")
    )
    op.alter_column("asset", "exact_location", nullable=True)
    op.alter_column("asset", "location", nullable=True)
    op.create_check_constraint(
        "ck_asset_located", "asset", "delivery <> 'location' OR exact_location IS NOT NULL"
    )
    # The services found by where they serve rather than where they are: few, read by the nearby search and the finder.
    op.create_index(
        "ix_asset_delivered_remotely",
        "asset",
        ["id"],
        postgresql_where=sa.text("status = 'published' AND delivery <> 'location'"),
    )
    op.execute(TRIGGER_FUNCTION)
    op.execute("DROP TRIGGER asset_public_location ON asset")
    op.execute(_trigger(f"{_COLUMNS}, delivery"))
    # A resident's report or suggested change about such a service is about no point.
    op.alter_column("submission", "location", nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM submission WHERE location IS NULL")
    op.alter_column("submission", "location", nullable=False)
    op.execute("DELETE FROM asset WHERE delivery <> 'location'")
    op.execute("DROP TRIGGER asset_public_location ON asset")
    op.execute(_trigger(_COLUMNS))
    op.execute(OLD_TRIGGER_FUNCTION)
    op.drop_index("ix_asset_delivered_remotely", "asset")
    op.drop_constraint("ck_asset_located", "asset")
    op.alter_column("asset", "location", nullable=False)
    op.alter_column("asset", "exact_location", nullable=False)
    op.drop_column("asset", "service_areas")
    op.drop_constraint("ck_asset_delivery", "asset")
    op.drop_column("asset", "delivery")
