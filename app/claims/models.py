"""Claims: a group's request to keep its own listing, and the single-use links sent by e-mail (only their hashes)."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, DateTime, ForeignKey, Index, String, Text, func, text
from sqlmodel import Field, SQLModel

from app.i18n import Text as Label
from app.i18n import lazy_gettext as _l


class ClaimStatus(StrEnum):
    unconfirmed = "unconfirmed"  # waiting for the claimant to open the link e-mailed to them
    pending = "pending"  # confirmed, waiting for a moderator
    approved = "approved"
    rejected = "rejected"
    withdrawn = "withdrawn"  # a moderator took an approved claim back


class TokenPurpose(StrEnum):
    confirm_claim = "confirm_claim"
    sign_in = "sign_in"


CLAIM_STATUS_NAMES: dict[str, Label] = {
    "unconfirmed": _l("Address not yet confirmed"),
    "pending": _l("Waiting for a moderator"),
    "approved": _l("Approved"),
    "rejected": _l("Not accepted"),
    "withdrawn": _l("Withdrawn"),
}


def _timestamp(**kwargs: object) -> Column:
    return Column(DateTime(timezone=True), **kwargs)


class Claim(SQLModel, table=True):
    """Someone from a group asks to keep a place's listing. `email` (lower case) and `note` are private."""

    __table_args__ = (
        Index("ix_claim_status_created", "status", "created_at"),
        Index("ux_claim_pending", "asset_id", unique=True, postgresql_where=text("status = 'pending'")),
        Index("ux_claim_approved", "asset_id", unique=True, postgresql_where=text("status = 'approved'")),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    asset_id: uuid.UUID = Field(sa_column=Column(ForeignKey("asset.id", ondelete="CASCADE"), nullable=False, index=True))
    email: str = Field(max_length=254, index=True)
    note: str | None = Field(default=None, sa_column=Column(Text))
    status: str = Field(default=ClaimStatus.unconfirmed, max_length=12)
    language: str = Field(default="en", sa_column=Column(String(5), nullable=False, server_default="en"))
    created_at: datetime = Field(default=None, sa_column=_timestamp(nullable=False, server_default=func.now()))
    confirmed_at: datetime | None = Field(default=None, sa_column=_timestamp())
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = Field(default=None, sa_column=_timestamp())
    decision_note: str | None = Field(default=None, sa_column=Column(Text))
    reminded_at: datetime | None = Field(default=None, sa_column=_timestamp())


class EmailToken(SQLModel, table=True):
    """A link e-mailed to someone: works once (`used_at`), until `expires_at`, for one purpose. The token itself is
    only in the e-mail; this holds its SHA-256 hash."""

    __tablename__ = "email_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    purpose: str = Field(max_length=20)
    email: str = Field(max_length=254)
    claim_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(ForeignKey("claim.id", ondelete="CASCADE"), index=True)
    )
    created_at: datetime = Field(default=None, sa_column=_timestamp(nullable=False, server_default=func.now()))
    expires_at: datetime = Field(sa_column=_timestamp(nullable=False, index=True))
    used_at: datetime | None = Field(default=None, sa_column=_timestamp())
