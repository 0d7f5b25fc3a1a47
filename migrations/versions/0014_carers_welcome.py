"""Places say whether a carer or support worker can come too (issue 13's worked example, "adding a field").

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("asset", sa.Column("carers_welcome", sa.Boolean, nullable=True))


def downgrade() -> None:
    op.drop_column("asset", "carers_welcome")
