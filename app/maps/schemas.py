"""The map layers' queries, and the shapes of their API answers that are JSON documents of their own."""

from pydantic import BaseModel, Field

from app.maps.data_version import PATTERN


class LayerQuery(BaseModel):
    """What both layers (tiles and GeoJSON) filter by, and the data version asked for. Other parameters are ignored,
    as they always were (a page may add its own)."""

    category: list[str] = Field(
        [], description="Category slug (repeatable; includes sub-categories)", examples=[["food", "libraries"]]
    )
    area: str | None = Field(
        None, max_length=20, description="Only assets inside this council or region (ONS code, see /api/v1/areas)",
        examples=["E08000003"],
    )
    v: str | None = Field(
        None,
        pattern=PATTERN,
        description=(
            "The data version (`/api/v1/data-version`). With the current one the answer is cached as immutable; with "
            "another it is the current data with the short max-age."
        ),
        examples=["42-20261205-0111e3"],
    )


class GeoJSONQuery(LayerQuery):
    """The GeoJSON layer's query: a box, and words and a size besides the layers' filters."""

    bbox: str = Field(description="minlon,minlat,maxlon,maxlat", examples=["-2.30,53.46,-2.20,53.50"])
    q: str | None = Field(None, max_length=200, description="Words to find in the name, description or tags", examples=["choir"])
    limit: int | None = Field(
        None, ge=1, description="Most features to return (default GEOJSON_DEFAULT_LIMIT, 1000; at most GEOJSON_MAX_LIMIT, 5000)"
    )


class DataVersion(BaseModel):
    """The current data version of the layers, and their URLs carrying it."""

    version: str = Field(description="`<counter>-<yyyymmdd>-<mark>`: the data's counter, the day (UTC) and a mark of the layers' "
                         "settings", examples=["42-20261205-0111e3"])
    geojson: str = Field(description="The GeoJSON layer's URL at this version (add `bbox` and any filters)")
    tiles: str = Field(description="The vector tiles' URL template at this version (add any filters)")

    @classmethod
    def of(cls, version: str) -> "DataVersion":
        return cls(
            version=version,
            geojson=f"/api/v1/assets.geojson?v={version}",
            tiles=f"/tiles/assets/{{z}}/{{x}}/{{y}}.pbf?v={version}",
        )
