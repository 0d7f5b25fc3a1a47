"""Sign-in lock-out per account and client address, not per account (issue 12): `login_throttle` counts failures in a
row for each (account, client) pair, both hashed; the per-account counters on `user_account` go.

A lock-out per account let anyone keep a moderator locked out by failing on purpose; now a client locks out only
itself. Existing per-account lock-outs are not carried over (they end at most LOGIN_LOCKOUT_MINUTES early).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("account_hash", sa.String(64), primary_key=True),
        sa.Column("client_hash", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.drop_column("user_account", "failed_logins")
    op.drop_column("user_account", "locked_until")


def downgrade() -> None:
    op.add_column("user_account", sa.Column("locked_until", sa.DateTime(timezone=True)))
    op.add_column("user_account", sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"))
    op.drop_table("login_throttle")
