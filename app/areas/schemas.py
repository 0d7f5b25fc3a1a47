"""The areas API's response shapes."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.areas.models import AreaLevel

_EXAMPLE = {
    "code": "E08000003",
    "name": "Manchester",
    "level": "ltla",
    "levels": ["ltla", "utla"],
    "bbox": [-2.319934, 53.340108, -2.146829, 53.544589],
}


class AreaSummary(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    code: str = Field(description="ONS code: the value of the `area` filter on asset, layer and embed endpoints")
    name: str
    level: AreaLevel = Field(description="The most local tier the code was loaded at")
    levels: list[AreaLevel] = Field(description="Every tier this code stands for (a unitary council is ltla and utla)")
    bbox: list[float] = Field(description="minlon, minlat, maxlon, maxlat: the box to fit a map to")

    @model_validator(mode="before")
    @classmethod
    def _most_local_level(cls, data: Any) -> Any:
        if isinstance(data, dict) and "level" not in data and data.get("levels"):
            return {**data, "level": data["levels"][0]}
        return data


class AreaDetail(AreaSummary):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{**_EXAMPLE, "geometry": {"type": "MultiPolygon", "coordinates": [[[[-2.2, 53.4], "…"]]]}}]}
    )

    geometry: dict[str, Any] = Field(description="The outline as a GeoJSON MultiPolygon (lon, lat)")
