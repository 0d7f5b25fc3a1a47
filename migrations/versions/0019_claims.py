"""Claims (issue 16, docs/claims.md): a group claims its own listing with an e-mail address (`claim`), and the
single-use, expiring links sent by e-mail (`email_token`, only each token's SHA-256 hash). A place has at most one
pending and at most one approved claim (partial unique indexes), so two groups cannot both hold it. Accounts get the
role `claimant`.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A claimant is an account of its own role, which signs in only with e-mailed links.
    op.drop_constraint("ck_user_account_role", "user_account", type_="check")
    op.create_check_constraint(
        "ck_user_account_role", "user_account", "role IN ('admin', 'moderator', 'link_worker', 'claimant')"
    )
    op.create_table(
        "claim",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("asset_id", sa.Uuid, sa.ForeignKey("asset.id", ondelete="CASCADE"), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("language", sa.String(5), nullable=False, server_default="en"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("confirmed_at", sa.DateTime(timezone=True)),
        sa.Column("decided_by", sa.String(200)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("decision_note", sa.Text),
        sa.Column("reminded_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_claim_asset_id", "claim", ["asset_id"])
    op.create_index("ix_claim_email", "claim", ["email"])
    op.create_index("ix_claim_status_created", "claim", ["status", "created_at"])
    op.create_index(
        "ux_claim_pending", "claim", ["asset_id"], unique=True, postgresql_where=sa.text("status = 'pending'")
    )
    op.create_index(
        "ux_claim_approved", "claim", ["asset_id"], unique=True, postgresql_where=sa.text("status = 'approved'")
    )
    op.create_table(
        "email_token",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("claim_id", sa.Uuid, sa.ForeignKey("claim.id", ondelete="CASCADE")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_email_token_claim_id", "email_token", ["claim_id"])
    op.create_index("ix_email_token_expires_at", "email_token", ["expires_at"])


def downgrade() -> None:
    op.drop_table("email_token")
    op.drop_table("claim")
    op.execute("DELETE FROM user_account WHERE role = 'claimant'")
    op.drop_constraint("ck_user_account_role", "user_account", type_="check")
    op.create_check_constraint("ck_user_account_role", "user_account", "role IN ('admin', 'moderator', 'link_worker')")
