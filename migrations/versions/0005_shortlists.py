"""Link workers' shortlists: a shared list (found only by its unguessable code) and its places in order.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shortlist",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("title", sa.String(120)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_shortlist_expires_at", "shortlist", ["expires_at"])
    op.create_table(
        "shortlist_item",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("shortlist_id", sa.Integer, sa.ForeignKey("shortlist.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("asset_id", sa.Uuid, sa.ForeignKey("asset.id", ondelete="CASCADE"), nullable=False),
        sa.Column("note", sa.String(280)),
        sa.UniqueConstraint("shortlist_id", "position"),
        sa.UniqueConstraint("shortlist_id", "asset_id"),
    )
    op.create_index("ix_shortlist_item_asset_id", "shortlist_item", ["asset_id"])


def downgrade() -> None:
    op.drop_table("shortlist_item")
    op.drop_table("shortlist")
