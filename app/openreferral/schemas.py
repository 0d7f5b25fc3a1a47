"""The Open Referral UK (HSDS-UK-3.0) shapes this API answers with, and its query parameters.

Field names follow the UK profile's JSON Schemas (`schema/compiled/` in the profile). Absent values are left out of
responses, never sent as null (the schemas type them as plain strings and numbers). A few fields are HSDS 3.0 core
fields that the UK profile leaves out (`phones`, `language.name`, `language.code`, `taxonomy_term.code`,
`eligibility_description`, `service.alternate_name`): the profile allows extra properties that do not conflict, and
without them a phone number, a language or a Welsh name could not be published at all. See docs/openreferral.md.
"""

import datetime as dt
import re
import uuid
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.i18n import gettext as _

HSDS_VERSION = "HSDS-UK-3.0"
PROFILE_URL = "https://open-referral-uk-profile.readthedocs.io/en/latest/"

# RFC 5545 day codes, Monday first (our weekday 0 = Monday).
BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TaxonomyTerm(_Out):
    id: uuid.UUID
    name: str
    description: str
    parent_id: uuid.UUID | None = None
    taxonomy: str | None = Field(None, description="The name of the taxonomy")
    taxonomy_id: uuid.UUID | None = None
    term: str | None = None
    code: str | None = Field(None, description="HSDS 3.0 core field: our category slug")


class Taxonomy(_Out):
    id: uuid.UUID
    name: str
    description: str
    uri: str | None = None
    version: str | None = None
    taxonomy_terms: list[TaxonomyTerm] | None = None


class Attribute(_Out):
    id: uuid.UUID
    link_id: uuid.UUID | None = None
    link_type: str | None = None
    taxonomy_term_id: uuid.UUID | None = None
    taxonomy_term: TaxonomyTerm | None = None


class Phone(_Out):
    id: uuid.UUID
    number: str
    description: str | None = None


class Organization(_Out):
    id: uuid.UUID
    name: str
    description: str
    email: str | None = None
    website: str | None = None
    phones: list[Phone] | None = Field(None, description="HSDS 3.0 core field (full responses only)")


class Address(_Out):
    id: uuid.UUID
    location_id: uuid.UUID | None = None
    address_1: str
    city: str
    region: str | None = None
    state_province: str
    postal_code: str
    country: str
    address_type: Literal["physical", "postal", "virtual"]


class Accessibility(_Out):
    id: uuid.UUID
    location_id: uuid.UUID | None = None
    description: str | None = None
    accessibility: str | None = None


class Location(_Out):
    id: uuid.UUID
    location_type: Literal["physical", "postal", "virtual"]
    name: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    url: str | None = Field(None, description="HSDS 3.0 core field: where a virtual location is (a service online)")
    addresses: list[Address] | None = None
    accessibility: list[Accessibility] | None = None


class Schedule(_Out):
    id: uuid.UUID
    service_id: uuid.UUID | None = None
    freq: Literal["WEEKLY", "MONTHLY"] | None = None
    interval: int | None = None
    byday: str | None = None
    opens_at: str | None = Field(None, description="Local UK time, HH:MM:SS")
    closes_at: str | None = Field(None, description="Local UK time, HH:MM:SS")
    description: str | None = None


class CostOption(_Out):
    id: uuid.UUID
    service_id: uuid.UUID | None = None
    option: str | None = None
    amount: float | None = None
    amount_description: str | None = None


class Language(_Out):
    id: uuid.UUID
    service_id: uuid.UUID | None = None
    name: str | None = Field(None, description="HSDS 3.0 core field")
    code: str | None = Field(None, description="HSDS 3.0 core field: the ISO 639-1 code (given for Welsh, cy)")


class ServiceSummary(_Out):
    """A service's one-to-one fields, as in list responses."""

    id: uuid.UUID
    organization_id: uuid.UUID | None = None
    name: str
    alternate_name: str | None = Field(None, description="HSDS 3.0 core field: the service's name in Welsh")
    description: str | None = None
    url: str | None = None
    email: str | None = None
    status: Literal["active", "inactive", "defunct", "temporarily closed"]
    fees: str | None = None
    minimum_age: int | None = None
    maximum_age: int | None = None
    assured_date: str | None = Field(None, description="When the listing was last verified, YYYY-MM-DD")
    last_modified: dt.datetime | None = None
    eligibility_description: str | None = Field(None, description="HSDS 3.0 core field: who it is for")
    organization: Organization | None = None


class ServiceArea(_Out):
    id: uuid.UUID
    service_id: uuid.UUID | None = None
    name: str | None = None
    uri: str | None = Field(None, description="The area's ONS statistical geography URI (its code at the end)")


class ServiceAtLocationOfService(_Out):
    id: uuid.UUID
    service_id: uuid.UUID
    location_id: uuid.UUID
    location: Location


class ServiceFull(ServiceSummary):
    """A service with everything about it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "0b6f4d2e-6d4a-4c8e-9a57-2f1f5c6a7d10",
                    "name": "Tuesday Singers",
                    "status": "active",
                    "description": "A friendly community choir. No auditions, tea afterwards.",
                    "schedules": [
                        {
                            "id": "6c1e8c53-6a0e-5b7c-9d1e-0f3b2a1c4d5e",
                            "service_id": "0b6f4d2e-6d4a-4c8e-9a57-2f1f5c6a7d10",
                            "freq": "WEEKLY",
                            "interval": 1,
                            "byday": "TU",
                            "opens_at": "10:00:00",
                            "closes_at": "12:00:00",
                        }
                    ],
                }
            ]
        },
    )

    schedules: list[Schedule] = []
    service_at_locations: list[ServiceAtLocationOfService] = []
    languages: list[Language] = []
    cost_options: list[CostOption] = []
    attributes: list[Attribute] = []
    phones: list[Phone] = Field([], description="HSDS 3.0 core field: the public phone number")
    service_areas: list[ServiceArea] = Field(
        [], description="The councils, regions or nations a service by phone, online or at home serves"
    )


class ServiceOfLocation(ServiceFull):
    """A service as nested in a service_at_location: without its own service_at_locations."""

    service_at_locations: list[ServiceAtLocationOfService] | None = None


class ServiceAtLocationSummary(_Out):
    id: uuid.UUID
    service_id: uuid.UUID
    location_id: uuid.UUID
    location: Location
    service: ServiceSummary


class ServiceAtLocationFull(_Out):
    id: uuid.UUID
    service_id: uuid.UUID
    location_id: uuid.UUID
    location: Location
    service: ServiceOfLocation


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """The HSDS page envelope."""

    total_items: int = Field(description="How many items match, on all pages")
    total_pages: int
    page_number: int
    size: int = Field(description="How many items are on this page")
    first_page: bool
    last_page: bool
    empty: bool = Field(description="True when this page has no items")
    contents: list[T]


class ApiInfo(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"version": HSDS_VERSION, "profile": PROFILE_URL, "openapi_url": "https://assets.example.org/oruk/openapi.json"}
            ]
        }
    )

    version: str
    profile: str
    openapi_url: str


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page: int = Field(1, ge=1, le=10_000, description="Page number, from 1")
    per_page: int = Field(50, ge=1, le=200, description="Items per page (at most 200)")


class ServiceQuery(PageQuery):
    """Filters for /services; every one given must hold (AND)."""

    search: str | None = Field(None, max_length=200, description="Words to find in the name, description or tags", examples=["choir"])
    taxonomy_term_id: uuid.UUID | None = Field(None, description="Services with this taxonomy term or one below it")
    taxonomy_id: uuid.UUID | None = Field(None, description="Services with any term of this taxonomy")
    minimum_age: float | None = Field(None, ge=0, le=150, description="Services whose minimum age is at least this (none counts as 0)")
    maximum_age: float | None = Field(None, ge=0, le=150, description="Services whose maximum age is at most this")
    day: str | None = Field(None, description="Services meeting on this day: MO, TU, WE, TH, FR, SA or SU", examples=["TU"])
    start_time: str | None = Field(None, description="Services with a session starting at or after this time, HH:MM", examples=["09:00"])
    end_time: str | None = Field(None, description="Services with a session ending at or before this time, HH:MM", examples=["17:00"])

    @field_validator("day")
    @classmethod
    def _day(cls, value: str | None) -> str | None:
        if value is None:
            return None
        word = value.strip().lower()
        for code, name in zip(BYDAY, _DAY_NAMES, strict=True):
            if word in (code.lower(), name, name[:3]):
                return code
        raise ValueError(
            _("must be a day of the week such as MO, TU, WE, TH, FR, SA or SU (got %(got)s)") % {"got": repr(value[:20])}
        )

    @field_validator("start_time", "end_time")
    @classmethod
    def _time(cls, value: str | None) -> str | None:
        if value is not None and not _TIME.match(value.strip()):
            raise ValueError(_("must be a time as HH:MM on the 24-hour clock, such as 09:30 (got %(got)s)") % {"got": repr(value[:20])})
        return value.strip() if value else value

    @model_validator(mode="after")
    def _coherent(self) -> "ServiceQuery":
        if self.start_time and self.end_time and self.start_at >= self.end_at:  # type: ignore[operator]
            raise ValueError(_("start_time must be before end_time"))
        if self.minimum_age is not None and self.maximum_age is not None and self.minimum_age > self.maximum_age:
            raise ValueError(_("minimum_age must not be more than maximum_age"))
        return self

    @property
    def weekday(self) -> int | None:
        return BYDAY.index(self.day) if self.day else None

    @property
    def start_at(self) -> dt.time | None:
        return dt.time.fromisoformat(self.start_time) if self.start_time else None

    @property
    def end_at(self) -> dt.time | None:
        return dt.time.fromisoformat(self.end_time) if self.end_time else None


class ServiceAtLocationQuery(ServiceQuery):
    postcode: str | None = Field(None, max_length=10, description="Nearest first from this postcode (or outcode)", examples=["M1 1AE"])
    proximity: float | None = Field(
        None, gt=0, le=100_000, description="With postcode: only results within this many metres", examples=[1609]
    )

    @model_validator(mode="after")
    def _proximity_needs_postcode(self) -> "ServiceAtLocationQuery":
        if self.proximity is not None and not self.postcode:
            raise ValueError(_("proximity needs a postcode as well, such as postcode=M1 1AE&proximity=1609"))
        return self
