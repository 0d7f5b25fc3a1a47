"""The asset API's request and response shapes."""

import uuid
from datetime import datetime, time
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, computed_field, field_validator, model_validator

from app.assets.freshness import is_stale
from app.assets.models import AssetStatus
from app.core.text import clean_email, clean_text, clean_url
from app.geo.postcodes import parse_postcode

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = dict(zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"), strict=True))
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Accessibility(StrEnum):
    step_free = "step_free"
    accessible_toilet = "accessible_toilet"
    hearing_loop = "hearing_loop"
    quiet_space = "quiet_space"
    large_print = "large_print"
    bsl = "bsl"
    accessible_parking = "accessible_parking"
    changing_places = "changing_places"
    assistance_dogs = "assistance_dogs"
    dementia_friendly = "dementia_friendly"


ACCESSIBILITY_LABELS: dict[str, str] = {
    Accessibility.step_free: "Step-free access",
    Accessibility.accessible_toilet: "Accessible toilet",
    Accessibility.hearing_loop: "Hearing loop",
    Accessibility.quiet_space: "Quiet space",
    Accessibility.large_print: "Large print materials",
    Accessibility.bsl: "British Sign Language (BSL)",
    Accessibility.accessible_parking: "Accessible parking",
    Accessibility.changing_places: "Changing Places toilet",
    Accessibility.assistance_dogs: "Assistance dogs welcome",
    Accessibility.dementia_friendly: "Dementia friendly",
}
"""How each accessibility feature is named to people, on pages, forms and in Open Referral UK output."""


def _short(max_length: int):  # noqa: ANN202 - an Annotated type
    return Annotated[str, Field(max_length=max_length), AfterValidator(clean_text)]


Url = Annotated[str, Field(max_length=500), AfterValidator(clean_url)]
Email = Annotated[str, Field(max_length=254), AfterValidator(clean_email)]
Tag = Annotated[str, Field(min_length=1, max_length=60), AfterValidator(clean_text)]

_EXAMPLE_SCHEDULE = [{"day": "tue", "opens": "10:00", "closes": "12:00", "note": "first Tuesday of the month"}]


class ScheduleSession(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": _EXAMPLE_SCHEDULE})

    day: Weekday
    opens: time = Field(description="HH:MM, 24-hour clock")
    closes: time = Field(description="HH:MM, after opens")
    note: _short(200) | None = None

    @model_validator(mode="after")
    def _closes_after_opens(self) -> "ScheduleSession":
        if self.closes <= self.opens:
            raise ValueError(f"closes ({self.closes:%H:%M}) must be after opens ({self.opens:%H:%M})")
        return self


class OrganisationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: _short(200) = Field(min_length=1)
    website: Url | None = None
    email: Email | None = None
    phone: _short(40) | None = None
    external_id: _short(120) | None = Field(
        default=None, description="The organisation's id in the asset's source (set by imports); ignored without a source"
    )


class AssetUpdate(BaseModel):
    """Fields to change; whatever is left out stays as it is."""

    model_config = ConfigDict(extra="forbid")

    name: _short(200) | None = Field(default=None, min_length=1)
    description: _short(5000) | None = None
    organisation: OrganisationIn | None = None
    categories: list[str] | None = Field(default=None, min_length=1, max_length=10, description="Category slugs")
    tags: list[Tag] | None = Field(default=None, max_length=30)
    address: _short(300) | None = None
    postcode: _short(10) | None = Field(default=None, description="Places the asset at this postcode unless lat/lon are given")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    phone: _short(40) | None = None
    email: Email | None = None
    website: Url | None = None
    free: bool | None = None
    cost_description: _short(300) | None = None
    accessibility: list[Accessibility] | None = None
    languages: list[Tag] | None = Field(default=None, max_length=20)
    min_age: int | None = Field(default=None, ge=0, le=120)
    max_age: int | None = Field(default=None, ge=0, le=120)
    audience: _short(300) | None = Field(default=None, description="Who it is for, in plain words")
    drop_in: bool | None = Field(default=None, description="True when no referral is needed")
    schedule: list[ScheduleSession] | None = Field(default=None, max_length=50)
    opening_hours_text: _short(500) | None = None
    status: AssetStatus | None = None
    source: _short(40) | None = None
    external_id: _short(120) | None = None
    last_verified_at: datetime | None = None

    @field_validator("name", "status")
    @classmethod
    def _not_cleared(cls, value: Any) -> Any:
        """Left out, these stay as they are; sent as null they would clear a field every asset must have."""
        if value is None:
            raise ValueError("cannot be empty")
        return value

    @field_validator("source", "external_id")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        """An empty source or id identifies nothing: it is stored as none (no unique pair, no clash with another)."""
        return value or None

    @field_validator("description")
    @classmethod
    def _cleared_to_empty(cls, value: str | None) -> str:
        return value or ""

    @field_validator("postcode")
    @classmethod
    def _uk_postcode(cls, value: str | None) -> str | None:
        """In its usual form ("M1 1AE", or an outcode such as "M1"), whether it places the asset or a pin does."""
        if not value:
            return None
        parsed = parse_postcode(value)
        if parsed is None:
            raise ValueError(f"'{value[:20]}' is not a UK postcode")
        return parsed.display

    @model_validator(mode="after")
    def _coherent(self) -> "AssetUpdate":
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValueError("min_age must not be more than max_age")
        return self


class AssetCreate(AssetUpdate):
    """A new asset: a name, at least one category, and a place (lat/lon or a postcode)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Tuesday Singers",
                    "description": "A friendly community choir. No auditions, tea afterwards.",
                    "categories": ["choirs-music", "older-people-groups"],
                    "postcode": "M1 1AE",
                    "address": "Central Library, St Peter's Square, Manchester",
                    "free": True,
                    "drop_in": True,
                    "accessibility": ["step_free", "hearing_loop"],
                    "schedule": _EXAMPLE_SCHEDULE,
                    "status": "published",
                }
            ]
        },
    )

    name: _short(200) = Field(min_length=1)
    categories: list[str] = Field(min_length=1, max_length=10, description="Category slugs, see /api/v1/categories")
    status: AssetStatus = AssetStatus.published

    @model_validator(mode="after")
    def _placed(self) -> "AssetCreate":
        if self.lat is None and not self.postcode:
            raise ValueError("give lat and lon, or a postcode, to place the asset")
        return self


class OrganisationPublic(BaseModel):
    name: str
    website: str | None = None
    email: str | None = None
    phone: str | None = None


class SchedulePublic(BaseModel):
    day: Weekday
    opens: str
    closes: str
    note: str | None = None


class AssetPublic(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    categories: list[str]
    tags: list[str]
    organisation: OrganisationPublic | None
    address: str | None
    postcode: str | None
    lat: float
    lon: float
    phone: str | None
    email: str | None
    website: str | None
    free: bool | None
    cost_description: str | None
    accessibility: list[str]
    languages: list[str]
    min_age: int | None
    max_age: int | None
    audience: str | None
    drop_in: bool | None
    schedule: list[SchedulePublic]
    opening_hours_text: str | None
    status: str
    source: str | None
    external_id: str | None
    last_verified_at: datetime | None
    merged_into: uuid.UUID | None = Field(
        default=None, description="For an archived place a moderator merged into another: the place it became"
    )
    created_at: datetime
    updated_at: datetime

    @computed_field(description="True when never verified, or not verified for over `stale_after_days` (365 by default)")
    @property
    def stale(self) -> bool:
        return is_stale(self.last_verified_at)


class AssetPage(BaseModel):
    total: int
    items: list[AssetPublic]
    next: str | None
