"""A bulk import writes each place's prebuilt JSON (`asset_item`, migration 0023) once, not once per table (issue 17).

Creating 5,000 places inserts into `asset`, then `asset_category`, then `asset_session`, and each statement's trigger
rewrote the same 5,000 items: three times the work, the first two thrown away. The triggers on assets and their rows
now do nothing while the transaction-local setting `assetmap.items_deferred` is 'on'; the bulk import
(app/assets/bulk_repository.py, `items_deferred`) sets it around its statements and then writes the items itself, once.
Every other write is unchanged.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DEFERRED = "IF current_setting('assetmap.items_deferred', true) = 'on' THEN RETURN NULL; END IF;"


def _functions(skip: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION assetmap_items_of_assets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {skip}
    PERFORM assetmap_write_items(ARRAY(SELECT id FROM new_rows));
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION assetmap_items_of_asset_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {skip}
    IF TG_OP = 'INSERT' THEN
        PERFORM assetmap_write_items(ARRAY(SELECT DISTINCT asset_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM assetmap_write_items(ARRAY(SELECT DISTINCT asset_id FROM old_rows));
    ELSE
        PERFORM assetmap_write_items(ARRAY(SELECT asset_id FROM new_rows UNION SELECT asset_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.execute(_functions(_DEFERRED))


def downgrade() -> None:
    op.execute(_functions(""))
