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

# The origin is written inline (not joined from a CTE): only a constant-like expression lets `<->` use the index.
ORIGIN = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography"


def _where(filters: list[str]) -> str:
    return " AND ".join(["a.status = 'published'", f"ST_DWithin(a.location, {ORIGIN}, :radius)", *filters])


def nearby_statement(filters: list[str], columns: str = PUBLIC_COLUMNS) -> str:
    """The page query. Parameters: lat, lon, radius, window (= limit + offset), limit, offset, and the filters' own.

    `columns` is the select list on `asset a` (another shape of the same rows, such as Open Referral's).
    """
    where = _where(filters)
    return f"""
        WITH candidates AS (
            SELECT ST_Distance(a.location, {ORIGIN}) AS d
            FROM asset a WHERE {where}
            ORDER BY a.location <-> {ORIGIN} LIMIT :window
        ),
        reach AS (SELECT max(d) + 0.01 AS r FROM candidates),
        page AS (
            SELECT a.id, ST_Distance(a.location, {ORIGIN}) AS distance_m
            FROM asset a, reach
            WHERE {where} AND ST_DWithin(a.location, {ORIGIN}, reach.r)
            ORDER BY distance_m, a.id LIMIT :limit OFFSET :offset
        )
        SELECT {columns}, p.distance_m, (SELECT count(*) FROM asset a WHERE {where}) AS total
        FROM page p JOIN asset a ON a.id = p.id
        ORDER BY p.distance_m, p.id
    """


def nearby(
    session: Session,
    filters: list[str],
    params: dict[str, Any],
    limit: int,
    offset: int,
    columns: str = PUBLIC_COLUMNS,
) -> tuple[int, list[dict[str, Any]]]:
    bound = {**params, "limit": limit, "offset": offset, "window": limit + offset}
    rows = [dict(r) for r in session.execute(text(nearby_statement(filters, columns)), bound).mappings()]
    if rows:
        return rows[0]["total"], rows
    if offset == 0:
        return 0, []
    return session.execute(text(f"SELECT count(*) FROM asset a WHERE {_where(filters)}"), params).scalar_one(), []
