"""The nearby search's query and response."""

import datetime as dt
import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.assets.filters import Criteria
from app.assets.schemas import AssetPublic
from app.assets.types import WEEKDAYS, Accessibility, Weekday
from app.core.text import clean_text
from app.i18n import gettext as _

_HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


class NearbyQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lat: float | None = Field(None, ge=-90, le=90, description="Latitude of the search centre (with lon)", examples=[51.4816])
    lon: float | None = Field(None, ge=-180, le=180, description="Longitude of the search centre (with lat)", examples=[-3.1791])
    postcode: str | None = Field(None, max_length=40, description="Search around this postcode or outcode instead of lat/lon", examples=["M1 1AE"])
    radius_m: int = Field(1609, ge=1, le=50_000, description="Search radius in metres (default one mile)")
    category: list[str] = Field([], description="Category slug, repeatable; matches its sub-categories too", examples=[["social-connection"]])
    q: str | None = Field(None, max_length=200, description="Words to find in the name, description or tags, in English or in Welsh", examples=["choir"])
    free: bool | None = Field(None, description="Only free (true) or only paid (false) places")
    day: Weekday | None = Field(None, description="Only places that meet on this day")
    time: str | None = Field(None, description="With day: only places open at this time, HH:MM", examples=["10:30"])
    accessibility: list[Accessibility] = Field([], description="Accessibility features; all must be present")
    age: int | None = Field(None, ge=0, le=120, description="Only places whose age range includes this age")
    drop_in: bool | None = Field(None, description="Only places you can drop in to without a referral")
    carers_welcome: bool | None = Field(None, description="Only places where a carer or support worker can come too")
    language: str | None = Field(
        None, max_length=60, description="Only places offered in this language (as the place lists it, any case)", examples=["Polish"]
    )
    area: str | None = Field(
        None,
        max_length=20,
        description="Only places inside this council or region (ONS code, see /api/v1/areas), and in `remote` only "
        "services serving people in it (a service area holding it or inside it, or the whole UK)",
        examples=["E08000003"],
    )
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=10_000)

    @field_validator("q", "area", "language")
    @classmethod
    def _no_control_characters(cls, value: str | None) -> str | None:
        return clean_text(value)

    @field_validator("time")
    @classmethod
    def _hhmm(cls, value: str | None) -> str | None:
        if value is not None and not _HHMM.fullmatch(value):
            raise ValueError(_("must be a time as HH:MM on the 24-hour clock, such as 09:30 (got %(got)s)") % {"got": repr(value)})
        return value

    @model_validator(mode="after")
    def _one_centre(self) -> "NearbyQuery":
        has_point = self.lat is not None or self.lon is not None
        if has_point and (self.lat is None or self.lon is None):
            raise ValueError(_("give both lat and lon"))
        if has_point == bool(self.postcode):
            raise ValueError(_("give either lat and lon, or a postcode (exactly one of them)"))
        if self.time and not self.day:
            raise ValueError(_("time needs a day as well, such as day=tue&time=10:30"))
        return self

    @property
    def at(self) -> dt.time | None:
        return dt.time.fromisoformat(self.time) if self.time else None

    def criteria(self) -> Criteria:
        return Criteria(
            category=self.category, q=self.q, area=self.area, free=self.free, drop_in=self.drop_in, carers_welcome=self.carers_welcome, language=self.language,
            accessibility=[a.value for a in self.accessibility], age=self.age,
            weekday=WEEKDAYS.index(self.day) if self.day else None, open_at=self.at,
        )


class Origin(BaseModel):
    lat: float
    lon: float
    postcode: str | None


class NearbyItem(AssetPublic):
    distance_m: float = Field(description="Geodesic (WGS84 ellipsoid) distance from the origin, in metres")


class DeliveredRemotely(BaseModel):
    """The services delivered by phone, online or at home whose service areas hold the origin, listed apart."""

    total: int = Field(description="How many match the filters")
    items: list[AssetPublic] = Field(
        description="The first `limit` of them on the first page (`offset` 0), none on later pages; fresh before "
        "stale, then by name. No distance: they have no position (`lat` and `lon` are null)"
    )


class NearbyResponse(BaseModel):
    origin: Origin
    radius_m: int
    total: int
    items: list[NearbyItem]
    next: str | None
    remote: DeliveredRemotely = Field(
        description="By phone, online or at home: services without a place whose service areas hold the origin, "
        "with the same filters; not counted in `total`"
    )
