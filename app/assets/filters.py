"""The filters that lists, search and map layers share, as SQL conditions on `asset a` with their parameters."""

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from app.areas.service import area_filter
from app.assets.repository import BBOX_FILTER, CATEGORY_FILTER, TEXT_FILTER
from app.categories.service import get_taxonomy
from app.core.text import checked_text
from app.geo.bbox import BBox


def asset_filters(
    session: Session,
    *,
    bbox: BBox | None = None,
    category: Sequence[str] = (),
    q: str | None = None,
    area: str | None = None,
) -> tuple[list[str], dict[str, Any]]:
    """Conditions for whichever filters are given; Invalid (422) for an unknown category or area."""
    filters: list[str] = []
    params: dict[str, Any] = {}
    if bbox:
        filters.append(BBOX_FILTER)
        params.update(bbox.params())
    if category:
        filters.append(CATEGORY_FILTER)
        params["category_ids"] = get_taxonomy(session).subtree_ids(list(category))
    if q and checked_text(q, "q"):
        filters.append(TEXT_FILTER)
        params["q"] = q
    if area and area.strip():
        condition, area_params = area_filter(session, area)
        filters.append(condition)
        params.update(area_params)
    return filters, params
