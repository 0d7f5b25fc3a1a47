"""Accounts, web sessions, residents' submissions and rate-limit counters.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("areas", postgresql.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("last_login_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("role IN ('admin', 'moderator', 'link_worker')", name="ck_user_account_role"),
        sa.CheckConstraint("email = lower(email)", name="ck_user_account_email_lower"),
    )
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_web_session_user_id", "web_session", ["user_id"])

    op.create_table(
        "submission",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False, unique=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default="pending"),
        sa.Column("asset_id", sa.Uuid, sa.ForeignKey("asset.id", ondelete="SET NULL")),
        sa.Column("submitted", postgresql.JSONB, nullable=False),
        sa.Column("proposed", postgresql.JSONB, nullable=False),
        sa.Column("reason", sa.String(20)),
        sa.Column("note", sa.Text),
        sa.Column(
            "location",
            geoalchemy2.types.Geography(
                geometry_type="POINT", srid=4326, spatial_index=False, from_text="ST_GeogFromText", name="geography"
            ),
            nullable=False,
        ),
        sa.Column("submitter_name", sa.String(200)),
        sa.Column("submitter_email", sa.String(254)),
        sa.Column("consent", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("amended_by", sa.String(200)),
        sa.Column("amended_at", sa.DateTime(timezone=True)),
        sa.Column("decided_by", sa.String(200)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("decision_note", sa.Text),
        sa.Column("purged_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("kind IN ('new', 'edit', 'report')", name="ck_submission_kind"),
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="ck_submission_status"),
    )
    op.create_index("ix_submission_status_created", "submission", ["status", "created_at"])
    op.create_index("ix_submission_asset_id", "submission", ["asset_id"])
    op.create_index("ix_submission_location", "submission", ["location"], postgresql_using="gist")

    op.create_table(
        "rate_limit",
        sa.Column("bucket", sa.String(80), primary_key=True),
        sa.Column("window_start", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("hits", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    for table in ("rate_limit", "submission", "web_session", "user_account"):
        op.drop_table(table)
