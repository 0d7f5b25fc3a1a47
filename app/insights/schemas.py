"""The insights API's shapes, for the OpenAPI document (the answer itself is built as a dict by the service)."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class LsoaFigures(BaseModel):
    lsoa: str = Field(description="2011 LSOA code", examples=["E01013402"])
    name: str = Field(examples=["Rutland 004A"])
    nation: Literal["E", "W"] = Field(description="E: England, W: Wales")
    deprivation_decile: int | None = Field(
        description="The nation's own decile, 1 = most deprived tenth of that nation's LSOAs (IMD 2019 in England, "
        "WIMD 2019 in Wales; not comparable across the border); null when not known",
        ge=1, le=10,
    )
    places_800m: int | None = Field(description="Published places of the category within 800 m of the centroid; null before the first refresh")
    places_1600m: int | None = Field(description="… within 1,600 m")
    nearest_m: int | None = Field(description="Metres to the nearest published place of the category; null if there is none")
    searches: int | None = Field(description="Nearby searches for the category from this LSOA in the last 12 months, rounded to 5; null when under the threshold (10)")
    unmet_searches: int | None = Field(description="Of those, searches that found fewer than UNMET_BELOW (3) places; null when under the threshold")


class LsoaFeature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: dict[str, Any] | None = Field(description="The LSOA's super-generalised outline (MultiPolygon, WGS84)")
    properties: LsoaFigures


class InsightsCollection(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "type": "FeatureCollection", "area": "E06000017", "category": "learning", "as_of": "2026-12-04T17:00:00Z",
        "notes": {"deprivation": "deprivation_decile is each nation's own …", "access": "…", "searches": "…"},
        "features": [{
            "type": "Feature", "id": "E01013402",
            "geometry": {"type": "MultiPolygon", "coordinates": [[[[-0.72, 52.67], [-0.71, 52.67], [-0.71, 52.66], [-0.72, 52.67]]]]},
            "properties": {"lsoa": "E01013402", "name": "Rutland 004A", "nation": "E", "deprivation_decile": 6,
                           "places_800m": 1, "places_1600m": 2, "nearest_m": 512, "searches": 15, "unmet_searches": None},
        }],
    }]})

    type: Literal["FeatureCollection"] = "FeatureCollection"
    area: str = Field(description="The area's ONS code")
    category: str = Field(description="The top-level category's slug")
    as_of: str | None = Field(description="When access and demand were last refreshed (UTC); null: never yet")
    notes: dict[str, str] = Field(description="How each figure is made, in words, for anyone who shows them")
    features: list[LsoaFeature]
