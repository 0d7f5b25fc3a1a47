"""The shapes of the map layers' API answers that are JSON documents of their own."""

from pydantic import BaseModel, Field


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
