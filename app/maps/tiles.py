"""Mapbox Vector Tiles of published assets: the tile grid's rules; the SQL is in maps/repository.py."""

from app.core.errors import Invalid

MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
MAX_ZOOM = 22


def check_tile(z: int, x: int, y: int) -> None:
    """Invalid unless z/x/y names a tile of the Web Mercator (XYZ) grid."""
    if not 0 <= z <= MAX_ZOOM:
        raise Invalid(f"There is no zoom level {z}: tiles go from zoom 0 to {MAX_ZOOM}.", "z")
    last = (1 << z) - 1
    for name, value in (("x", x), ("y", y)):
        if not 0 <= value <= last:
            raise Invalid(f"There is no tile {z}/{x}/{y}: at zoom {z}, {name} runs from 0 to {last}.", name)
