"""All SQL of the map layers: vector tiles and the GeoJSON layer, both written by PostGIS itself.

**Tiles** are made as martin and pg_tileserv make them, from each published place's prebuilt tile row
(`asset_tile_point`, migration 0025: its point in lon/lat and in Web Mercator, its names and top category, kept current
by triggers). Candidates are found with `&&` on the lon/lat point against the tile's envelope, widened by the render
buffer and transformed to EPSG:4326 once per tile; their stored Web Mercator points are encoded with ST_AsMVTGeom. A
tile holds at most `max_features` points. Beyond that it keeps those with the lowest ids: as ids are random UUIDs,
that is an even random sample of the tile (density is kept, no region or data source is favoured), and the same one
on every request, so ETags stay stable. For a crowded tile PostgreSQL walks the rows in id order through their
primary key, which carries every column: an index-only scan (once VACUUM has marked the pages all-visible). The
listing filters (category, area) are conditions on `asset a`, joined only when there are some.

**GeoJSON**: when more assets match than the limit, the ones nearest the box's centre are kept. The order is
ix_asset_geom's KNN scan, which stops after `limit` + 1 rows, so a box over a million assets costs no more than a
small one (a tie-breaking sort key would forfeit that).
"""

from typing import Any

from app.assets.fields import Output, shown_in
from app.assets.freshness import stale_sql
from app.assets.repository import TOP_CATEGORY, column
from app.core.replicas import ReadSession

LAYER = "assets"
EXTENT = 4096  # tile coordinate units
BUFFER = 64  # units of EXTENT kept beyond the tile edge, so symbols on an edge are drawn by both tiles

_ZXY = "CAST(:z AS integer), CAST(:x AS integer), CAST(:y AS integer)"
# Written inline rather than in a CTE, so the planner sees constants and can estimate how many assets a tile holds:
# a few, and it takes them from the GiST index on `lonlat`; most of the table, and it walks the primary key to the first N.
_TILE = f"ST_TileEnvelope({_ZXY})"
_SEARCH_BOX = f"ST_Transform(ST_TileEnvelope({_ZXY}, margin => :margin), 4326)"

def _feature() -> str:
    """A GeoJSON Feature as text: the fields the layer shows (app/assets/fields.py), and what a popup needs besides:
    the top category (its colour), whether the listing is stale (made per call: the threshold is a setting), and the
    place page's address."""
    properties = [f"'{f.name}', {column(f)}" for f in shown_in(Output.LAYER)]
    properties += [f"'category', {TOP_CATEGORY}", f"'stale', {stale_sql()}", "'url', '/places/' || a.id"]
    return f"""json_build_object(
        'type', 'Feature',
        'id', a.id,
        'geometry', ST_AsGeoJSON(a.location::geometry, 7)::json,
        'properties', json_build_object({", ".join(properties)})
    )::text"""


def asset_tile(
    session: ReadSession, z: int, x: int, y: int, filters: list[str], params: dict[str, Any], max_features: int
) -> bytes:
    """The tile's protobuf bytes, with one layer `assets` (properties id, name, name_cy when the place has a Welsh
    name, category); b"" when empty."""
    source = "asset_tile_point t JOIN asset a ON a.id = t.asset_id" if filters else "asset_tile_point t"
    where = " AND ".join([f"t.lonlat && {_SEARCH_BOX}", *filters])
    sql = f"""
        WITH features AS (
            SELECT ST_AsMVTGeom(t.point, {_TILE}, {EXTENT}, {BUFFER}, true) AS geom,
                   t.asset_id::text AS id, t.name, t.name_cy, t.category
            FROM {source}
            WHERE {where}
            ORDER BY t.asset_id
            LIMIT :max_features
        )
        SELECT ST_AsMVT(features, '{LAYER}', {EXTENT}, 'geom') FROM features WHERE geom IS NOT NULL
    """
    bound = {**params, "z": z, "x": x, "y": y, "margin": BUFFER / EXTENT, "max_features": max_features}
    (body,) = session.one_row(sql, bound)
    return bytes(body) if body else b""


def features_nearest(
    session: ReadSession, filters: list[str], params: dict[str, Any], centre: tuple[float, float], fetch: int
) -> list[str]:
    """Up to `fetch` published assets matching every filter, as GeoJSON Feature texts, nearest (lon, lat) `centre`
    first; `filters` (from assets.filters.filters_for) should include the bbox condition."""
    where = " AND ".join(["a.status = 'published'", *filters])
    sql = f"""
        SELECT {_feature()} FROM asset a WHERE {where}
        ORDER BY a.location::geometry <-> (SELECT ST_SetSRID(ST_MakePoint(:centre_lon, :centre_lat), 4326))
        LIMIT :fetch
    """
    bound = {**params, "centre_lon": centre[0], "centre_lat": centre[1], "fetch": fetch}
    return [feature for (feature,) in session.rows(sql, bound)]


def data_version(session: ReadSession) -> str:
    """The layers' data version (migration 0020's counter) and today's date in UTC, as `<counter>-<yyyymmdd>`: the
    date because the layer's `stale` mark moves with the clock, not with the data (docs/map-layers.md)."""
    sql = "SELECT version || '-' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD') FROM data_version"
    (version,) = session.one_row(sql, {})
    return version
