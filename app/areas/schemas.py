"""The areas API's response shapes."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.areas.models import AreaLevel
from app.areas.welsh_names import WELSH_NAMES
from app.i18n.bilingual import bilingual

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
    name: str = Field(
        description="In the request's language (Accept-Language): the Welsh name where the ONS gives one (Wales's "
        "councils, the nations, England's regions), otherwise the English name, which is the area's only one"
    )
    level: AreaLevel = Field(description="The most local tier the code was loaded at")
    levels: list[AreaLevel] = Field(description="Every tier this code stands for (a unitary council is ltla and utla)")
    bbox: list[float] = Field(description="minlon, minlat, maxlon, maxlat: the box to fit a map to")

    @model_validator(mode="before")
    @classmethod
    def _most_local_level_and_name(cls, data: Any) -> Any:
        """From a row: the most local tier, and the name in the request's language."""
        if not isinstance(data, dict):
            return data
        if "level" not in data and data.get("levels"):
            data = {**data, "level": data["levels"][0]}
        if "name" in data:
            data = {**data, "name": bilingual(data["name"], WELSH_NAMES.get(data.get("code", ""))).text}
        return data

    @property
    def lang(self) -> str:
        """The language `name` is in: "en" for an area with no name in the page's language (mark it on a page)."""
        return bilingual(self.name, WELSH_NAMES.get(self.code)).lang


class AreaDetail(AreaSummary):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{**_EXAMPLE, "geometry": {"type": "MultiPolygon", "coordinates": [[[[-2.2, 53.4], "…"]]]}}]}
    )

    geometry: dict[str, Any] = Field(description="The outline as a GeoJSON MultiPolygon (lon, lat)")
