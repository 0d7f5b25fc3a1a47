from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from app.core.deps import ReadSessionDep, SettingsDep
from app.geo.bbox import parse_bbox
from app.i18n.locales import language_headers
from app.insights import service
from app.insights.schemas import InsightsCollection
from app.maps.geojson import MEDIA_TYPE as GEOJSON
from app.maps.http_cache import cacheable_response

router = APIRouter(prefix="/api/v1/insights", tags=["insights"])

CSV_EXAMPLE = (
    "lsoa,name,nation,deprivation_decile,places_800m,places_1600m,nearest_m,searches,unmet_searches\r\n"
    "E01013402,Rutland 004A,E,6,1,2,512,15,\r\n"
)


@router.get(
    "/areas",
    response_model=InsightsCollection,
    summary="Need, provision and demand by LSOA in an area",
    description=(
        "The LSOAs (2011) whose centroid lies inside the council or region `area`, as a GeoJSON FeatureCollection, "
        "each with its nation's own deprivation decile (English IMD 2019 or Welsh WIMD 2019: not comparable across "
        "the border), the published places of the top-level `category` within 800 m and 1,600 m of its centroid "
        "(straight line on the WGS84 ellipsoid) and the distance to the nearest, and the anonymised nearby searches "
        "for the category from it over the last 12 months and those that found fewer than `UNMET_BELOW` places. "
        "A count under the privacy threshold (`DEMAND_THRESHOLD`, 10) is `null`; the others are rounded to the "
        "nearest 5 (docs/privacy.md). `as_of` dates the figures (refreshed every `INSIGHTS_REFRESH_MINUTES`). "
        "`format=csv` gives the same properties as CSV, without outlines. Find area codes at /api/v1/areas and "
        "top-level category slugs at /api/v1/categories. Example: "
        "`/api/v1/insights/areas?area=W06000015&category=learning`"
    ),
    responses={
        200: {"content": {"application/geo+json": {}, "text/csv": {"example": CSV_EXAMPLE}}},
        422: {"description": "Unknown area or category, or a category below the top level"},
    },
)
def area_insights(
    session: ReadSessionDep,
    settings: SettingsDep,
    area: str = Query(max_length=20, description="ONS code of a council, region or country (see /api/v1/areas)", examples=["E06000017"]),
    category: str = Query(max_length=60, description="A top-level category slug (see /api/v1/categories)", examples=["learning"]),
    format: Literal["geojson", "csv"] = Query("geojson", description="geojson (with outlines) or csv (figures only)"),
) -> Response:
    collection = service.area_insights(session, area, category, settings)
    if format == "csv":
        filename = f"insights-{collection['area']}-{collection['category']}.csv"
        return Response(service.as_csv(collection), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    return JSONResponse(collection, media_type="application/geo+json", headers=language_headers())  # its notes


@router.get(
    "/lsoas.geojson",
    response_class=Response,
    summary="LSOAs in a map viewport, with their figures",
    description=(
        "The map layer of the insights page: the LSOAs whose outline meets `bbox` (minlon,minlat,maxlon,maxlat; WGS84), "
        "and with `area` only those whose centroid is inside that council or region, as a GeoJSON FeatureCollection "
        "with the same properties as `/api/v1/insights/areas` for the top-level `category`. Outlines are simplified for "
        "`zoom` (about half a pixel; ST_SimplifyPreserveTopology). At most 2,000 LSOAs: when more meet the box, those "
        "nearest its centre are kept and `truncated` is true (zoom in). Answers carry `Cache-Control`, a strong "
        "`ETag` and are gzipped when the request accepts gzip. Example: "
        "`/api/v1/insights/lsoas.geojson?bbox=-3.25,51.45,-3.10,51.52&zoom=13&category=learning`"
    ),
    responses={
        200: {"description": "A FeatureCollection", "content": {GEOJSON: {}}},
        304: {"description": "Not modified (If-None-Match matched the ETag)"},
        422: {"description": "Missing, malformed or inverted bbox; zoom out of range; unknown area or category"},
    },
)
def lsoa_layer(
    request: Request,
    session: ReadSessionDep,
    settings: SettingsDep,
    bbox: str = Query(description="minlon,minlat,maxlon,maxlat", examples=["-3.25,51.45,-3.10,51.52"]),
    zoom: int = Query(ge=0, le=22, description="The map's zoom level: how far outlines are simplified", examples=[13]),
    category: str = Query(max_length=60, description="A top-level category slug (see /api/v1/categories)", examples=["learning"]),
    area: str | None = Query(None, max_length=20, description="Only this council's or region's LSOAs (ONS code)", examples=["W06000015"]),
) -> Response:
    body = service.lsoa_layer(session, parse_bbox(bbox), zoom, category, area)
    return cacheable_response(request, body, GEOJSON, settings.geojson_max_age_seconds)
