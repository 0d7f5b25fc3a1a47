"""Showing asset field values to moderators as short plain text (the templates escape it)."""

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from sqlmodel import Session

from app.assets.schemas import ACCESSIBILITY_LABELS, DAY_NAMES
from app.categories.service import get_taxonomy
from app.core.dates import uk_date
from app.submissions.forms import LABELS as FORM_LABELS

# Every field's name as moderators read it: the form's labels, and the fields no form asks for.
LABELS = {
    **FORM_LABELS,
    "tags": "Tags",
    "languages": "Languages",
    "status": "Status",
    "source": "Source",
    "external_id": "Identifier in the source",
    "last_verified_at": "Last checked",
}
DATE_FIELDS = {"last_verified_at", "created_at", "updated_at"}

# The order fields are listed in when proposals, assets and history entries are compared.
FIELD_ORDER = (
    "name",
    "description",
    "categories",
    "organisation",
    "address",
    "postcode",
    "lat",
    "lon",
    "opening_hours_text",
    "schedule",
    "free",
    "cost_description",
    "accessibility",
    "audience",
    "min_age",
    "max_age",
    "drop_in",
    "phone",
    "email",
    "website",
    "tags",
    "languages",
    "status",
    "source",
    "external_id",
    "last_verified_at",
)


def label(field: str) -> str:
    """A field's name as words ("Last checked", not last_verified_at), even for a field added later."""
    return LABELS.get(field) or field.replace("_", " ").capitalize()


def show(value: Any, field: str = "", category_names: dict[str, str] | None = None) -> str:
    """`value` of `field` as text; category slugs as their names when `category_names` is given; dates in UK time
    (history keeps them as ISO text)."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, datetime):
        return uk_date(value, with_time=True)
    if field in DATE_FIELDS and isinstance(value, str):
        try:
            return uk_date(datetime.fromisoformat(value), with_time=True)
        except ValueError:
            return value
    if field == "status" and isinstance(value, str):
        return value.capitalize()
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field == "schedule" and isinstance(value, list):
        return "; ".join(
            f"{DAY_NAMES.get(s['day'], s['day'])} {str(s['opens'])[:5]}–{str(s['closes'])[:5]}"
            + (f" ({s['note']})" if s.get("note") else "")
            for s in value
        )
    if field == "categories" and isinstance(value, list) and category_names:
        return ", ".join(category_names.get(v, v) for v in value)
    if field == "accessibility" and isinstance(value, list):
        return ", ".join(ACCESSIBILITY_LABELS.get(v, str(v)) for v in value)
    if isinstance(value, dict):
        return str(value.get("name") or ", ".join(f"{k}: {v}" for k, v in value.items() if v))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def shower(session: Session) -> Callable[..., str]:
    """`show`, naming categories as the taxonomy does."""
    names = {slug: node.name for slug, node in get_taxonomy(session).by_slug.items()}
    return partial(show, category_names=names)
