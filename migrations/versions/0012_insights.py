"""Where the need is (issue 14): LSOAs with each nation's own deprivation decile, access from each LSOA to places of
each top-level category, anonymised search demand and its published figures, and the record of refreshes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _geometry(kind: str) -> geoalchemy2.types.Geometry:
    return geoalchemy2.types.Geometry(kind, srid=4326, spatial_index=False, from_text="ST_GeomFromEWKT", name="geometry")


def upgrade() -> None:
    op.create_table(
        "lsoa",
        sa.Column("code", sa.String(9), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("nation", sa.String(1), nullable=False),
        sa.Column("deprivation_decile", sa.SmallInteger),
        sa.Column("deprivation_rank", sa.Integer),
        sa.Column("boundary", _geometry("MULTIPOLYGON")),
        sa.Column("centroid", _geometry("POINT"), nullable=False),
    )
    op.create_index("ix_lsoa_boundary", "lsoa", ["boundary"], postgresql_using="gist")
    op.create_index("ix_lsoa_centroid", "lsoa", ["centroid"], postgresql_using="gist")
    for table in ("lsoa_access", "lsoa_demand"):
        figures = (
            [sa.Column("places_800m", sa.Integer, nullable=False), sa.Column("places_1600m", sa.Integer, nullable=False),
             sa.Column("nearest_m", sa.Float)]
            if table == "lsoa_access"
            else [sa.Column("searches", sa.Integer), sa.Column("unmet_searches", sa.Integer)]
        )
        op.create_table(
            table,
            sa.Column("lsoa_code", sa.String(9), sa.ForeignKey("lsoa.code", ondelete="CASCADE"), primary_key=True),
            sa.Column("category_id", sa.Integer, sa.ForeignKey("category.id", ondelete="CASCADE"), primary_key=True),
            *figures,
        )
    op.create_table(
        "search_demand",
        # Random, not a sequence: a sequence would order a day's searches and link one person's (docs/privacy.md).
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("lsoa_code", sa.String(9), nullable=False),
        sa.Column("categories", postgresql.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("filters", postgresql.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("found", sa.Integer, nullable=False),
    )
    op.create_index("ix_search_demand_day", "search_demand", ["day"])
    op.create_table(
        "insights_refresh",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("counts", postgresql.JSONB, nullable=False, server_default="{}"),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    for table in ("insights_refresh", "search_demand", "lsoa_demand", "lsoa_access", "lsoa"):
        op.drop_table(table)
