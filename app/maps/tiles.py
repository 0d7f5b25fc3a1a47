"""Mapbox Vector Tiles of published assets, made by PostGIS as martin and pg_tileserv do.

Candidates are found with `&&` on the indexed lon/lat geometry (ix_asset_geom) against the tile's envelope, widened
by the render buffer and transformed to EPSG:4326 once per tile; only those are projected to Web Mercator and
encoded with ST_AsMVTGeom.

A tile holds at most `max_features` points. Beyond that it keeps those with the lowest ids: as ids are random
UUIDs, that is an even random sample of the tile (density is kept, no region or data source is favoured), and the
same one on every request, so ETags stay stable. For a crowded tile PostgreSQL walks ids in order through
ix_asset_published_id, which carries each published asset's location and name: the tile test and the kept rows' name
come from the index, and the table is not read (an index-only scan, once VACUUM has marked its pages all-visible).
"""

from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from app.assets.repository import TOP_CATEGORY
from app.core.errors import Invalid

MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
LAYER = "assets"
MAX_ZOOM = 22
EXTENT = 4096  # tile coordinate units
BUFFER = 64  # units of EXTENT kept beyond the tile edge, so symbols on an edge are drawn by both tiles

_ZXY = "CAST(:z AS integer), CAST(:x AS integer), CAST(:y AS integer)"
# Written inline rather than in a CTE, so the planner sees constants and can estimate how many assets a tile holds:
# a few, and it takes them from ix_asset_geom; most of the table, and it walks ix_asset_published_id to the first N.
_TILE = f"ST_TileEnvelope({_ZXY})"
_SEARCH_BOX = f"ST_Transform(ST_TileEnvelope({_ZXY}, margin => :margin), 4326)"


def check_tile(z: int, x: int, y: int) -> None:
    """Invalid unless z/x/y names a tile of the Web Mercator (XYZ) grid."""
    if not 0 <= z <= MAX_ZOOM:
        raise Invalid(f"There is no zoom level {z}: tiles go from zoom 0 to {MAX_ZOOM}.", "z")
    last = (1 << z) - 1
    for name, value in (("x", x), ("y", y)):
        if not 0 <= value <= last:
            raise Invalid(f"There is no tile {z}/{x}/{y}: at zoom {z}, {name} runs from 0 to {last}.", name)


def asset_tile(
    session: Session, z: int, x: int, y: int, filters: list[str], params: dict[str, Any], max_features: int
) -> bytes:
    """The tile's protobuf bytes, with one layer `assets` (properties id, name, category); b"" when empty."""
    check_tile(z, x, y)
    where = " AND ".join(["a.status = 'published'", f"a.location::geometry && {_SEARCH_BOX}", *filters])
    sql = f"""
        WITH features AS (
            SELECT ST_AsMVTGeom(ST_Transform(a.location::geometry, 3857), {_TILE}, {EXTENT}, {BUFFER}, true) AS geom,
                   a.id::text AS id, a.name, {TOP_CATEGORY} AS category
            FROM asset a
            WHERE {where}
            ORDER BY a.id
            LIMIT :max_features
        )
        SELECT ST_AsMVT(features, '{LAYER}', {EXTENT}, 'geom') FROM features WHERE geom IS NOT NULL
    """
    bound = {**params, "z": z, "x": x, "y": y, "margin": BUFFER / EXTENT, "max_features": max_features}
    body = session.execute(text(sql), bound).scalar_one()
    return bytes(body) if body else b""
