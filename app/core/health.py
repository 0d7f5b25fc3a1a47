from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.core.db import get_engine
from app.core.deps import SettingsDep
from app.core.errors import UNAVAILABLE, UNAVAILABLE_HEADERS

router = APIRouter(tags=["service"])


@router.get(
    "/healthz",
    summary="Is the service and its database up?",
    responses={
        200: {"content": {"application/json": {"example": {"status": "ok", "database": "ok", "postgis": "3.3 USE_GEOS=1 USE_PROJ=1 USE_STATS=1"}}}},
        503: {"description": "The database cannot be reached"},
    },
)
def healthz() -> JSONResponse:
    try:
        with get_engine().connect() as conn:
            version = conn.execute(text("SELECT postgis_version()")).scalar_one()
    except SQLAlchemyError:
        return JSONResponse(
            {"status": "unavailable", "database": "unreachable", "detail": str(UNAVAILABLE), "errors": []},
            status_code=503, headers=UNAVAILABLE_HEADERS,
        )
    return JSONResponse({"status": "ok", "database": "ok", "postgis": version})


@router.get("/api/v1/meta", summary="About this data: attribution and licences")
def meta(settings: SettingsDep) -> dict[str, object]:
    return {
        "name": "Community Asset Map",
        "api_version": "v1",
        "attribution": settings.attribution,
        "licences": {
            "libraries, postcodes, boundaries, GP practices": "Open Government Licence v3.0",
            "OpenStreetMap data": "Open Database Licence (ODbL) 1.0",
        },
    }
