"""Mappings saved on the import page (issue 18, docs/imports.md "From the browser"): `import_mapping`, one YAML mapping
per source, so that next month's file from the same source imports with the mapping used last time.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_mapping",
        sa.Column("source", sa.String(length=40), primary_key=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("mapping", sa.Text, nullable=False),
        sa.Column("saved_by", sa.String(length=200), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    op.drop_table("import_mapping")
