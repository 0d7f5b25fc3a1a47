"""The same place from two sources (issue 12, item 12): every source identifier of an asset in `asset_source_id`, the
likely duplicates imports find in `asset_duplicate`, and `asset.merged_into_id` for a place merged into another.

`asset_source_id` starts with each asset's own (source, external_id); a merge moves the merged place's identifiers to
the place kept, so either source's next import updates it. `imported` keeps what each source gave at its last import
(empty until the next import), so that on a merged place each source changes only what changed in it. `asset.source`/`external_id` stay as the asset's own.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("asset", sa.Column("merged_into_id", sa.Uuid, sa.ForeignKey("asset.id", ondelete="SET NULL")))
    op.create_table(
        "asset_source_id",
        sa.Column("source", sa.String(40), primary_key=True),
        sa.Column("external_id", sa.String(120), primary_key=True),
        sa.Column("asset_id", sa.Uuid, sa.ForeignKey("asset.id", ondelete="CASCADE"), nullable=False),
        sa.Column("imported", postgresql.JSONB),
    )
    op.create_index("ix_asset_source_id_asset_id", "asset_source_id", ["asset_id"])
    op.execute(
        "INSERT INTO asset_source_id (source, external_id, asset_id) "
        "SELECT source, external_id, id FROM asset WHERE source IS NOT NULL AND external_id IS NOT NULL"
    )
    op.create_table(
        "asset_duplicate",
        sa.Column("asset_id", sa.Uuid, sa.ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("other_id", sa.Uuid, sa.ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("similarity", sa.Float, nullable=False),
        sa.Column("distance_m", sa.Float, nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("dismissed_by", sa.String(200)),
        sa.Column("dismissed_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_asset_duplicate_other_id", "asset_duplicate", ["other_id"])


def downgrade() -> None:
    op.drop_table("asset_duplicate")
    op.drop_table("asset_source_id")
    op.drop_column("asset", "merged_into_id")
