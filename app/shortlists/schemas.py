"""The shortlist API's shapes."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.assets.schemas import AssetPublic
from app.core.text import clean_text

MAX_ITEMS = 30
NOTE_MAX = 280
TITLE_MAX = 120


def _blank_is_none(value: str | None) -> str | None:
    return value or None


Note = Annotated[str, Field(max_length=NOTE_MAX), AfterValidator(clean_text), AfterValidator(_blank_is_none)] | None
Title = Annotated[str, Field(max_length=TITLE_MAX), AfterValidator(clean_text), AfterValidator(_blank_is_none)] | None


class ShortlistItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    asset_id: uuid.UUID
    note: Note = Field(None, description=f"A short note about this place (at most {NOTE_MAX} characters). No names.")


class ShortlistIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Places to try",
                    "items": [
                        {"asset_id": "6f1c1f7e-4f4e-4a51-9f83-0c1d2e3f4a5b", "note": "Ask for Jo at the door"},
                    ],
                }
            ]
        },
    )

    title: Title = Field(None, description=f"A heading for the list (at most {TITLE_MAX} characters). No names.")
    items: list[ShortlistItemIn] = Field(
        min_length=1, max_length=MAX_ITEMS, description="Published places, in the order to show them"
    )


class ShortlistCreated(BaseModel):
    code: str
    url: str = Field(description="The page to share: readable on a phone, prints on one or two A4 pages")
    expires_at: datetime


class ShortlistItemOut(BaseModel):
    position: int
    note: str | None
    asset: AssetPublic


class ShortlistOut(BaseModel):
    code: str
    url: str
    title: str | None
    created_at: datetime
    expires_at: datetime
    items: list[ShortlistItemOut] = Field(
        description="In the chosen order; a place no longer published is left out"
    )
