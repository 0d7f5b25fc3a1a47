"""Places in Welsh and in English (issue 15): an optional Welsh version of each text people write about a place (its
name, description, opening hours in words and who it is for), and the Welsh name in the crowded tiles' covering
index, so that a tile still reads no table row.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tile_index(include: list[str]) -> None:
    op.drop_index("ix_asset_published_id", table_name="asset")
    op.create_index(
        "ix_asset_published_id",
        "asset",
        ["id"],
        postgresql_include=include,
        postgresql_where=sa.text("status = 'published'"),
    )


def upgrade() -> None:
    op.add_column("asset", sa.Column("name_cy", sa.String(200)))
    op.add_column("asset", sa.Column("description_cy", sa.Text))
    op.add_column("asset", sa.Column("opening_hours_text_cy", sa.String))
    op.add_column("asset", sa.Column("audience_cy", sa.String))
    _tile_index(["location", "name", "name_cy"])


def downgrade() -> None:
    _tile_index(["location", "name"])
    for column in ("audience_cy", "opening_hours_text_cy", "description_cy", "name_cy"):
        op.drop_column("asset", column)
