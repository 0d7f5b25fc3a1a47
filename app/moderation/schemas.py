"""The moderation API's shapes: the queue, a submission's details, decisions, history and duplicate pairs."""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.assets.schemas import AssetPublic
from app.submissions.models import ReportReason, SubmissionKind, SubmissionStatus
from app.submissions.schemas import Note, PositionConfirmed


class SubmitterOut(BaseModel):
    name: str | None
    email: str | None
    consent: bool


class Duplicate(BaseModel):
    source: Literal["asset", "submission"] = Field(description="An existing asset, or another pending new submission")
    id: uuid.UUID
    name: str
    address: str | None
    postcode: str | None
    status: str
    distance_m: float | None = Field(description="How far apart; null for a service without a place (by phone, online or "
                                     "at home), alike by name and service areas")
    similarity: float


class QueueItem(BaseModel):
    id: uuid.UUID
    reference: str
    kind: SubmissionKind
    status: SubmissionStatus
    place_name: str | None
    asset_id: uuid.UUID | None
    reason: ReportReason | None
    created_at: datetime
    decided_at: datetime | None
    lat: float | None = Field(description="Where it is about; null for a service by phone, online or at home")
    lon: float | None
    possible_duplicate: bool


class DuplicatePlace(BaseModel):
    id: uuid.UUID
    name: str
    address: str | None
    postcode: str | None
    source: str | None
    external_id: str | None
    status: str
    delivery: str = Field(description="How it reaches people: location, phone, online or home")


class DuplicatePair(BaseModel):
    first: DuplicatePlace
    second: DuplicatePlace
    similarity: float = Field(description="pg_trgm similarity of the two names, 0 to 1")
    distance_m: float | None = Field(description="How far apart; null when either is a service without a place, found "
                                     "alike by name and service areas")
    found_at: datetime


class DuplicatePage(BaseModel):
    total: int
    items: list[DuplicatePair]
    next: str | None


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keep: uuid.UUID = Field(description="The place that stays, taking the other's source identifiers")
    merge: uuid.UUID = Field(description="The place merged into it: archived, pointing to the kept one")


class NotDuplicates(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first: uuid.UUID
    second: uuid.UUID


class QueuePage(BaseModel):
    total: int
    items: list[QueueItem]
    next: str | None


class SubmissionDetail(QueueItem):
    """Everything a moderator needs to decide: the proposal, the current asset, likely duplicates, the submitter."""

    submitted: dict[str, Any]
    proposed: dict[str, Any]
    note: str | None
    submitter: SubmitterOut | None = Field(description="Private; null once purged")
    current: AssetPublic | None = Field(description="The asset as it is now, for an edit or a report")
    duplicates: list[Duplicate]
    amended_by: str | None
    amended_at: datetime | None
    decided_by: str | None
    decision_note: str | None


class Amendment(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"proposed": {"name": "Hulme Knit & Natter", "categories": ["arts-crafts"], "postcode": "M15 5DD"}}
            ]
        },
    )

    proposed: dict[str, Any] = Field(
        description="The full proposal as it should be approved: a place for `new`, changes for `edit`, a correction "
        "(changes) for `report`"
    )
    position_confirmed: PositionConfirmed = False


class Decision(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"note": "Checked with the organiser by phone."}]}
    )

    note: Note | None = Field(None, description="Optional for an approval; required when rejecting")


class Rejection(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"note": "This is a private business, not a community group."}]}
    )

    note: Note = Field(min_length=1, description="Why, in words the submitter can read (shown on the status page)")


class HistoryEntry(BaseModel):
    id: int
    changed_at: datetime
    actor: str
    action: str
    submission_id: uuid.UUID | None
    changes: dict[str, Any] = Field(description="Each changed field: [before, after]")
    snapshot: dict[str, Any] = Field(description="The whole asset after this change")
