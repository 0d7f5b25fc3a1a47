"""Search filters as SQL conditions on `asset a` with their bound parameters."""

from typing import Any

from sqlmodel import Session

from app.assets.filters import asset_filters
from app.assets.schemas import WEEKDAYS
from app.search.schemas import NearbyQuery


def nearby_filters(session: Session, query: NearbyQuery) -> tuple[list[str], dict[str, Any]]:
    filters, params = asset_filters(session, category=query.category, q=query.q, area=query.area)
    if query.free is not None:
        filters.append("a.free = :free")
        params["free"] = query.free
    if query.drop_in is not None:
        filters.append("a.drop_in = :drop_in")
        params["drop_in"] = query.drop_in
    if query.accessibility:
        filters.append("a.accessibility @> CAST(:accessibility AS text[])")
        params["accessibility"] = [a.value for a in query.accessibility]
    if query.age is not None:
        filters.append("(a.min_age IS NULL OR a.min_age <= :age) AND (a.max_age IS NULL OR a.max_age >= :age)")
        params["age"] = query.age
    if query.day:
        open_then = " AND s.opens <= :at AND s.closes > :at" if query.at else ""
        filters.append(f"EXISTS (SELECT 1 FROM asset_session s WHERE s.asset_id = a.id AND s.weekday = :weekday{open_then})")
        params["weekday"] = WEEKDAYS.index(query.day)
        if query.at:
            params["at"] = query.at
    return filters, params
