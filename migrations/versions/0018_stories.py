"""Residents' stories about a place (docs/stories.md): `story`, moderated like submissions, and `story_history`, what
was done to each. A story holds no personal data beyond its signature (a first name, or none); the author's
reference is kept only as its SHA-256 hash.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "story",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("asset_id", sa.Uuid, sa.ForeignKey("asset.id", ondelete="CASCADE"), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("signature", sa.String(40)),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("consent", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reference_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("reports", sa.Integer, nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("char_length(text) <= 2000", name="ck_story_text_length"),
        sa.CheckConstraint("language IN ('en', 'cy')", name="ck_story_language"),
        sa.CheckConstraint("consent", name="ck_story_consent"),
    )
    # A place's published stories, newest first (the place page, the finder, the API); the moderators' queue.
    op.create_index(
        "ix_story_asset_published", "story", ["asset_id", "published_at"], postgresql_where=sa.text("status = 'published'")
    )
    op.create_index("ix_story_status_created", "story", ["status", "created_at"])
    op.create_table(
        "story_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("story_id", sa.Uuid, sa.ForeignKey("story.id", ondelete="CASCADE"), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("changes", JSONB, nullable=False),
    )
    op.create_index("ix_story_history_story_id", "story_history", ["story_id"])


def downgrade() -> None:
    op.drop_table("story_history")
    op.drop_table("story")
