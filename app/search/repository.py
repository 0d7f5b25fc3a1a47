"""The nearby search, as one SQL statement that uses the GiST index throughout.

Geography's `<->` (index KNN) ranks by distance on a sphere, while `distance_m` is the exact distance on the
WGS84 ellipsoid; the two can disagree by up to ~0.5%. So the query works in two index-assisted steps: KNN takes the
`window` nearest on the sphere; the furthest of those, measured on the ellipsoid, bounds a `ST_DWithin` that is sure to
hold the true nearest `window`; those are ranked by exact distance. Nothing sorts the table by `ST_Distance`.
"""

from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from app.assets.repository import PUBLIC_COLUMNS


def nearby(
    session: Session, filters: list[str], params: dict[str, Any], limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    where = " AND ".join(["a.status = 'published'", "ST_DWithin(a.location, o.pt, :radius)", *filters])
    sql = f"""
        WITH origin AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography AS pt),
        candidates AS (
            SELECT ST_Distance(a.location, o.pt) AS d
            FROM asset a, origin o WHERE {where}
            ORDER BY a.location <-> o.pt LIMIT :window
        ),
        reach AS (SELECT max(d) + 0.01 AS r FROM candidates),
        page AS (
            SELECT a.id, ST_Distance(a.location, o.pt) AS distance_m
            FROM asset a, origin o, reach
            WHERE {where} AND ST_DWithin(a.location, o.pt, reach.r)
            ORDER BY distance_m, a.id LIMIT :limit OFFSET :offset
        )
        SELECT {PUBLIC_COLUMNS}, p.distance_m,
               (SELECT count(*) FROM asset a, origin o WHERE {where}) AS total
        FROM page p JOIN asset a ON a.id = p.id
        ORDER BY p.distance_m, p.id
    """
    bound = {**params, "limit": limit, "offset": offset, "window": limit + offset}
    rows = [dict(r) for r in session.execute(text(sql), bound).mappings()]
    if rows:
        return rows[0]["total"], rows
    if offset == 0:
        return 0, []
    count_sql = f"""
        WITH origin AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography AS pt)
        SELECT count(*) FROM asset a, origin o WHERE {where}
    """
    return session.execute(text(count_sql), params).scalar_one(), []
