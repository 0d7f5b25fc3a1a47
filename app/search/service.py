"""The nearby search, for everyone who asks: the API (`GET /api/v1/assets/nearby`), the finder and Open Referral's
proximity search. Where from (a postcode or a point), what (a Criteria), how far and which page; the SQL is in
search/repository.py, the filters are built by app/assets/filters.py.

Every search's demand is recorded here, once per search (its first page), anonymised: app/insights/service.record_search
keeps only the LSOA, the day, the categories and filter names asked for and how many places were found
(docs/privacy.md), and never slows or breaks the search."""

import json
from dataclasses import replace
from typing import Any, NamedTuple

from sqlmodel import Session
from starlette.types import Scope

from app.assets.filters import Criteria, filters_for
from app.assets.repository import PUBLIC_COLUMNS
from app.core.async_reads import AsyncReads
from app.geo.service import fetch_postcode, locate_postcode
from app.insights.service import record_search
from app.search import repository
from app.search.schemas import NearbyQuery, Origin


def postcode_origin(session: Session, postcode: str) -> Origin:
    """A search from a postcode (or outcode): its centre; 404 for one we do not know."""
    place = locate_postcode(session, postcode)
    return Origin(lat=place.lat, lon=place.lon, postcode=place.postcode)


def origin(session: Session, query: NearbyQuery) -> Origin:
    """Where the search is from: the postcode's centre, or the point given."""
    if query.postcode:
        return postcode_origin(session, query.postcode)
    return Origin(lat=query.lat, lon=query.lon, postcode=None)  # type: ignore[arg-type]


def _bound(session: Session, at: Origin, criteria: Criteria, radius_m: float) -> tuple[list[str], dict[str, Any]]:
    filters, params = filters_for(session, criteria)
    return filters, {**params, "lat": at.lat, "lon": at.lon, "radius": radius_m}


class NearbySearch(NamedTuple):
    """A search of the API ready to run: where from, what, and its one statement with its parameters."""

    origin: Origin
    criteria: Criteria
    statement: str
    params: dict[str, Any]
    offset: int


def nearby_search(session: Session, query: NearbyQuery) -> NearbySearch:
    """The API's search for `query`: the total within the radius and the page as a JSON array of NearbyItem, and the
    services delivered remotely to its origin that match its criteria (as delivered_remotely_json), listed once, on
    the first page; all written by PostgreSQL in one statement (repository.nearby_json_statement).

    `session` is used only for what the process has not cached (a postcode not yet looked up, the categories, an
    area), so a search can be built with `CACHES_ONLY` first (app/core/db.py)."""
    at = origin(session, query)
    criteria = query.criteria()
    filters, params = _bound(session, at, criteria, query.radius_m)
    remote_filters, remote_params = filters_for(session, _served_at(at, criteria))
    # One set of parameters binds both: the same criteria give the same parameters, and served_at only adds its own
    # (the point, whose lat and lon are the origin's).
    statement, bound = repository.nearby_json_query(
        filters, remote_filters, {**params, **remote_params}, query.limit, query.offset,
        query.limit if query.offset == 0 else 0,
    )
    return NearbySearch(at, criteria, statement, bound, query.offset)


async def cache_origin(reads: AsyncReads, scope: Scope, query: NearbyQuery) -> None:
    """Looks up the postcode of a search from one on the event loop, so that nearby_search finds its place cached;
    an unknown or malformed postcode is refused here as there (404, 422)."""
    if query.postcode:
        await fetch_postcode(reads, scope, query.postcode)


async def nearby_json(reads: AsyncReads, scope: Scope, search: NearbySearch, *, record: bool) -> repository.NearbyJson:
    """`search`'s answer, read on the event loop (app/core/async_reads.py); its demand recorded."""
    found = repository.NearbyJson(*await reads.one_row(scope, search.statement, search.params))
    _record(search.origin, search.criteria, found.total, search.offset, record)
    return found


def _served_at(at: Origin, criteria: Criteria) -> Criteria:
    return replace(criteria, served_at=(at.lat, at.lon))


def delivered_remotely_json(
    session: Session, at: Origin, criteria: Criteria, limit: int
) -> tuple[int, str]:
    """The services delivered by phone, online or at home whose service areas hold `at` and that match `criteria`:
    how many, and the first `limit` as a JSON array of AssetPublic (listed apart from the places: no distance)."""
    filters, params = filters_for(session, _served_at(at, criteria))
    return repository.delivered_remotely_json(session, filters, params, limit)


def delivered_remotely_rows(
    session: Session, at: Origin, criteria: Criteria, limit: int
) -> tuple[int, list[dict[str, Any]]]:
    """As delivered_remotely_json, as AssetPublic-shaped rows (the finder)."""
    total, items = delivered_remotely_json(session, at, criteria, limit)
    return total, json.loads(items)


def nearby_rows(
    session: Session, at: Origin, criteria: Criteria, radius_m: float, limit: int, offset: int,
    columns: str = PUBLIC_COLUMNS, *, record: bool,
) -> tuple[int, list[dict[str, Any]]]:
    """The total within the radius and the page as rows of `columns` (a select list on `asset a`), with distance_m."""
    filters, params = _bound(session, at, criteria, radius_m)
    total, rows = repository.nearby(session, filters, params, limit, offset, columns)
    _record(at, criteria, total, offset, record)
    return total, rows


def _record(at: Origin, criteria: Criteria, total: int, offset: int, record: bool) -> None:
    """The search's demand, once: on its first page (the next pages are the same search). `record` is the serving
    app's RECORD_SEARCHES, which each route passes."""
    if record and offset == 0:
        record_search(criteria, total, at.lat, at.lon)
