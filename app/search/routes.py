import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from app.core.db import CACHES_ONLY, NeedsDatabase, get_async_reads, read_session
from app.core.paging import next_url
from app.core.query import query_model, query_parameters
from app.insights.service import records_searches
from app.search import repository, service
from app.search.schemas import NearbyQuery, NearbyResponse

router = APIRouter(prefix="/api/v1/assets", tags=["search"])


@router.get(
    "/nearby",
    response_model=NearbyResponse,
    summary="What is near here?",
    description=(
        "Published assets within `radius_m` of a point (`lat`+`lon`) or a `postcode`, with the geodesic distance in "
        "metres (`distance_m`). Ranked nearest first in distance bands of about five minutes' walk: by band "
        f"(`floor(distance_m / {repository.BAND_M})`), then fresh places before `stale` ones (not verified for over "
        "`STALE_AFTER_DAYS`, 365 days), then exact distance, then id. Filters combine with AND; several `category` "
        "values match any of them (and their sub-categories); several `accessibility` values must all be present. "
        "Example: "
        "`/api/v1/assets/nearby?postcode=M1 1AE&radius_m=1609&category=social-connection&free=true&day=tue&accessibility=step_free`. "
        "Services delivered by phone, online or at home whose service areas hold the point are in `remote`, apart "
        "from the places and without a distance"
    ),
    responses={404: {"description": "Unknown postcode"}, 422: {"description": "Invalid parameters"}},
    openapi_extra=query_parameters(NearbyQuery),
)
async def nearby(request: Request, query: Annotated[NearbyQuery, Depends(query_model(NearbyQuery))]) -> Response:
    # Built from the process's caches on the event loop, a postcode it lacks awaited into them (app.core.async_reads);
    # only what else they lack (the categories, an area) sends it to a worker thread (app.core.db.CACHES_ONLY).
    reads = get_async_reads()
    await service.cache_origin(reads, request.scope, query)
    try:
        search = service.nearby_search(CACHES_ONLY, query)
    except NeedsDatabase:
        search = await run_in_threadpool(_search_with_database, request, query)
    found = await service.nearby_json(reads, request.scope, search, record=records_searches(request))
    origin = search.origin
    envelope = {
        "origin": origin.model_dump(),
        "radius_m": query.radius_m,
        "total": found.total,
        "next": next_url(request, query.offset, query.limit, found.total),
    }
    # The items (NearbyItem) and the remote ones (AssetPublic) arrive from PostgreSQL as JSON arrays already in their
    # shape (repository.nearby_json_statement): spliced in as they are, not parsed and serialised again.
    body = (
        json.dumps(envelope, separators=(",", ":"))[:-1] + ',"items":' + found.items
        + ',"remote":{"total":' + str(found.remote_total) + ',"items":' + found.remote_items + "}}"
    )
    return Response(body, media_type="application/json")


def _search_with_database(request: Request, query: NearbyQuery) -> service.NearbySearch:
    with read_session(request) as session:
        return service.nearby_search(session, query)
