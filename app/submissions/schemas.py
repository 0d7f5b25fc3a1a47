"""Shapes of submissions: what residents send, what they get back, and what moderators see and send."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from app.assets.schemas import AssetCreate, AssetUpdate
from app.assets.types import Email
from app.core.text import clean_text
from app.i18n import gettext as _
from app.submissions.models import ReportReason, SubmissionKind, SubmissionStatus

# Set only by moderators' decisions (approval publishes and verifies), never proposed by a resident.
MODERATOR_ONLY = frozenset({"status", "source", "external_id", "last_verified_at"})

Note = Annotated[str, Field(max_length=2000), AfterValidator(clean_text)]
PositionConfirmed = Annotated[
    bool,
    Field(
        description="The sender confirms the position (lat/lon) although it is more than `PIN_MAX_DISTANCE_M` "
        "(2 km by default) from the centre of the postcode: without it such a position is refused with 422 naming "
        "the distance"
    ),
]
Name = Annotated[str, Field(max_length=200), AfterValidator(clean_text)]


def refuse_moderator_fields(fields: BaseModel) -> None:
    if chosen := sorted(fields.model_fields_set & MODERATOR_ONLY):
        raise ValueError(
            _("%(fields)s cannot be proposed: moderators set them when they approve") % {"fields": ", ".join(chosen)}
        )


class NewPlace(AssetCreate):
    """A proposed new place: an asset without the fields only moderators set."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "Tuesday Singers", "categories": ["choirs-music"], "postcode": "M1 1AE", "free": True}
            ]
        },
    )

    @model_validator(mode="after")
    def _resident_fields(self) -> "NewPlace":
        refuse_moderator_fields(self)
        return self


class Changes(AssetUpdate):
    """Proposed changes to an asset: at least one field, none that only moderators set."""

    @model_validator(mode="after")
    def _resident_fields(self) -> "Changes":
        if not self.model_fields_set:
            raise ValueError(_("propose at least one change"))
        refuse_moderator_fields(self)
        return self


def parse_proposal(kind: SubmissionKind, data: dict[str, Any]) -> NewPlace | Changes:
    """A moderator's amended proposal, validated as the kind of submission it belongs to (pydantic ValidationError)."""
    return (NewPlace if kind == SubmissionKind.new else Changes).model_validate(data)


class Submitter(BaseModel):
    """Who sent it, if they want us to be able to reply. Private: only moderators see it, and it is deleted later."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    email: Email | None = None
    consent: bool = Field(
        False, description="The submitter agrees that moderators may keep these details to contact them"
    )

    @model_validator(mode="after")
    def _consented(self) -> "Submitter":
        if (self.name or self.email) and not self.consent:
            raise ValueError(_("tick the consent box to let us keep your name and email, or leave them out"))
        return self


class NewSubmission(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "new",
                    "place": {
                        "name": "Hulme Knit and Natter",
                        "categories": ["arts-crafts"],
                        "postcode": "M15 5DD",
                        "description": "Bring your knitting or learn. Tea and biscuits.",
                        "opening_hours_text": "Thursdays 1pm to 3pm",
                        "free": True,
                    },
                    "submitter": {"name": "Sam", "email": "sam@example.org", "consent": True},
                }
            ]
        },
    )

    kind: Literal["new"]
    place: NewPlace
    position_confirmed: PositionConfirmed = False
    note: Note | None = Field(None, description="Anything the moderator should know (private)")
    submitter: Submitter | None = None


class EditSubmission(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "edit",
                    "asset_id": "3f1c2d4e-0000-4000-8000-000000000001",
                    "changes": {"opening_hours_text": "Now on Fridays 10am to 12pm"},
                }
            ]
        },
    )

    kind: Literal["edit"]
    asset_id: uuid.UUID
    changes: Changes = Field(description="Only the fields to change")
    position_confirmed: PositionConfirmed = False
    note: Note | None = None
    submitter: Submitter | None = None


class ReportSubmission(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "report",
                    "asset_id": "3f1c2d4e-0000-4000-8000-000000000001",
                    "reason": "closed",
                    "note": "Closed for good in March.",
                }
            ]
        },
    )

    kind: Literal["report"]
    asset_id: uuid.UUID
    reason: ReportReason
    note: Note | None = Field(None, description="What is wrong, in your words")
    submitter: Submitter | None = None


SubmissionIn = Annotated[NewSubmission | EditSubmission | ReportSubmission, Field(discriminator="kind")]


class SubmissionReceived(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "reference": "AM-7K3F9Q2X",
                    "kind": "new",
                    "status": "pending",
                    "status_url": "/api/v1/submissions/AM-7K3F9Q2X/status",
                    "message": "Thank you. A moderator will check this before it appears on the map.",
                }
            ]
        }
    )

    reference: str
    kind: SubmissionKind
    status: SubmissionStatus
    status_url: str
    message: str


class SubmissionStatusOut(BaseModel):
    """What anyone holding the reference may see: never who sent it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "reference": "AM-7K3F9Q2X",
                    "kind": "new",
                    "status": "approved",
                    "place_name": "Hulme Knit and Natter",
                    "submitted_at": "2026-11-23T10:00:00Z",
                    "decided_at": "2026-11-24T09:30:00Z",
                    "decision_note": None,
                    "asset_id": "3f1c2d4e-0000-4000-8000-000000000001",
                }
            ]
        }
    )

    reference: str
    kind: SubmissionKind
    status: SubmissionStatus
    place_name: str | None
    submitted_at: datetime
    decided_at: datetime | None
    decision_note: str | None = Field(description="The moderator's reason, when a submission is rejected")
    asset_id: uuid.UUID | None = Field(description="The place on the map, once approved")
