"""A field's value as short plain text (the templates escape it): for moderators' comparisons and the place page, in
the page's language (labels, days and dates are translated; what people wrote is shown as they wrote it)."""

from datetime import datetime
from typing import Any

from app.assets.fields import FIELDS
from app.assets.types import ACCESSIBILITY_LABELS, DAY_NAMES
from app.core.dates import uk_date
from app.i18n import Text
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l

DATE_FIELDS = {f.name for f in FIELDS if f.kind == "when"}
STATUS_LABELS: dict[str, Text] = {"pending": _l("Pending"), "published": _l("Published"), "archived": _l("Archived")}


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
        return str(STATUS_LABELS.get(value, value.capitalize()))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field == "schedule" and isinstance(value, list):
        return "; ".join(
            f"{DAY_NAMES.get(s['day'], s['day'])} {str(s['opens'])[:5]}–{str(s['closes'])[:5]}"
            + (f" ({s['note']})" if s.get("note") else "")
            for s in value
        )
    if field == "categories" and isinstance(value, list) and category_names:
        return ", ".join(category_names.get(v, v) for v in value)
    if field == "accessibility" and isinstance(value, list):
        return ", ".join(str(ACCESSIBILITY_LABELS.get(v, v)) for v in value)
    if isinstance(value, dict):
        return str(value.get("name") or ", ".join(f"{k}: {v}" for k, v in value.items() if v))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
