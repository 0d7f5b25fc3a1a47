"""Areas: council, region and country outlines for the `area` filter and map fitting.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "area",
        sa.Column("code", sa.String(9), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("levels", postgresql.ARRAY(sa.Text), nullable=False),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry("MULTIPOLYGON", srid=4326, spatial_index=False, from_text="ST_GeomFromEWKT", name="geometry"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "levels <@ ARRAY['ltla', 'utla', 'region', 'country']::text[] AND cardinality(levels) > 0", name="ck_area_levels"
        ),
    )
    op.create_index("ix_area_geom", "area", ["geom"], postgresql_using="gist")


def downgrade() -> None:
    op.drop_table("area")
