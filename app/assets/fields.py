"""Every field of a place, declared once: its type and limits, its label, and which outputs show it.

The API schemas (assets/schemas.py), the SQL select list (assets/repository.public_columns), the CSV and GeoJSON
exports (exports/formats.py), the map's GeoJSON layer (maps/repository.py), the resident's and moderator's forms
(submissions/forms.py and its template), the moderation diff (moderation/views.py) and the place page all read this
table. A field an output leaves out is left out here, by its `shown_in`, and tests/assets/test_fields.py checks each
output against it.

Some fields need an output's own handling, and say so in `special`: the categories (slugs checked against the
taxonomy, stored in asset_category), the schedule (rows of asset_session), the organisation (a table of its own), the
position (one PostGIS point shown as lat and lon). Open Referral UK maps places to its own schema field by field
(openreferral/mapping.py), because the standard's names and structure are not ours.

The texts people write about a place (its name, description, opening hours in words and who it is for) have an
optional Welsh version each, `<name>_cy` (`_and_welsh`, `WELSH`); app/assets/language.py picks the one to show.
"""

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from app.assets.models import AssetStatus, Delivery, LocationPrecision
from app.assets.types import (
    DELIVERY_CHOICES,
    PRECISION_CHOICES,
    Accessibility,
    Email,
    OrganisationIn,
    OrganisationPublic,
    SchedulePublic,
    ScheduleSession,
    Url,
    Word,
    short_text,
)
from app.i18n import Text
from app.i18n import lazy_gettext as _l


class Output(StrEnum):
    API = "api"  # AssetPublic: the API, the history's snapshots and the moderation diff
    CSV = "csv"  # the open-data CSV
    GEOJSON = "geojson"  # the open-data GeoJSON's properties
    LAYER = "layer"  # the map's GeoJSON layer properties (what a popup needs)
    FORM = "form"  # the resident's and the moderator's place forms
    PAGE = "page"  # the place page


Kind = Literal["id", "text", "long_text", "yes_no", "number", "words", "choice", "choices", "when", "special"]
LIST_KINDS = frozenset({"words", "choices"})


@dataclass(frozen=True)
class FormSpec:
    """How the place form asks for a field (submissions/_macros.html draws each `widget`)."""

    # position: lat and lon together, with the pin map (drawn once, by lat)
    # words: a list of short texts typed as one line, separated by commas or semicolons
    # choice: one of `options`, as radio buttons
    # areas: ONS area codes, as checkboxes: the whole UK, then nations, regions and councils (areas.service.area_choices)
    widget: Literal[
        "text", "textarea", "yes_no", "number", "words", "choice", "choices", "categories", "schedule", "position", "areas"
    ]
    question: Text  # the form's label, which may be longer than the field's label
    hint: Text | None = None
    input_type: str = "text"  # an <input>'s type: tel, email …
    autocomplete: str | None = None
    required: bool = False
    yes: Text = field(default_factory=lambda: _l("Yes"))  # a yes/no question's two answers
    no: Text = field(default_factory=lambda: _l("No"))
    rows: int = 4  # a textarea's height
    max_length: int | None = None  # an <input>'s maxlength, when the field's own type does not give it
    language: Literal["en", "cy"] | None = None  # of a text asked for in both languages: the label says which
    options: tuple[tuple[str, Text], ...] = ()  # a choice's values and how each is put, the first chosen by default


@dataclass(frozen=True)
class PlaceField:
    name: str
    label: Text  # as people read it: moderation, error messages, the place page's generic list
    kind: Kind
    shown_in: frozenset[Output]
    input: Any = None  # the type the API accepts (None: set by the app, never sent)
    public: Any = None  # the type AssetPublic shows
    limits: dict[str, Any] = field(default_factory=dict)  # pydantic Field limits of `input` (ge, le, max_length …)
    description: str | None = None  # for the OpenAPI documents
    csv: tuple[str, ...] = ()  # its CSV column names (empty: its own name)
    form: FormSpec | None = None
    special: str = ""  # which outputs handle it themselves, and why
    translates: str | None = None  # a Welsh version (`<name>_cy`): the English field it is the Welsh text of

    @property
    def max_length(self) -> int | None:
        """A text's longest value, from its `input` type (the place form's maxlength)."""
        limits = [m for m in getattr(self.input, "__metadata__", ()) for m in getattr(m, "metadata", ())]
        return next((m.max_length for m in limits if hasattr(m, "max_length")), None)


_EVERY_FILE = frozenset({Output.API, Output.CSV, Output.GEOJSON})
_PEOPLE = _EVERY_FILE | {Output.FORM, Output.PAGE}  # what the public reads and residents can propose


def _text(
    name: str, label: Text, max_length: int, shown_in: frozenset[Output], form: FormSpec | None = None, **kw: Any
) -> PlaceField:
    return PlaceField(name, label, "text", shown_in, input=short_text(max_length), public=str | None, form=form, **kw)


def _yes_no(name: str, label: Text, shown_in: frozenset[Output], form: FormSpec, **kw: Any) -> PlaceField:
    return PlaceField(name, label, "yes_no", shown_in, input=bool, public=bool | None, form=form, **kw)


def _age(name: str, label: Text) -> PlaceField:
    form = FormSpec("number", label)
    return PlaceField(
        name, label, "number", _PEOPLE, input=int, public=int | None, limits={"ge": 0, "le": 120}, form=form
    )


def _timestamp(name: str, label: Text, shown_in: frozenset[Output], **kw: Any) -> PlaceField:
    return PlaceField(name, label, "when", shown_in, **{"public": datetime | None, **kw})


def _and_welsh(english: PlaceField, label: Text, hint: Text | None = None) -> tuple[PlaceField, PlaceField]:
    """A text people write, in English and in Welsh: the field, and its optional Welsh version `<name>_cy` with the
    same type, limits and outputs. The form asks the same question of both, saying which language each is in; a page
    shows the one in its own language, or else the other (app/assets/language.py)."""
    assert english.form is not None
    welsh = replace(
        english,
        name=f"{english.name}_cy",
        label=label,
        public=str | None,
        limits={},
        description=f"{english.name} in Welsh",
        csv=(),  # its own name: never the English field's columns
        form=replace(english.form, hint=hint, required=False, language="cy"),
        special=f"shown in place of {english.name} on Welsh pages, and {english.name} in its place on English ones",
        translates=english.name,
    )
    return replace(english, form=replace(english.form, language="en")), welsh


# The fields in the order the API, the exports and the history list them. Each one's SQL is `a.<name>` unless
# assets/repository.COLUMNS gives another expression.
FIELDS: tuple[PlaceField, ...] = (
    PlaceField(
        "id",
        _l("Id"),
        "id",
        _EVERY_FILE | {Output.LAYER},
        public=uuid.UUID,
        special="the GeoJSON export and layer give it as each feature's id; the place page's address",
    ),
    *_and_welsh(
        PlaceField(
            "name",
            _l("Name"),
            "text",
            _PEOPLE | {Output.LAYER},
            input=short_text(200),
            public=str,
            limits={"min_length": 1},
            form=FormSpec("text", _l("Name of the place or group"), required=True),
            special="the place page's heading; a place given only a Welsh name has the same name in English",
        ),
        _l("Name in Welsh"),
        hint=_l("Leave it empty if the name is the same in both languages."),
    ),
    *_and_welsh(
        PlaceField(
            "description",
            _l("Description"),
            "long_text",
            _PEOPLE,
            input=short_text(5000),
            public=str,
            form=FormSpec(
                "textarea",
                _l("What is it?"),
                hint=_l("What happens there, and what someone going for the first time should know."),
            ),
            special="the place page shows it as paragraphs",
        ),
        _l("Description in Welsh"),
    ),
    PlaceField(
        "categories",
        _l("Categories"),
        "special",
        _PEOPLE | {Output.LAYER},
        input=list[str],
        public=list[str],
        limits={"min_length": 1, "max_length": 10},
        description="Category slugs, see /api/v1/categories",
        form=FormSpec("categories", _l("What kind of place or group is it?")),
        special="slugs checked against the taxonomy and stored in asset_category; shown by their names",
    ),
    PlaceField(
        "tags",
        _l("Tags"),
        "words",
        _EVERY_FILE,
        input=list[Word],
        public=list[str],
        limits={"max_length": 30},
        description="Words that help the text search find it; not shown to people",
    ),
    PlaceField(
        "organisation",
        _l("Organisation"),
        "special",
        _PEOPLE,
        input=OrganisationIn,
        public=OrganisationPublic | None,
        csv=("organisation", "organisation_website", "organisation_email", "organisation_phone"),
        form=FormSpec("text", _l("Organisation that runs it"), max_length=200),
        special="its own table, found by its identity in the source; the form asks only for its name",
    ),
    _text(
        "address",
        _l("Address"),
        300,
        _PEOPLE | {Output.LAYER},
        FormSpec("text", _l("Address"), autocomplete="street-address"),
        special="the place page shows it with the postcode, beside the map",
    ),
    PlaceField(
        "postcode",
        _l("Postcode"),
        "text",
        _PEOPLE | {Output.LAYER},
        input=short_text(10),
        public=str | None,
        description="Places the asset at this postcode unless lat/lon are given",
        form=FormSpec(
            "text",
            _l("Postcode"),
            hint=_l("We use the postcode to put it on the map, unless you drop a pin below."),
            autocomplete="postal-code",
            required=True,
        ),
        special="checked as a UK postcode and used to place the asset; shown with the address",
    ),
    PlaceField(
        "location_precision",
        _l("Location shown"),
        "choice",
        _PEOPLE | {Output.LAYER},
        input=LocationPrecision,
        public=str,
        description="How precisely the public sees where it is: exact; approximate (lat/lon are the centre of its 250 m "
        "grid cell, no address or postcode); area (the centre of its postcode district, no address or postcode)",
        form=FormSpec(
            "choice",
            _l("How precisely should the map show where it is?"),
            hint=_l(
                "Choose roughly or only the area if the group meets in someone's home, or if the people who go could be "
                "put at risk if the place were known."
            ),
            options=tuple(PRECISION_CHOICES.items()),
        ),
        special="the public position (lat, lon) and whether the address and postcode are shown follow it "
        "(docs/privacy.md); the place page says how it is shown",
    ),
    _yes_no(
        "address_for_link_workers",
        _l("Address for link workers"),
        frozenset({Output.API, Output.FORM}),
        FormSpec(
            "yes_no",
            _l("If the map does not show it exactly, may signed-in link workers see the address?"),
            yes=_l("Yes, link workers may see the address"),
            no=_l("No, they contact the group first"),
        ),
        description="Whether signed-in link workers may see the address of a place not shown exactly",
        special="read only by the place page for signed-in link workers",
    ),
    PlaceField(
        "delivery",
        _l("How it is delivered"),
        "choice",
        _EVERY_FILE | {Output.PAGE, Output.FORM},
        input=Delivery,
        public=str,
        description="How it reaches people: at its location (lat/lon), or by phone, online or at home, with no "
        "position and found by its service_areas",
        form=FormSpec(
            "choice",
            _l("How does it reach people?"),
            hint=_l("A service by phone, online or at home needs no address or postcode: choose the areas it serves instead."),
            options=tuple(DELIVERY_CHOICES.items()),
        ),
        special="a place not delivered at a location has no position: the map lists it apart, not as a pin; the place "
        "page says how it is delivered, with its service areas",
    ),
    PlaceField(
        "service_areas",
        _l("Areas served"),
        "special",
        _EVERY_FILE | {Output.PAGE, Output.FORM},
        input=list[str],
        public=list[str],
        limits={"max_length": 50},
        form=FormSpec(
            "areas",
            _l("Which areas does it serve?"),
            hint=_l("Needed for a service by phone, online or at home: the whole UK, or its nations, regions or councils."),
        ),
        description="ONS codes of the councils, regions or nations it serves (see /api/v1/areas), or K02000001 (or "
        "UK) for the whole UK; needed when delivery is not location",
        special="codes checked against the areas; the CSV writes them separated by semicolons; the place page names them",
    ),
    PlaceField(
        "lat",
        _l("Latitude"),
        "number",
        _PEOPLE,
        input=float,
        public=float | None,
        limits={"ge": -90, "le": 90},
        csv=("latitude",),
        form=FormSpec("position", _l("Latitude"), hint=_l("For example 53.4808")),
        special="one PostGIS point with lon; the GeoJSON outputs give it as the geometry, the place page as its map",
    ),
    PlaceField(
        "lon",
        _l("Longitude"),
        "number",
        _PEOPLE,
        input=float,
        public=float | None,
        limits={"ge": -180, "le": 180},
        csv=("longitude",),
        form=FormSpec("position", _l("Longitude"), hint=_l("For example -2.2426")),
        special="see lat",
    ),
    _text(
        "phone",
        _l("Phone"),
        40,
        _PEOPLE,
        FormSpec("text", _l("Phone"), input_type="tel"),
        special="the place page's contact links",
    ),
    PlaceField(
        "email",
        _l("Email"),
        "text",
        _PEOPLE,
        input=Email,
        public=str | None,
        form=FormSpec("text", _l("Email"), input_type="email"),
        special="the place page's contact links",
    ),
    PlaceField(
        "website",
        _l("Website"),
        "text",
        _PEOPLE,
        input=Url,
        public=str | None,
        form=FormSpec("text", _l("Website"), hint=_l("For example: www.example.org")),
        special="the place page's contact links",
    ),
    _yes_no(
        "free",
        _l("Free"),
        _PEOPLE | {Output.LAYER},
        FormSpec("yes_no", _l("Is it free?"), yes=_l("Yes, it is free"), no=_l("No, there is a charge")),
        special="the place page's badge and its Cost section",
    ),
    _text(
        "cost_description",
        _l("Cost details"),
        300,
        _PEOPLE,
        FormSpec("text", _l("Cost details"), hint=_l("For example: £2 a session, tea included.")),
        special="the place page's Cost section",
    ),
    PlaceField(
        "accessibility",
        _l("Accessibility"),
        "choices",
        _PEOPLE,
        input=list[Accessibility],
        public=list[str],
        form=FormSpec("choices", _l("Accessibility")),
        special="codes shown by their labels (ACCESSIBILITY_LABELS)",
    ),
    PlaceField(
        "languages",
        _l("Languages"),
        "words",
        _PEOPLE,
        input=list[Word],
        public=list[str],
        limits={"max_length": 20},
        description="Languages it is offered in, besides English",
        form=FormSpec(
            "words",
            _l("Languages spoken besides English"),
            hint=_l("Separate them with commas, for example: Polish, Urdu, BSL."),
        ),
    ),
    _age("min_age", _l("Minimum age")),
    _age("max_age", _l("Maximum age")),
    *_and_welsh(
        _text(
            "audience",
            _l("Who it is for"),
            300,
            _PEOPLE,
            FormSpec(
                "text", _l("Who it is for"), hint=_l("For example: anyone over 50; carers; families with children under 5.")
            ),
            description="Who it is for, in plain words",
        ),
        _l("Who it is for, in Welsh"),
    ),
    _yes_no(
        "drop_in",
        _l("Drop in"),
        _PEOPLE | {Output.LAYER},
        FormSpec(
            "yes_no",
            _l("Can people just turn up?"),
            yes=_l("Yes, just turn up"),
            no=_l("No, book or be referred first"),
        ),
        description="True when no referral is needed",
        special="the place page's badge",
    ),
    _yes_no(
        "carers_welcome",
        _l("Carers welcome"),
        _PEOPLE,
        FormSpec(
            "yes_no", _l("Can a carer or support worker come too?"), yes=_l("Yes, carers are welcome"), no=_l("No")
        ),
        description="True when a carer or support worker can come too",
    ),
    PlaceField(
        "schedule",
        _l("Times"),
        "special",
        _PEOPLE | {Output.LAYER},
        input=list[ScheduleSession],
        public=list[SchedulePublic],
        limits={"max_length": 50},
        csv=("opening_hours",),
        form=FormSpec("schedule", _l("Times")),
        special="rows of asset_session; the CSV writes it as one line of text",
    ),
    *_and_welsh(
        _text(
            "opening_hours_text",
            _l("When it meets"),
            2000,  # real directories write up to 1,300 characters (issue 18); the column is unbounded text
            _PEOPLE | {Output.LAYER},
            FormSpec(
                "textarea", _l("In your words"), hint=_l("For example: every Tuesday 10am to 12pm, not in August."), rows=2
            ),
            special="the place page's When section",
        ),
        _l("When it meets, in Welsh"),
    ),
    PlaceField(
        "status",
        _l("Status"),
        "special",
        frozenset({Output.API}),
        input=AssetStatus,
        public=str,
        special="only published places reach the public outputs",
    ),
    _text(
        "source",
        _l("Source"),
        40,
        frozenset({Output.API}),
        special="set by imports; not published in the open-data files",
    ),
    _text("external_id", _l("Identifier in the source"), 120, frozenset({Output.API}), special="see source"),
    _timestamp(
        "last_verified_at",
        _l("Last checked"),
        _EVERY_FILE | {Output.LAYER, Output.PAGE},
        input=datetime,
        special='the place page\'s "last checked" line',
    ),
    PlaceField(
        "merged_into",
        _l("Merged into"),
        "id",
        frozenset({Output.API}),
        public=uuid.UUID | None,
        description="For an archived place a moderator merged into another: the place it became",
    ),
    _timestamp("created_at", _l("Created"), frozenset({Output.API}), public=datetime),
    _timestamp("updated_at", _l("Updated"), _EVERY_FILE, public=datetime),
)

BY_NAME = {f.name: f for f in FIELDS}
WELSH = {f.translates: f.name for f in FIELDS if f.translates}  # each text people write -> its Welsh version
WRITABLE = tuple(f for f in FIELDS if f.input is not None)
LIST_FIELDS = frozenset(f.name for f in FIELDS if f.kind in LIST_KINDS)


def shown_in(output: Output) -> tuple[PlaceField, ...]:
    return tuple(f for f in FIELDS if output in f.shown_in)


# The place form's sections, in order: a legend (None: no fieldset), an id for error links, a hint, and its fields.
@dataclass(frozen=True)
class FormSection:
    legend: Text | None
    fields: tuple[str, ...]
    id: str | None = None
    hint: Text | None = None


FORM_SECTIONS: tuple[FormSection, ...] = (
    FormSection(None, ("name", "name_cy", "description", "description_cy", "categories")),
    FormSection(
        _l("Where is it?"),
        (
            "delivery", "service_areas", "address", "postcode", "lat", "lon", "location_precision",
            "address_for_link_workers",
        ),
        id="where",
    ),
    FormSection(
        _l("When does it meet or open?"), ("opening_hours_text", "opening_hours_text_cy", "schedule"), id="schedule"
    ),
    FormSection(_l("Cost"), ("free", "cost_description")),
    FormSection(None, ("accessibility",)),
    FormSection(
        _l("Who is it for?"),
        ("audience", "audience_cy", "languages", "min_age", "max_age", "drop_in", "carers_welcome"),
    ),
    FormSection(
        _l("Public contact details"),
        ("organisation", "phone", "email", "website"),
        hint=_l("These will be shown on the map, so only give details the group is happy to publish."),
    ),
)
FORM_ORDER = tuple(name for section in FORM_SECTIONS for name in section.fields)
