"""A shared shortlist and its places, in the order the link worker chose. No personal data is stored."""

import uuid
from datetime import datetime

from sqlalchemy import Column, DateTime, ForeignKey, Integer, UniqueConstraint, func
from sqlmodel import Field, SQLModel


class Shortlist(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)  # secrets.token_urlsafe: the only way to find the list
    title: str | None = Field(default=None, max_length=120)
    created_at: datetime = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))


class ShortlistItem(SQLModel, table=True):
    __tablename__ = "shortlist_item"
    __table_args__ = (UniqueConstraint("shortlist_id", "position"), UniqueConstraint("shortlist_id", "asset_id"))

    id: int | None = Field(default=None, primary_key=True)
    shortlist_id: int = Field(
        sa_column=Column(Integer, ForeignKey("shortlist.id", ondelete="CASCADE"), nullable=False)
    )
    position: int
    asset_id: uuid.UUID = Field(sa_column=Column(ForeignKey("asset.id", ondelete="CASCADE"), nullable=False, index=True))
    note: str | None = Field(default=None, max_length=280)
