"""A bulk import writes each place's tile row (`asset_tile_point`, migration 0025) once, not once per table (issue 17).

Creating places inserts into `asset`, then `asset_category`: the first statement's trigger wrote each new place's tile
row without its category, and the second's rewrote the same rows with it. As the item triggers do (migration 0024),
the tile triggers on `asset` and `asset_category` now do nothing while the transaction-local setting
`assetmap.items_deferred` is 'on'; the bulk import (app/assets/bulk_repository.py) then writes the tile rows of its
batch itself, once, with the items. Every other write is unchanged.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DEFERRED = "IF current_setting('assetmap.items_deferred', true) = 'on' THEN RETURN NULL; END IF;"


def _functions(skip: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION assetmap_tile_points_of_new_assets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {skip}
    PERFORM assetmap_write_tile_points(ARRAY(SELECT id FROM new_rows));
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION assetmap_tile_points_of_changed_assets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {skip}
    PERFORM assetmap_write_tile_points(ARRAY(
        SELECT n.id FROM new_rows n JOIN old_rows o USING (id)
        WHERE (n.status, n.location, n.name, n.name_cy) IS DISTINCT FROM (o.status, o.location, o.name, o.name_cy)
    ));
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION assetmap_tile_points_of_asset_categories() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {skip}
    IF TG_OP = 'INSERT' THEN
        PERFORM assetmap_write_tile_points(ARRAY(SELECT DISTINCT asset_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM assetmap_write_tile_points(ARRAY(SELECT DISTINCT asset_id FROM old_rows));
    ELSE
        PERFORM assetmap_write_tile_points(ARRAY(SELECT asset_id FROM new_rows UNION SELECT asset_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.execute(_functions(_DEFERRED))


def downgrade() -> None:
    op.execute(_functions(""))
