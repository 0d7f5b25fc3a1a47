"""Residents' stories about a place, and the history of each: who did what to it, and when.

A story holds no personal data beyond the signature its author chose (a first name, or none). The author's
reference is shown once and stored only as its SHA-256 hash, like an API key.
"""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Column, DateTime, ForeignKey, Index, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.i18n import Text as Label
from app.i18n import lazy_gettext as _l

MAX_WORDS = 300
MAX_CHARS = 2000  # 300 words of ordinary length fit with room to spare; this only stops a wall of text
MAX_SIGNATURE = 40


class StoryStatus(StrEnum):
    pending = "pending"
    published = "published"
    rejected = "rejected"
    removed = "removed"  # by its author: the text and the signature are deleted


class StoryAction(StrEnum):
    submit = "submit"
    approve = "approve"
    reject = "reject"
    edit = "edit"
    report = "report"
    dismiss = "dismiss"  # a moderator keeps a reported story: its reports are cleared
    remove = "remove"
    move = "move"  # its place was merged into another, which the story now belongs to


class ReportReason(StrEnum):
    names_someone = "names_someone"
    unkind = "unkind"
    not_about_place = "not_about_place"
    other = "other"


REPORT_REASONS: dict[str, Label] = {
    ReportReason.names_someone: _l("It names or describes someone"),
    ReportReason.unkind: _l("It is unkind or offensive"),
    ReportReason.not_about_place: _l("It is not about this place"),
    ReportReason.other: _l("Something else"),
}

STATUS_NAMES: dict[str, Label] = {
    StoryStatus.pending: _l("Waiting for a moderator"),
    StoryStatus.published: _l("Published"),
    StoryStatus.rejected: _l("Not accepted"),
    StoryStatus.removed: _l("Removed by its author"),
}

ACTION_NAMES: dict[str, Label] = {
    StoryAction.submit: _l("Sent in"),
    StoryAction.approve: _l("Approved"),
    StoryAction.reject: _l("Not accepted"),
    StoryAction.edit: _l("Edited"),
    StoryAction.report: _l("Reported"),
    StoryAction.dismiss: _l("Kept after reports"),
    StoryAction.remove: _l("Removed by its author"),
    StoryAction.move: _l("Moved with its place, merged into another"),
}

LANGUAGES: dict[str, Label] = {"en": _l("English"), "cy": _l("Welsh")}


def _timestamp(**kwargs: Any) -> Column:
    return Column(DateTime(timezone=True), **kwargs)


class Story(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint(f"char_length(text) <= {MAX_CHARS}", name="ck_story_text_length"),
        CheckConstraint("language IN ('en', 'cy')", name="ck_story_language"),
        CheckConstraint("consent", name="ck_story_consent"),
        Index("ix_story_asset_published", "asset_id", "published_at", postgresql_where="status = 'published'"),
        Index("ix_story_status_created", "status", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    asset_id: uuid.UUID = Field(sa_column=Column(ForeignKey("asset.id", ondelete="CASCADE"), nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    signature: str | None = Field(default=None, max_length=MAX_SIGNATURE)  # a first name; None: anonymous
    language: str = Field(max_length=2)
    consent: bool
    status: str = Field(default=StoryStatus.pending, max_length=10)
    reference_hash: str = Field(max_length=64, unique=True)  # SHA-256 of the author's reference
    reports: int = 0  # reports since a moderator last looked
    reported_at: datetime | None = Field(default=None, sa_column=_timestamp())
    created_at: datetime = Field(default=None, sa_column=_timestamp(nullable=False, server_default=func.now()))
    published_at: datetime | None = Field(default=None, sa_column=_timestamp())


class StoryHistory(SQLModel, table=True):
    """One thing done to a story. `changes` names what changed and why, never the words taken out (a redaction
    removes a name; keeping it here would keep it)."""

    __tablename__ = "story_history"

    id: int | None = Field(default=None, primary_key=True)
    story_id: uuid.UUID = Field(sa_column=Column(ForeignKey("story.id", ondelete="CASCADE"), nullable=False, index=True))
    changed_at: datetime = Field(default=None, sa_column=_timestamp(nullable=False, server_default=func.now()))
    actor: str = Field(max_length=200)
    action: str = Field(max_length=10)
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
