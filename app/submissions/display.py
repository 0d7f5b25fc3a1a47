"""Showing asset field values to moderators as short plain text (the templates escape it)."""

from typing import Any

from app.assets.schemas import ACCESSIBILITY_LABELS, DAY_NAMES

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


def show(value: Any, field: str = "", category_names: dict[str, str] | None = None) -> str:
    """`value` of `field` as text; category slugs as their names when `category_names` is given."""
    if value is None or value == "" or value == []:
        return "—"
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
