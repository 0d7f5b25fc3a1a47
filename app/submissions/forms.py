"""The place form shared by "Add a place", "Suggest a change" and moderators' amendments.

Values go three ways: a posted form (strings) -> fields for the schemas; an asset or a proposal -> form values to
prefill; pydantic's errors -> a message per form field, phrased for a person.
"""

from typing import Any

from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData

from app.areas.models import WHOLE_UK
from app.areas.service import area_choices
from app.assets.fields import BY_NAME, FIELDS, FORM_SECTIONS, Output, shown_in
from app.assets.schemas import AGE_RANGE, LAT_LON_PAIR, NO_POSITION
from app.assets.types import ACCESSIBILITY_LABELS, CLOSES_BEFORE_OPENS, DAY_NAMES, split_words
from app.categories.service import get_taxonomy
from app.core.config import PROJECT_ROOT
from app.core.errors import validation_errors
from app.i18n import Text
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.submissions.models import REPORT_REASONS

SCHEDULE_ROWS = 3  # empty rows offered at least; a place with more sessions shows them all
MAX_SCHEDULE_ROWS = 50  # as many as an asset's schedule holds
SESSION_PARTS = ("day", "opens", "closes", "note")
_ASKED = shown_in(Output.FORM)
_ASKED_NAMES = {f.name for f in _ASKED}
TEXT_FIELDS = tuple(f.name for f in _ASKED if f.form.widget in ("text", "textarea", "choice"))
CHOICE_FIELDS = frozenset(f.name for f in _ASKED if f.form.widget == "choice")  # one of the field's options
WORD_FIELDS = tuple(f.name for f in _ASKED if f.form.widget == "words")  # a list typed as one line
LIST_FIELDS = tuple(f.name for f in _ASKED if f.form.widget in ("categories", "choices", "areas"))
TRISTATE_FIELDS = tuple(f.name for f in _ASKED if f.form.widget == "yes_no")
NUMBER_FIELDS = {f.name: float if f.form.widget == "position" else int for f in _ASKED if f.form.widget in ("number", "position")}
# Form fields that change together: a pin is both coordinates; the schedule is all its rows.
GROUPS = {"lat": ("lat", "lon"), "lon": ("lat", "lon")}

# Every field's name as people read it in messages: the declaration's, and the form's own fields.
LABELS: dict[str, Text] = {f.name: f.label for f in FIELDS} | {
    "note": _l("Note"),
    "submitter_name": _l("Your name"),
    "submitter_email": _l("Your email"),
    "consent": _l("Consent"),
    "reason": _l("Reason"),
}


def form_values(form: FormData) -> dict[str, Any]:
    """What the person typed, as strings and lists, to show again if something is wrong."""
    values: dict[str, Any] = {
        name: str(form.get(name, "")).strip() for name in (*TEXT_FIELDS, *WORD_FIELDS, *TRISTATE_FIELDS, *NUMBER_FIELDS)
    }
    for name in LIST_FIELDS:
        values[name] = [str(v) for v in form.getlist(name)]
    rows = max([SCHEDULE_ROWS, *(i + 1 for i in range(MAX_SCHEDULE_ROWS) if f"schedule-{i}-day" in form)])
    values["schedule"] = [
        {part: str(form.get(f"schedule-{i}-{part}", "")).strip() for part in SESSION_PARTS} for i in range(rows)
    ]
    return values


def asset_values(fields: dict[str, Any]) -> dict[str, Any]:
    """Form values for an asset (its public shape) or a stored proposal."""
    values: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = fields.get(name)
        if name == "organisation":
            value = (value or {}).get("name")
        values[name] = "" if value is None else str(value)
    for name in TRISTATE_FIELDS:
        value = fields.get(name)
        values[name] = "" if value is None else ("yes" if value else "no")
    for name in NUMBER_FIELDS:
        value = fields.get(name)
        values[name] = "" if value is None else str(value)
    for name in WORD_FIELDS:
        values[name] = ", ".join(fields.get(name) or [])
    for name in LIST_FIELDS:
        values[name] = list(fields.get(name) or [])
    rows = [
        {"day": s["day"], "opens": str(s["opens"])[:5], "closes": str(s["closes"])[:5], "note": s.get("note") or ""}
        for s in fields.get("schedule") or []
    ]
    values["schedule"] = (rows + [dict.fromkeys(SESSION_PARTS, "")] * SCHEDULE_ROWS)[: max(SCHEDULE_ROWS, len(rows))]
    return values


def changed_fields(values: dict[str, Any], current: dict[str, Any]) -> set[str]:
    """The form fields whose values differ from the current ones (lists compared in any order); a choice sent without
    a value (a form posted without its radio buttons) changes nothing."""
    changed = {
        name for name, value in values.items()
        if _comparable(value) != _comparable(current.get(name)) and not (name in CHOICE_FIELDS and not value)
    }
    return {member for name in changed for member in GROUPS.get(name, (name,))}


def _comparable(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return sorted(value)
    if isinstance(value, list):
        return [row for row in value if any(row.values())]
    return value


def to_fields(values: dict[str, Any], only: set[str] | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """Schema fields from form values (all that were filled in, or exactly `only`), and errors for unreadable numbers."""
    fields: dict[str, Any] = {}
    errors: dict[str, str] = {}

    def wanted(name: str) -> bool:
        return name in only if only is not None else bool(values.get(name))

    for name in TEXT_FIELDS:
        if wanted(name):
            value = values[name] or None
            if name == "organisation":
                value = {"name": value} if value else None
            fields[name] = "" if name == "description" and value is None else value
    if (only is None or "name" in only) and not values.get("name") and values.get("name_cy"):
        fields["name"] = values["name_cy"]  # a name is not translated: a place known only by its Welsh name has it in both
    for name in WORD_FIELDS:
        if wanted(name):
            fields[name] = split_words(values[name])
    for name in LIST_FIELDS:
        if wanted(name):
            fields[name] = values[name]
    for name in TRISTATE_FIELDS:
        if wanted(name):
            fields[name] = {"yes": True, "no": False}.get(values[name])
    for name, kind in NUMBER_FIELDS.items():
        if wanted(name):
            raw = values[name]
            try:
                fields[name] = kind(raw) if raw else None
            except ValueError:
                message = _("%(label)s must be a whole number") if kind is int else _("%(label)s must be a number")
                errors[name] = message % {"label": LABELS[name]}
    if wanted("schedule"):
        rows = [row for row in values["schedule"] if any(row.values())]
        fields["schedule"] = [{part: value for part, value in row.items() if value or part != "note"} for row in rows]
        if any(not (row["day"] and row["opens"] and row["closes"]) for row in rows):
            errors["schedule"] = _("Give a day, a start time and an end time for each time it meets")
    return fields, errors


def with_unshown(proposed: dict[str, Any], fields: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A moderator's amended `fields`, plus what the stored proposal holds that this form cannot show (tags,
    an organisation's contact details, sent through the API), so that amending on the web keeps them."""
    merged = {name: value for name, value in proposed.items() if name not in _ASKED_NAMES} | fields
    organisation = proposed.get("organisation")
    if organisation and values.get("organisation") == organisation.get("name"):
        merged["organisation"] = organisation
    return merged


def field_errors(exc: ValidationError) -> dict[str, str]:
    """One message per form field, from a validation error of a submission or a bare proposal."""
    messages: dict[str, str] = {}
    for raw, error in zip(exc.errors(), validation_errors(list(exc.errors())), strict=True):
        loc = [str(p) for p in raw.get("loc", ())]
        kind = raw.get("type", "")
        field = form_field(loc, kind)
        messages.setdefault(field, _phrase(field, kind, error["message"]))
    return messages


def form_field(loc: list[str], kind: str = "") -> str:
    """The form field an error belongs to, by its location; one about the whole place (no location) by its type."""
    if loc and loc[0] in ("place", "changes", "proposed"):
        loc = loc[1:]
    if loc and loc[0] == "submitter":
        return f"submitter_{loc[1]}" if len(loc) > 1 else "consent"
    if not loc:
        if kind in (LAT_LON_PAIR, NO_POSITION):
            return "postcode"
        if kind == AGE_RANGE:
            return "max_age"
        return "form"
    return loc[0]


def _phrase(field: str, kind: str, message: str) -> str:
    label = LABELS.get(field) or _("This")
    if field == "categories" and kind in ("missing", "too_short"):
        return _("Choose at least one category")
    if field == "schedule" and kind == CLOSES_BEFORE_OPENS:
        return _("Each end time must be after its start time")
    if field == "max_age" and kind == AGE_RANGE:
        return _("The maximum age must not be less than the minimum age")
    if field == "postcode" and kind == LAT_LON_PAIR:
        return _("Give both the latitude and the longitude (or drop a pin), or neither")
    if field == "postcode" and kind == NO_POSITION:
        return _("Enter the postcode, or drop a pin on the map")
    if kind in ("missing", "string_too_short", "too_short"):
        if field == "name":
            return _("Enter the name of the place or group")
        return _("Enter %(label)s") % {"label": label.lower()}
    if message[:1].islower() and field not in ("form", "postcode", "max_age", "consent"):
        return _("%(label)s %(message)s") % {"label": label, "message": message}
    return message[:1].upper() + message[1:]


_LEAFLET = (PROJECT_ROOT / "app" / "static" / "vendor" / "leaflet" / "leaflet.js").exists()


def form_context(session: Session, pin_max_distance_m: int) -> dict[str, Any]:
    """What the place forms (a resident's, and a moderator's amendment) need to draw their fields (with the app's
    PIN_MAX_DISTANCE_M, for the pin's warning)."""
    return {
        "leaflet": _LEAFLET,
        "taxonomy": get_taxonomy(session),
        "accessibility_labels": ACCESSIBILITY_LABELS,
        "form_sections": [(section, [BY_NAME[name] for name in section.fields]) for section in FORM_SECTIONS],
        "day_names": DAY_NAMES,
        "reasons": REPORT_REASONS,
        "pin_max_distance_m": pin_max_distance_m,
        "area_groups": area_choices(session),  # a service's areas: the whole UK (whole_uk), nations, regions, councils
        "whole_uk": WHOLE_UK,
    }


def position_confirmed(form: FormData) -> bool:
    """The resident's (or moderator's) "Yes, the place is really here" for a pin far from its postcode."""
    return form.get("position_confirmed") == "yes"
