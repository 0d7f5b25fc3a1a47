from fastapi import APIRouter, Path, Query

from app.areas import service
from app.areas.models import AreaLevel
from app.areas.schemas import AreaDetail, AreaSummary
from app.core.deps import ReadSessionDep

router = APIRouter(prefix="/api/v1/areas", tags=["areas"])


@router.get(
    "",
    response_model=list[AreaSummary],
    summary="Find a council, region or country",
    description=(
        "Areas whose ONS code is `q`, or whose name contains `q` (any case): exact matches first, then names that "
        "start with it. Without `q`, every area (of `level`) by name. Use an area's `code` as the `area` filter on "
        "`/api/v1/assets`, `/api/v1/assets/nearby`, `/api/v1/assets.geojson`, the tiles and `/embed`."
    ),
)
def find_areas(
    session: ReadSessionDep,
    q: str | None = Query(None, max_length=100, description="Part of a name, or a code", examples=["manchester"]),
    level: AreaLevel | None = Query(None, description="Only areas at this tier"),
    limit: int = Query(20, ge=1, le=500),
) -> list[AreaSummary]:
    return service.find_areas(session, q, level, limit)


@router.get(
    "/{code}",
    response_model=AreaDetail,
    summary="One area with its outline",
    description="The area and its boundary as a GeoJSON MultiPolygon, for drawing or clipping a map.",
    responses={404: {"description": "No area has this code"}},
)
def get_area(session: ReadSessionDep, code: str = Path(max_length=20, examples=["E08000003"])) -> AreaDetail:
    return service.get_area(session, code)
