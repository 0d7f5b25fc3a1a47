"""A re-run of a CSV or GeoJSON import knows a row that has not changed without reading it again (issue 17).

`asset_source_id` gains the digest of the source's row as last imported (`row_digest`: the cells the mapping reads,
with what they were read through; app/imports/digests.py) and the asset's `updated_at` when it was taken
(`asset_updated_at`). A later import of a row with the same digest, for an asset no one has changed since, would
change nothing, and counts the row as unchanged at once. Existing identifiers have no digest: their next import reads
every row, as before, and takes it.

So that the digest cannot outlive a change, an update of an asset that leaves `updated_at` as it was (SQL by hand, a
write that forgot it) now moves it on too: the app's own writes set it already.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import BYTEA

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("asset_source_id", sa.Column("row_digest", BYTEA))
    op.add_column("asset_source_id", sa.Column("asset_updated_at", sa.DateTime(timezone=True)))
    op.execute(
        """
        CREATE FUNCTION assetmap_asset_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
                NEW.updated_at := clock_timestamp();
            END IF;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER asset_updated_at BEFORE UPDATE ON asset FOR EACH ROW EXECUTE FUNCTION assetmap_asset_updated_at()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER asset_updated_at ON asset")
    op.execute("DROP FUNCTION assetmap_asset_updated_at()")
    op.drop_column("asset_source_id", "asset_updated_at")
    op.drop_column("asset_source_id", "row_digest")
