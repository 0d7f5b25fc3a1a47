"""Map data for the pages and for anyone's own map: a GeoJSON layer and vector tiles of published assets."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from app.assets.filters import Criteria, filters_for
from app.core.db import read_session
from app.core.deps import ReadSessionDep, SettingsDep
from app.core.errors import Invalid
from app.core.query import query_model, query_parameters
from app.geo.bbox import parse_bbox
from app.i18n import gettext as _
from app.maps import data_version, geojson, repository, tiles
from app.maps.schemas import DataVersion, GeoJSONQuery, LayerQuery

router = APIRouter(tags=["map layers"])

_CACHING = (
    "Answers carry `Cache-Control`, a strong `ETag` (send it back in `If-None-Match` for a 304), "
    "`Access-Control-Allow-Origin: *` and the current data version in `X-Data-Version`, and are gzipped when the "
    "request accepts gzip. With `v` set to the current data version the answer is `immutable` (kept a year): "
    "the version changes whenever published places do."
)
_GEOJSON_EXAMPLE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "id": "6f1c2a1e-8f1e-4d0e-9d38-2b8c3f3b2a10",
            "geometry": {"type": "Point", "coordinates": [-2.2426, 53.4808]},
            "properties": {
                "id": "6f1c2a1e-8f1e-4d0e-9d38-2b8c3f3b2a10",
                "name": "Tuesday Singers",
                "categories": ["choirs-music", "older-people-groups"],
                "category": "arts-culture",
                "address": "Central Library, St Peter's Square, Manchester",
                "postcode": "M2 5PD",
                "free": True,
                "drop_in": True,
                "schedule": [{"day": "tue", "opens": "10:00", "closes": "12:00", "note": None}],
                "opening_hours_text": None,
                "url": "/places/6f1c2a1e-8f1e-4d0e-9d38-2b8c3f3b2a10",
            },
        }
    ],
    "numberReturned": 1,
    "limit": 1000,
    "truncated": False,
}


@router.get(
    "/api/v1/assets.geojson",
    response_class=Response,
    summary="Published assets in a box, as GeoJSON",
    description=(
        "An RFC 7946 FeatureCollection of published assets inside `bbox` (minlon,minlat,maxlon,maxlat; WGS84), "
        "each a Point `[lon, lat]`. `category` is the top-level category of the asset's first category, for grouping "
        "assets into map layers; `url` is the asset's page. At most `limit` features: when more match, those nearest "
        f"the box's centre are kept and `truncated` is true (zoom in, or use the tiles). {_CACHING}"
    ),
    responses={
        200: {"description": "A FeatureCollection", "content": {geojson.MEDIA_TYPE: {"example": _GEOJSON_EXAMPLE}}},
        304: {"description": "Not modified (If-None-Match matched the ETag)"},
        422: {"description": "Missing, malformed or inverted bbox; unknown category or area; limit out of range"},
    },
    openapi_extra=query_parameters(GeoJSONQuery),
)
def assets_geojson(
    request: Request, settings: SettingsDep, query: Annotated[GeoJSONQuery, Depends(query_model(GeoJSONQuery))]
) -> Response:
    if query.limit is not None and query.limit > settings.geojson_max_limit:
        raise Invalid(
            _("limit must be at most %(max)s (got %(got)s)") % {"max": settings.geojson_max_limit, "got": query.limit}, "limit"
        )
    limit = query.limit or settings.geojson_default_limit
    box = parse_bbox(query.bbox)
    with read_session(request) as session:  # not a dependency (app.core.db.read_session)
        filters, params = filters_for(session, Criteria(bbox=box, category=query.category, q=query.q, area=query.area))
        answer = data_version.read(
            session, settings, query.v, lambda: geojson.feature_collection(session, box, filters, params, limit)
        )
    return data_version.layer_response(request, answer, geojson.MEDIA_TYPE, settings.geojson_max_age_seconds)


@router.get(
    "/tiles/assets/{z}/{x}/{y}.pbf",
    response_class=Response,
    summary="Vector tile of published assets",
    description=(
        "A Mapbox Vector Tile (XYZ scheme, Web Mercator, extent 4096, buffer 64) with one layer, `assets`: a point per "
        "published asset with properties `id`, `name` and `category` (top-level category slug). A tile holds at most "
        "TILE_MAX_FEATURES (5,000) points; zoom in to see them all. **An empty tile is `204 No Content`** with "
        f"no body. {_CACHING} Example: `/tiles/assets/14/8089/5300.pbf?category=food&area=E08000003&v=42-20261205-0111e3`."
    ),
    responses={
        200: {"description": "The tile", "content": {tiles.MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}},
        204: {"description": "No assets in this tile (no body)"},
        304: {"description": "Not modified (If-None-Match matched the ETag)"},
        422: {"description": "z outside 0..22, x or y outside 0..2^z-1, or an unknown category or area"},
    },
    openapi_extra=query_parameters(LayerQuery),
)
def asset_tile(
    request: Request,
    settings: SettingsDep,
    query: Annotated[LayerQuery, Depends(query_model(LayerQuery))],
    z: int = Path(ge=0, le=tiles.MAX_ZOOM, description="Zoom level", examples=[14]),
    x: int = Path(ge=0, le=(1 << tiles.MAX_ZOOM) - 1, description="Column, 0 to 2^z-1 from the west", examples=[8089]),
    y: int = Path(ge=0, le=(1 << tiles.MAX_ZOOM) - 1, description="Row, 0 to 2^z-1 from the north", examples=[5300]),
) -> Response:
    tiles.check_tile(z, x, y)
    with read_session(request) as session:  # not a dependency (app.core.db.read_session)
        filters, params = filters_for(session, Criteria(category=query.category, area=query.area))
        answer = data_version.read(
            session, settings, query.v,
            lambda: repository.asset_tile(session, z, x, y, filters, params, settings.tile_max_features),
        )
    return data_version.layer_response(request, answer, tiles.MEDIA_TYPE, settings.tile_max_age_seconds)


@router.get(
    "/api/v1/data-version",
    summary="The current data version of the map layers",
    description=(
        "The version that the tile and GeoJSON URLs take as `v` to be cached as immutable, and those URLs. It changes "
        "whenever published places change (and each day, as places become stale): ask again now and then. Answers "
        "are `Cache-Control: no-cache`."
    ),
    response_model=DataVersion,
)
def current_data_version(session: ReadSessionDep, settings: SettingsDep, response: Response) -> DataVersion:
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return DataVersion.of(data_version.current(session, settings))
