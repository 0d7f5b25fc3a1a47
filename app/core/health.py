from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.core.db import get_engine, get_replicas
from app.core.deps import SettingsDep
from app.core.errors import UNAVAILABLE, UNAVAILABLE_HEADERS

router = APIRouter(tags=["service"])


@router.get(
    "/healthz",
    summary="Is the service and its database up?",
    responses={
        200: {"content": {"application/json": {"example": {
            "status": "ok", "database": "ok", "postgis": "3.3 USE_GEOS=1 USE_PROJ=1 USE_STATS=1",
            "replicas": [{"database": "10.0.0.6:5432/assetmap", "state": "up", "lag_s": 0.0}],
        }}}},
        503: {"description": "The database (the primary) cannot be reached"},
    },
)
def healthz() -> JSONResponse:
    """The primary's state, and each read replica's (DATABASE_READ_URLS): up, down, lagging (further behind than
    READ_REPLICA_MAX_LAG_S: skipped) or not a replica, as this worker last checked it. A replica's state never makes
    this a 503: the primary serves the reads then."""
    replicas = get_replicas()
    states = [{"database": r.name, "state": r.state, "lag_s": r.lag_s} for r in (replicas.states() if replicas else [])]
    try:
        with get_engine().connect() as conn:
            version = conn.execute(text("SELECT postgis_version()")).scalar_one()
    except SQLAlchemyError:
        return JSONResponse(
            {"status": "unavailable", "database": "unreachable", "detail": str(UNAVAILABLE), "errors": [], "replicas": states},
            status_code=503, headers=UNAVAILABLE_HEADERS,
        )
    return JSONResponse({"status": "ok", "database": "ok", "postgis": version, "replicas": states})


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
