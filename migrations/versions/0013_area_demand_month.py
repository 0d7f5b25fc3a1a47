"""Published search demand per area, top-level category and calendar month (issue 14: the insights page's charts),
suppressed and rounded like `lsoa_demand`.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "area_demand_month",
        sa.Column("area_code", sa.String(9), sa.ForeignKey("area.code", ondelete="CASCADE"), primary_key=True),
        sa.Column("category_id", sa.Integer, sa.ForeignKey("category.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("month", sa.Date, primary_key=True),
        sa.Column("searches", sa.Integer),
        sa.Column("unmet_searches", sa.Integer),
    )


def downgrade() -> None:
    op.drop_table("area_demand_month")
