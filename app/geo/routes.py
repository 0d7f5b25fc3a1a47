from fastapi import APIRouter, Path
from pydantic import BaseModel

from app.core.deps import ReadSessionDep
from app.geo.service import locate_postcode

router = APIRouter(prefix="/api/v1/postcodes", tags=["postcodes"])


class PostcodePublic(BaseModel):
    postcode: str
    lat: float
    lon: float
    precision: str

    model_config = {"json_schema_extra": {"examples": [{"postcode": "M1 1AE", "lat": 53.4809, "lon": -2.2374, "precision": "postcode"}]}}


@router.get(
    "/{postcode}",
    response_model=PostcodePublic,
    summary="Find where a postcode is",
    description="Accepts any case and spacing (`m11ae`, `M1 1AE`) and outcodes (`M1`, their centroid). "
    "404 for a well-formed postcode we do not know, 422 for text that is not a postcode.",
    responses={404: {"description": "Unknown postcode"}, 422: {"description": "Not a postcode"}},
)
def get_postcode(session: ReadSessionDep, postcode: str = Path(examples=["M1 1AE"])) -> PostcodePublic:
    place = locate_postcode(session, postcode)
    return PostcodePublic(postcode=place.postcode, lat=place.lat, lon=place.lon, precision=place.precision)
