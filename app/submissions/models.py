"""Residents' submissions (new places, suggested changes, reports) and the abuse counters that guard them."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import Column, DateTime, ForeignKey, Index, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.i18n import Text as Label
from app.i18n import lazy_gettext as _l


class SubmissionKind(StrEnum):
    new = "new"
    edit = "edit"
    report = "report"


class SubmissionStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class ReportReason(StrEnum):
    closed = "closed"
    moved = "moved"
    wrong_details = "wrong_details"
    duplicate = "duplicate"
    not_appropriate = "not_appropriate"
    other = "other"


REPORT_REASONS: dict[str, Label] = {
    ReportReason.closed: _l("It has closed or no longer runs"),
    ReportReason.moved: _l("It has moved"),
    ReportReason.wrong_details: _l("Some details are wrong"),
    ReportReason.duplicate: _l("It is listed twice"),
    ReportReason.not_appropriate: _l("It should not be on the map"),
    ReportReason.other: _l("Something else"),
}


def _timestamp(**kwargs: Any) -> Column:
    return Column(DateTime(timezone=True), **kwargs)


class Submission(SQLModel, table=True):
    """One thing a resident sent in. `submitter_*` and `note` are private and purged after the retention period."""

    __table_args__ = (
        Index("ix_submission_status_created", "status", "created_at"),
        Index("ix_submission_location", "location", postgresql_using="gist"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    reference: str = Field(max_length=16, unique=True)  # what the resident keeps, e.g. AM-7K3F9Q2X
    kind: str = Field(max_length=10)
    status: str = Field(default=SubmissionStatus.pending, max_length=10)
    asset_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(ForeignKey("asset.id", ondelete="SET NULL"), index=True)
    )
    submitted: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))  # as sent
    proposed: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))  # after amendments
    reason: str | None = Field(default=None, max_length=20)  # a report's ReportReason
    note: str | None = Field(default=None, sa_column=Column(Text))  # the submitter's words to the moderator (private)
    # None for a report or an edit of a service by phone, online or at home, which has no position (migration 0021).
    location: Any = Field(default=None, sa_column=Column(Geography("POINT", srid=4326, spatial_index=False), nullable=True))
    submitter_name: str | None = Field(default=None, max_length=200)
    submitter_email: str | None = Field(default=None, max_length=254)
    consent: bool = False
    created_at: datetime = Field(default=None, sa_column=_timestamp(nullable=False, server_default=func.now()))
    amended_by: str | None = Field(default=None, max_length=200)
    amended_at: datetime | None = Field(default=None, sa_column=_timestamp())
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = Field(default=None, sa_column=_timestamp())
    decision_note: str | None = Field(default=None, sa_column=Column(Text))
    purged_at: datetime | None = Field(default=None, sa_column=_timestamp())


class RateLimitWindow(SQLModel, table=True):
    """Hits per client per fixed window, shared by every worker. `bucket` holds a hash, never an IP address."""

    __tablename__ = "rate_limit"

    bucket: str = Field(primary_key=True, max_length=80)
    window_start: datetime = Field(sa_column=_timestamp(primary_key=True))
    hits: int = 0


# How the pages name a submission's kind and status.
KIND_NAMES: dict[str, Label] = {
    "new": _l("New place"), "edit": _l("Suggested change"), "report": _l("Report: closed or wrong")
}
STATUS_NAMES: dict[str, Label] = {
    "pending": _l("Waiting for a moderator"), "approved": _l("Approved"), "rejected": _l("Not accepted")
}
