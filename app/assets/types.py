"""The value types a place's fields are made of: days, accessibility features, short texts, links, sessions and
organisations. app/assets/fields.py declares the fields with them; schemas.py builds the API's shapes."""

import re
from datetime import time
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from app.core.text import clean_email, clean_text, clean_url
from app.i18n import Text
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Each day's name in the language it is shown in (lazy: translated each time it is shown).
DAY_NAMES: dict[str, Text] = dict(
    zip(
        WEEKDAYS,
        (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"), _l("Sunday")),
        strict=True,
    )
)
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


ACCESSIBILITY_LABELS: dict[str, Text] = {
    Accessibility.step_free: _l("Step-free access"),
    Accessibility.accessible_toilet: _l("Accessible toilet"),
    Accessibility.hearing_loop: _l("Hearing loop"),
    Accessibility.quiet_space: _l("Quiet space"),
    Accessibility.large_print: _l("Large print materials"),
    Accessibility.bsl: _l("British Sign Language (BSL)"),
    Accessibility.accessible_parking: _l("Accessible parking"),
    Accessibility.changing_places: _l("Changing Places toilet"),
    Accessibility.assistance_dogs: _l("Assistance dogs welcome"),
    Accessibility.dementia_friendly: _l("Dementia friendly"),
}
"""How each accessibility feature is named to people, on pages, forms and in Open Referral UK output (lazy: in the
language of the page or response that shows it; the codes stay the same in every language)."""

# How the place form puts each location precision (app/assets/models.LocationPrecision), and how a page says it.
PRECISION_CHOICES: dict[str, Text] = {
    "exact": _l("Exactly, with its address"),
    "approximate": _l("Roughly, within about 250 metres, without the address"),
    "area": _l("Only the general area (the middle of its district), without the address"),
}
# How a page says a service not delivered at a location reaches people (app/assets/models.Delivery).
DELIVERY_LABELS: dict[str, Text] = {
    "phone": _l("By phone"),
    "online": _l("Online"),
    "home": _l("At home"),
}
# How the place form asks how it reaches people: at a place, or one of DELIVERY_LABELS.
DELIVERY_CHOICES: dict[str, Text] = {
    "location": _l("At a place people go to"),
    "phone": _l("By phone"),
    "online": _l("Online"),
    "home": _l("At people's homes (visits, deliveries)"),
}
PRECISION_NOTES: dict[str, Text] = {
    "approximate": _l("Location shown approximately, within about 250 metres."),
    "area": _l("Only the area is shown: the centre of its postcode district."),
}


def short_text(max_length: int):  # noqa: ANN201 - an Annotated type
    """A line of text people type, up to `max_length` characters, without control characters and trimmed."""
    return Annotated[str, Field(max_length=max_length), AfterValidator(clean_text)]


Url = Annotated[str, Field(max_length=500), AfterValidator(clean_url)]
Email = Annotated[str, Field(max_length=254), AfterValidator(clean_email)]
Word = Annotated[str, Field(min_length=1, max_length=60), AfterValidator(clean_text)]
_WORD_SEPARATOR = re.compile(r"\s*[;,]\s*")


def split_words(text: str) -> list[str]:
    """A list of words typed as one line ("Polish; Urdu, BSL"), as forms and import columns give them."""
    return [word for word in _WORD_SEPARATOR.split(text.strip()) if word]

EXAMPLE_SCHEDULE = [{"day": "tue", "opens": "10:00", "closes": "12:00", "note": "first Tuesday of the month"}]


CLOSES_BEFORE_OPENS = "closes_before_opens"  # the error's type, for forms whatever the language of its message


class ScheduleSession(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": EXAMPLE_SCHEDULE})

    day: Weekday
    opens: time = Field(description="HH:MM, 24-hour clock")
    closes: time = Field(description="HH:MM, after opens")
    note: short_text(200) | None = None

    @model_validator(mode="after")
    def _closes_after_opens(self) -> "ScheduleSession":
        if self.closes <= self.opens:
            times = {"closes": f"{self.closes:%H:%M}", "opens": f"{self.opens:%H:%M}"}
            raise PydanticCustomError(CLOSES_BEFORE_OPENS, _("closes (%(closes)s) must be after opens (%(opens)s)") % times)
        return self


class OrganisationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: short_text(200) = Field(min_length=1)
    website: Url | None = None
    email: Email | None = None
    phone: short_text(40) | None = None
    external_id: short_text(120) | None = Field(
        default=None, description="The organisation's id in the asset's source (set by imports); ignored without a source"
    )


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
