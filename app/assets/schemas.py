"""The asset API's request and response shapes, made from the field declaration (app/assets/fields.py)."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field, create_model, field_validator, model_validator
from pydantic_core import PydanticCustomError

from app.assets.fields import WRITABLE, Output, shown_in
from app.assets.freshness import is_stale
from app.assets.models import AssetStatus, Delivery, LocationPrecision
from app.assets.types import EXAMPLE_SCHEDULE, short_text
from app.geo.postcodes import parse_postcode
from app.i18n import gettext as _

# The types of the errors that concern more than one field, so that a form can tell which of its fields to mark
# whatever the language of the message.
LAT_LON_PAIR = "lat_lon_pair"
AGE_RANGE = "age_range"
NO_POSITION = "no_position"

_Changes = create_model(
    "_Changes",
    __config__=ConfigDict(extra="forbid"),
    **{f.name: (f.input | None, Field(default=None, description=f.description, **f.limits)) for f in WRITABLE},
)
_Public = create_model(
    "_Public", **{f.name: (f.public, Field(description=f.description)) for f in shown_in(Output.API)}
)


class AssetUpdate(_Changes):
    """Fields to change; whatever is left out stays as it is."""

    @field_validator("name", "status")
    @classmethod
    def _not_cleared(cls, value: Any) -> Any:
        """Left out, these stay as they are; sent as null they would clear a field every asset must have."""
        if value is None:
            raise ValueError(_("cannot be empty"))
        return value

    @field_validator("source", "external_id")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        """An empty source or id identifies nothing: it is stored as none (no unique pair, no clash with another)."""
        return value or None

    @field_validator("location_precision", mode="before")
    @classmethod
    def _precision(cls, value: Any) -> Any:
        """Any case ("Approximate" in a spreadsheet); sent empty or as null, a place is shown exactly (the default)."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return LocationPrecision.exact
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("delivery", mode="before")
    @classmethod
    def _delivery(cls, value: Any) -> Any:
        """Any case; sent empty or as null, a place is delivered at its location (the default)."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return Delivery.location
        return value.strip().lower() if isinstance(value, str) else value

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
            raise ValueError(_("'%(postcode)s' is not a UK postcode") % {"postcode": value[:20]})
        return parsed.display

    @model_validator(mode="after")
    def _coherent(self) -> "AssetUpdate":
        if (self.lat is None) != (self.lon is None):
            raise PydanticCustomError(LAT_LON_PAIR, _("give both lat and lon, or neither"))
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise PydanticCustomError(AGE_RANGE, _("min_age must not be more than max_age"))
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
                    "schedule": EXAMPLE_SCHEDULE,
                    "status": "published",
                }
            ]
        },
    )

    name: short_text(200) = Field(min_length=1)
    categories: list[str] = Field(min_length=1, max_length=10, description="Category slugs, see /api/v1/categories")
    status: AssetStatus = AssetStatus.published

    @model_validator(mode="after")
    def _placed(self) -> "AssetCreate":
        self.delivery = self.delivery or Delivery.location
        if self.delivery == Delivery.location and self.lat is None and not self.postcode:
            raise PydanticCustomError(NO_POSITION, _("give lat and lon, or a postcode, to place the asset"))
        self.location_precision = self.location_precision or LocationPrecision.exact
        return self



class AssetPublic(_Public):
    @computed_field(description="True when never verified, or not verified for over `stale_after_days` (365 by default)")
    @property
    def stale(self) -> bool:
        return is_stale(self.last_verified_at)


class AssetPage(BaseModel):
    total: int
    items: list[AssetPublic]
    next: str | None
