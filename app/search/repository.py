"""The nearby search, as one SQL statement that uses the GiST index throughout.

Results are ranked by distance band (`BAND_M`, about five minutes' walk), then recently verified places before stale
ones (app/assets/freshness.py), then exact distance, then id: so between two places a similar walk away, the one
known to be still running comes first, but freshness never lifts a place over one in a nearer band.

Geography's `<->` (index KNN) ranks by distance on a sphere, while `distance_m` is the exact distance on the
WGS84 ellipsoid; the two can disagree by up to ~0.6%. So the query works in index-assisted steps, and never sorts the
table by `ST_Distance`:
1. KNN takes the `knn` (`KNN_FACTOR` × `window`) nearest on the sphere, each with its exact distance and freshness.
   Any place within the radius that is not among them is at least `SPHERE_SLACK` × the furthest one's spherical
   distance away on the ellipsoid (`beyond`; no such place at all when KNN found fewer than `knn`).
2. The first `window` of those, ranked, are the first `window` of all (`settled`) when each of them is nearer than
   that bound and is fresh or in a band no other place can reach: no place outside them could rank before any of
   them. Then nothing more is read. This is the common case: it needs `window` fresh places among the `knn` nearest.
3. Otherwise every place out to the end of the band that holds the `window`-th nearest is ranked: the furthest of
   the `window` nearest on the sphere, measured on the ellipsoid, lies in a band that holds the true `window`-th
   nearest or a further one, so a `ST_DWithin` out to the end of that band (`reach`) holds every place that can rank
   among the first `window`. Step 3's scan sits under a one-time filter, so PostgreSQL runs it only when step 2
   could not settle the page.

The origin is a scalar subquery, which PostgreSQL evaluates once (an InitPlan) and which `<->` can use the index
with (a CTE or a join could not). Written inline as an expression of the parameters instead, a prepared statement's
generic plan would re-evaluate it for every row it visits, and, more to the point, would be estimated at about three
times a custom plan's cost: so PostgreSQL planned every search again, custom, for its values, and planning took about
as long as running it. With the subquery the generic plan is the cheaper one and is kept (docs/benchmarks.md, issue
17: "The search's plan").

The ranking step is MATERIALIZED too, so that each place's distance is computed once: inlined, its band and its
distance were two sort keys, each computing the ellipsoidal distance again.

The KNN step is MATERIALIZED, so that three later steps read its rows without computing their distances again.
The total is counted on ix_asset_published_location without visiting the table.
"""

from typing import Any, NamedTuple

from sqlalchemy import text
from sqlmodel import Session

from app.assets.freshness import stale_sql
from app.assets.repository import PUBLIC_COLUMNS
from app.core.db import cached_text

BAND_M = 400  # metres: about five minutes' walk
KNN_FACTOR = 3  # step 1 reads this many times the page's window: enough fresh places for most pages
# A place's distance on the WGS84 ellipsoid is at least 99.4% of its distance on PostGIS's sphere (the meridian's
# least radius of curvature, at the equator, against the mean radius): this leaves a margin.
SPHERE_SLACK = 0.99
# The origin, evaluated once per statement (see the module's docstring).
ORIGIN = "(SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography)"


def _where(filters: list[str]) -> str:
    return " AND ".join(["a.status = 'published'", f"ST_DWithin(a.location, {ORIGIN}, :radius)", *filters])


def _ranked_page(filters: list[str]) -> str:
    """The CTEs that rank the places within the radius and keep the page asked for, as `page (id, distance_m, stale,
    band)` (the steps are the module's). Parameters: lat, lon, radius, window (= limit + offset), knn, limit, offset
    (`page_params`), and the filters' own."""
    where = _where(filters)
    stale = stale_sql()
    return f"""
        WITH candidates AS MATERIALIZED (
            SELECT a.id, ST_Distance(a.location, {ORIGIN}) AS distance_m, a.location <-> {ORIGIN} AS sphere_m,
                {stale} AS stale
            FROM asset a WHERE {where}
            ORDER BY a.location <-> {ORIGIN} LIMIT :knn
        ),
        beyond AS (
            SELECT CASE WHEN count(*) < :knn THEN 'Infinity'::float8 ELSE max(sphere_m) * {SPHERE_SLACK} END AS m
            FROM candidates
        ),
        settled AS (
            SELECT coalesce(bool_and(
                f.distance_m < b.m AND (NOT f.stale OR floor(f.distance_m / {BAND_M}) < floor(b.m / {BAND_M}))
            ), true) AS ok
            FROM (SELECT * FROM candidates ORDER BY floor(distance_m / {BAND_M}), stale, distance_m, id LIMIT :window) f
            CROSS JOIN beyond b
        ),
        reach AS (
            SELECT (floor(max(distance_m) / {BAND_M}) + 1) * {BAND_M} + 0.01 AS r
            FROM (SELECT distance_m FROM candidates ORDER BY sphere_m LIMIT :window) nearest
        ),
        ranked AS MATERIALIZED (
            SELECT id, distance_m, stale FROM candidates WHERE (SELECT ok FROM settled)
            UNION ALL
            SELECT a.id, ST_Distance(a.location, {ORIGIN}), {stale}
            FROM asset a CROSS JOIN reach
            WHERE NOT (SELECT ok FROM settled) AND {where} AND ST_DWithin(a.location, {ORIGIN}, reach.r)
        ),
        page AS (
            SELECT *, floor(distance_m / {BAND_M}) AS band FROM ranked
            ORDER BY band, stale, distance_m, id LIMIT :limit OFFSET :offset
        )
    """


def _total(filters: list[str]) -> str:
    return f"(SELECT count(*) FROM asset a WHERE {_where(filters)})"


def nearby_statement(filters: list[str], columns: str = PUBLIC_COLUMNS) -> str:
    """The page as rows of `columns` (a select list on `asset a`, such as Open Referral's), each with distance_m and
    the total; no rows when the page is empty."""
    return f"""{_ranked_page(filters)}
        SELECT {columns}, p.distance_m, {_total(filters)} AS total
        FROM page p JOIN asset a ON a.id = p.id
        ORDER BY p.band, p.stale, p.distance_m, p.id
    """


def nearby_json_statement(filters: list[str], remote_filters: list[str]) -> str:
    """The API's answer, built by PostgreSQL in one statement: one row with the total and the page as a JSON array of
    NearbyItem, and the services delivered remotely that match `remote_filters` (their total and first
    `remote_limit`, see `_remote`).

    Each item is its place's prebuilt JSON (`asset_item`, migration 0023) with `distance_m` and `stale` appended:
    nothing is parsed, validated or serialised again, in PostgreSQL or in Python. tests/search/test_nearby.py checks
    the items field for field against NearbyItem.
    """
    return f"""{_ranked_page(filters)}, {_remote(remote_filters)}
        SELECT {_total(filters)} AS total,
            {_items("page", ["distance_m", "stale"], "p.band, p.stale, p.distance_m, p.id")} AS items,
            (SELECT count(*) FROM remote_matching) AS remote_total,
            {_items("remote_page", ["stale"], "p.stale, p.name, p.id")} AS remote_items
    """


def _items(page: str, appended: list[str], order: str) -> str:
    """The places of the CTE `page` (by `order`, on `page p`) as a JSON array: each its prebuilt JSON object
    (asset_item) with `page`'s columns `appended` as its last fields, written as json_agg writes an array."""
    fields = "".join(f""" || ',"{name}":' || p.{name}""" for name in appended)
    return f"""(
        SELECT coalesce('[' || string_agg(left(i.item, -1){fields} || '}}', E', \\n ' ORDER BY {order}) || ']', '[]')
        FROM {page} p JOIN asset_item i ON i.asset_id = p.id
    )"""


def _remote(filters: list[str]) -> str:
    """The CTEs of the services delivered by phone, online or at home that match `filters` (which say whose areas
    they serve), as `remote_matching`, and the first `remote_limit` of them, fresh first, then by name, as
    `remote_page`. They have no position, so no distance and no ranking by it; ix_asset_delivered_remotely finds the
    few candidates."""
    where = " AND ".join(["a.status = 'published'", "a.delivery <> 'location'", *filters])
    return f"""
        remote_matching AS (SELECT a.id, {stale_sql()} AS stale, a.name FROM asset a WHERE {where}),
        remote_page AS (SELECT * FROM remote_matching ORDER BY stale, name, id LIMIT :remote_limit)
    """


class NearbyJson(NamedTuple):
    """The API's answer as PostgreSQL writes it: the places' total and page, and those delivered remotely."""

    total: int
    items: str  # a JSON array of NearbyItem
    remote_total: int
    remote_items: str  # a JSON array of AssetPublic


def page_params(limit: int, offset: int) -> dict[str, int]:
    """The parameters of the page asked for, as the ranking steps take them."""
    return {"limit": limit, "offset": offset, "window": limit + offset, "knn": KNN_FACTOR * (limit + offset)}


def nearby(
    session: Session,
    filters: list[str],
    params: dict[str, Any],
    limit: int,
    offset: int,
    columns: str = PUBLIC_COLUMNS,
) -> tuple[int, list[dict[str, Any]]]:
    bound = {**params, **page_params(limit, offset)}
    rows = [dict(r) for r in session.execute(cached_text(nearby_statement(filters, columns)), bound).mappings()]
    if rows:
        return rows[0]["total"], rows
    if offset == 0:
        return 0, []
    return session.execute(text(f"SELECT {_total(filters)}"), params).scalar_one(), []


def nearby_json_query(
    filters: list[str], remote_filters: list[str], params: dict[str, Any], limit: int, offset: int, remote_limit: int
) -> tuple[str, dict[str, Any]]:
    """The API's statement (`nearby_json_statement`, one row that `NearbyJson` reads) with all its parameters;
    `params` binds both kinds of filters."""
    return nearby_json_statement(filters, remote_filters), {
        **params, **page_params(limit, offset), "remote_limit": remote_limit
    }


def delivered_remotely_json(
    session: Session, filters: list[str], params: dict[str, Any], limit: int
) -> tuple[int, str]:
    """Services delivered by phone, online or at home that match `filters` (see `_remote`): how many, and the first
    `limit` as a JSON array of AssetPublic (with `stale`)."""
    sql = f"""WITH {_remote(filters)}
        SELECT (SELECT count(*) FROM remote_matching) AS total, {_items("remote_page", ["stale"], "p.stale, p.name, p.id")} AS items"""
    total, items = session.execute(cached_text(sql), {**params, "remote_limit": limit}).one()
    return total, items
