"""The claims API's shapes."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.moderation.schemas import Decision, Rejection

__all__ = ["ClaimItem", "ClaimPage", "Decision", "Rejection"]


class ClaimItem(BaseModel):
    """A claim as moderators see it: the claimant's address and note are private to moderators."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    asset_id: uuid.UUID
    place_name: str | None = None
    email: str
    note: str | None
    status: str = Field(description="unconfirmed, pending, approved, rejected or withdrawn")
    created_at: datetime
    confirmed_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None


class ClaimPage(BaseModel):
    total: int
    items: list[ClaimItem]
    next: str | None
