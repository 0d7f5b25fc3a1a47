"""All of the insights' SQL: saving LSOAs, the refresh (access and published demand, one statement each), recording
searches, and reading an area's figures."""

import json
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, text
from sqlmodel import Session

from app.core.db import get_engine

# pg_advisory_xact_lock key of the refresh: one refresh at a time over every worker and `assetmap insights refresh`.
REFRESH_LOCK = 0x1A5E_14  # "issue 14"
NEAR_M, FAR_M = 800, 1600  # the two reaches of `lsoa_access`, in metres on the WGS84 ellipsoid
GRID_SHIFT_M = 10_000_000  # metres east between two categories' places on the refresh's grid index (PLACES)
OUTSIDE_M = 500  # a search's origin outside every outline, but this close to one, is placed in that LSOA


@dataclass(frozen=True)
class LsoaRow:
    code: str
    name: str
    nation: str
    decile: int | None
    rank: int | None
    boundary: str | None  # GeoJSON geometry text
    lon: float
    lat: float


def save_lsoas(rows: Sequence[LsoaRow], on_progress: Callable[[int], None] | None = None, batch: int = 2000) -> dict[str, int]:
    """Upserts the LSOAs by code in one transaction: staged, then one INSERT … ON CONFLICT that rewrites only what
    changed (outlines repaired with ST_MakeValid). Counts created, updated and unchanged."""
    with get_engine().begin() as conn:
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        conn.execute(text(
            "CREATE TEMP TABLE lsoa_in (code text, name text, nation text, decile int, rank int, boundary text, "
            "lon float8, lat float8) ON COMMIT DROP"
        ))
        insert = text("INSERT INTO lsoa_in VALUES (:code, :name, :nation, :decile, :rank, :boundary, :lon, :lat)")
        for start in range(0, len(rows), batch):
            chunk = rows[start:start + batch]
            conn.execute(insert, [dict(zip(LsoaRow.__dataclass_fields__, astuple(r), strict=True)) for r in chunk])
            if on_progress:
                on_progress(len(chunk))
        created, updated = conn.execute(text("""
            WITH saved AS (
                INSERT INTO lsoa AS t (code, name, nation, deprivation_decile, deprivation_rank, boundary, centroid)
                SELECT code, name, nation, decile, rank,
                       CASE WHEN boundary IS NOT NULL THEN
                           ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(boundary), 4326)), 3))
                       END,
                       ST_SetSRID(ST_MakePoint(lon, lat), 4326)
                FROM lsoa_in
                ON CONFLICT (code) DO UPDATE SET
                    name = excluded.name, nation = excluded.nation, deprivation_decile = excluded.deprivation_decile,
                    deprivation_rank = excluded.deprivation_rank, boundary = excluded.boundary, centroid = excluded.centroid
                WHERE (t.name, t.nation, t.deprivation_decile, t.deprivation_rank)
                          IS DISTINCT FROM (excluded.name, excluded.nation, excluded.deprivation_decile, excluded.deprivation_rank)
                   OR ST_AsEWKB(t.boundary) IS DISTINCT FROM ST_AsEWKB(excluded.boundary)
                   OR ST_AsEWKB(t.centroid) IS DISTINCT FROM ST_AsEWKB(excluded.centroid)
                RETURNING (xmax = 0) AS created
            )
            SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM saved
        """)).one()
    return {"created": created, "updated": updated, "unchanged": len(rows) - created - updated}


def count_lsoas(session: Session) -> int:
    return session.execute(text("SELECT count(*) FROM lsoa")).scalar_one()


# --- The refresh -------------------------------------------------------------------------------------------------

# Every category with the id of its top-level category (the first slug of its path).
_TOPS = """
    SELECT c.id AS category_id, c.slug, r.id AS top_id
    FROM category c JOIN category r ON r.parent_id IS NULL AND r.slug = split_part(c.path, '/', 1)
"""

# The published places of each top-level category (a place under two of its sub-categories once), gathered by the
# refresh into a temporary table with one spatial index for every category: `key` is the place on the British
# National Grid (metres; its scale differs from true distance by under 0.04% in Great Britain) moved 10,000 km east per
# category id, so a nearest-neighbour search from a centroid moved by the same amount finds that category's places
# first and no other's (they are thousands of kilometres further).
PLACES = f"""
    CREATE TEMP TABLE insights_place ON COMMIT DROP AS
    WITH tops AS ({_TOPS})
    SELECT p.top_id, p.asset_id, a.location,
           ST_Translate(ST_Transform(a.location::geometry, 27700), p.top_id * {GRID_SHIFT_M}, 0) AS key
    FROM (SELECT DISTINCT ac.asset_id, t.top_id FROM asset_category ac JOIN tops t ON t.category_id = ac.category_id) p
    JOIN asset a ON a.id = p.asset_id AND a.status = 'published'
"""
PLACES_INDEX = "CREATE INDEX ON insights_place USING gist (key)"

# One statement for the whole of England and Wales.
# - `near`: every published place within FAR_M of each centroid, counted once per top-level category it is filed
#   under. The index is searched on the sphere (ST_DWithin with use_spheroid false, the cheap test): in England and
#   Wales a distance on PostGIS's sphere is always shorter than on the WGS84 ellipsoid (both radii of curvature there
#   exceed the sphere's), so nothing within FAR_M on the ellipsoid is missed; each candidate's exact ellipsoid
#   distance is then computed once and decides.
# - Where a category has no place within FAR_M, its nearest: the three nearest on the grid (insights_place's index),
#   of which the nearest on the ellipsoid. Only for categories with a published place at all (else null).
ACCESS = f"""
    INSERT INTO lsoa_access (lsoa_code, category_id, places_800m, places_1600m, nearest_m)
    WITH present AS MATERIALIZED (SELECT DISTINCT top_id FROM insights_place),
    grid AS MATERIALIZED (SELECT code, ST_Transform(centroid, 27700) AS centroid FROM lsoa),
    near AS (
        SELECT l.code, p.top_id,
               count(*) FILTER (WHERE n.d <= {NEAR_M}) AS c800, count(*) AS c1600, min(n.d) AS nearest
        FROM lsoa l
        CROSS JOIN LATERAL (
            SELECT * FROM (
                SELECT a.id, ST_Distance(a.location, l.centroid::geography) AS d
                FROM asset a
                WHERE a.status = 'published' AND ST_DWithin(a.location, l.centroid::geography, {FAR_M}, false)
                OFFSET 0  -- the ellipsoid distance is computed once per place, not again for the test below
            ) candidate
            WHERE candidate.d <= {FAR_M}
        ) n
        JOIN insights_place p ON p.asset_id = n.id
        GROUP BY l.code, p.top_id
    )
    SELECT l.code, r.id, coalesce(n.c800, 0), coalesce(n.c1600, 0),
           coalesce(n.nearest, CASE WHEN r.id IN (SELECT top_id FROM present) THEN (
               SELECT min(ST_Distance(k.location, l.centroid::geography)) FROM (
                   SELECT p.location FROM insights_place p
                   ORDER BY p.key <-> ST_Translate(g.centroid, r.id * {GRID_SHIFT_M}, 0)
                   LIMIT 3
               ) k
           ) END)
    FROM lsoa l JOIN grid g ON g.code = l.code CROSS JOIN category r
    LEFT JOIN near n ON n.code = l.code AND n.top_id = r.id
    WHERE r.parent_id IS NULL
"""

# Published demand counts the searches of whole past calendar months only: the `months` months before the month of
# `today`, never the current one. So published figures change once a month, not at every refresh: someone making
# their own searches cannot watch a figure move to learn of one other person's search (docs/privacy.md).
WINDOW = """
    s.day >= (date_trunc('month', CAST(:today AS date)) - make_interval(months => :months))::date
    AND s.day < date_trunc('month', CAST(:today AS date))::date
"""

# The top-level categories a search asked for, each once (a sub-category counts for its top-level one).
_ASKED = "SELECT DISTINCT t.top_id FROM unnest(s.categories) AS asked(slug) JOIN tops t ON t.slug = asked.slug"


def _published(count: str) -> str:
    """A count as published: null below `:threshold`, else rounded to the nearest `:round_to` (docs/privacy.md)."""
    return f"CASE WHEN {count} >= :threshold THEN (round({count} / CAST(:round_to AS numeric)) * :round_to)::int END"


# The published demand per LSOA and top-level category asked for (a search for two categories counts once for each):
# searches and those that found fewer than `unmet_below` places, over WINDOW.
DEMAND = f"""
    INSERT INTO lsoa_demand (lsoa_code, category_id, searches, unmet_searches)
    WITH tops AS MATERIALIZED ({_TOPS}),
    per AS (
        SELECT s.lsoa_code, t.top_id,
               count(*) AS searches,
               count(*) FILTER (WHERE s.found < :unmet_below) AS unmet
        FROM search_demand s CROSS JOIN LATERAL ({_ASKED}) t
        WHERE {WINDOW}
        GROUP BY s.lsoa_code, t.top_id
    )
    SELECT p.lsoa_code, p.top_id, {_published("p.searches")}, {_published("p.unmet")}
    FROM per p JOIN lsoa l ON l.code = p.lsoa_code
    WHERE p.searches >= :threshold
"""

# The published demand per area (every council, region and country loaded), top-level category and month, over
# WINDOW: the searches from the area's LSOAs (those whose centroid is inside it, as for `area_lsoas`), with the same
# threshold and rounding as per LSOA. A month under the threshold has no row (read as withheld).
DEMAND_MONTHS = f"""
    INSERT INTO area_demand_month (area_code, category_id, month, searches, unmet_searches)
    WITH tops AS MATERIALIZED ({_TOPS}),
    per AS MATERIALIZED (
        SELECT s.lsoa_code, t.top_id, date_trunc('month', s.day)::date AS month,
               count(*) AS searches,
               count(*) FILTER (WHERE s.found < :unmet_below) AS unmet
        FROM search_demand s CROSS JOIN LATERAL ({_ASKED}) t
        WHERE {WINDOW}
        GROUP BY 1, 2, 3
    ),
    placed AS MATERIALIZED (
        SELECT l.code AS lsoa_code, ar.code AS area_code
        FROM (SELECT DISTINCT lsoa_code FROM per) p
        JOIN lsoa l ON l.code = p.lsoa_code
        JOIN area ar ON ST_Contains(ar.geom, l.centroid)
    ),
    summed AS (
        SELECT w.area_code, p.top_id, p.month, sum(p.searches) AS searches, sum(p.unmet) AS unmet
        FROM per p JOIN placed w ON w.lsoa_code = p.lsoa_code
        GROUP BY 1, 2, 3
    )
    SELECT area_code, top_id, month, {_published("searches")}, {_published("unmet")}
    FROM summed WHERE searches >= :threshold
"""


def lock_refresh(session: Session, wait: bool) -> bool:
    """Takes the refresh's advisory lock for this transaction (waiting for it, or not); whether it was taken."""
    if wait:
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": REFRESH_LOCK})
        return True
    return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": REFRESH_LOCK}).scalar_one())


def minutes_since_refresh(session: Session) -> float | None:
    return session.execute(text(
        "SELECT extract(epoch FROM now() - max(finished_at)) / 60 FROM insights_refresh WHERE finished_at IS NOT NULL"
    )).scalar_one()


def refresh(session: Session, today: date, threshold: int, round_to: int, unmet_below: int, months: int,
            keep_months: int) -> dict[str, int]:
    """Replaces `lsoa_access`, `lsoa_demand` and `area_demand_month` and purges raw searches older than `keep_months`,
    in the caller's transaction (readers see the old figures until it commits). Counts of what it wrote."""
    session.execute(text("SET LOCAL statement_timeout = 0"))
    session.execute(text("SET LOCAL work_mem = '256MB'"))  # the per-LSOA counts are grouped in memory, not on disk
    purged = purge_searches(session, today, keep_months)
    session.execute(text(PLACES))
    session.execute(text(PLACES_INDEX))
    session.execute(text("ANALYZE insights_place"))
    session.execute(text("DELETE FROM lsoa_access"))
    access = session.execute(text(ACCESS)).rowcount
    session.execute(text("DELETE FROM lsoa_demand"))
    session.execute(text("DELETE FROM area_demand_month"))
    params = {"today": today, "threshold": threshold, "round_to": round_to, "unmet_below": unmet_below, "months": months}
    demand = session.execute(text(DEMAND), params).rowcount
    monthly = session.execute(text(DEMAND_MONTHS), params).rowcount
    lsoas = count_lsoas(session)
    return {"lsoas": lsoas, "access_rows": access, "demand_rows": demand, "monthly_rows": monthly,
            "searches_purged": purged}


def start_refresh(session: Session) -> int:
    return session.execute(text("INSERT INTO insights_refresh DEFAULT VALUES RETURNING id")).scalar_one()


def finish_refresh(session: Session, refresh_id: int, counts: dict[str, int], message: str) -> None:
    session.execute(
        text("UPDATE insights_refresh SET finished_at = clock_timestamp(), counts = CAST(:c AS jsonb), message = :m WHERE id = :id"),
        {"c": json.dumps(counts), "m": message, "id": refresh_id},
    )


def last_refresh(session: Session) -> dict[str, Any] | None:
    row = session.execute(text(
        "SELECT id, started_at, finished_at, counts, message FROM insights_refresh "
        "WHERE finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT 1"
    )).mappings().first()
    return dict(row) if row else None


def purge_searches(session: Session, today: date, keep_months: int) -> int:
    """Deletes the raw searches older than `keep_months` months; how many."""
    return session.execute(
        text("DELETE FROM search_demand WHERE day <= (CAST(:today AS date) - make_interval(months => :m))::date"),
        {"today": today, "m": keep_months},
    ).rowcount


# --- Recording searches ------------------------------------------------------------------------------------------

# The origin's LSOA: the one whose outline holds the point, else the nearest outline within OUTSIDE_M (a coast or an
# estuary the generalised outlines cut off), else none (outside England and Wales: nothing is recorded). A batch of
# searches is one statement, its records one JSON parameter; the points are in that parameter only and are never
# written anywhere.
RECORD = f"""
    INSERT INTO search_demand (day, lsoa_code, categories, filters, found)
    SELECT r.day, x.code, r.categories, r.filters, r.found
    FROM jsonb_to_recordset(CAST(:searches AS jsonb))
         AS r(day date, lat float8, lon float8, categories text[], filters text[], found int)
    CROSS JOIN LATERAL (SELECT coalesce(
        (SELECT l.code FROM lsoa l WHERE ST_Intersects(l.boundary, o.p) ORDER BY l.code LIMIT 1),
        (SELECT l.code FROM lsoa l
         WHERE ST_DWithin(l.boundary, o.p, 0.01) AND ST_DWithin(l.boundary::geography, o.p::geography, {OUTSIDE_M})
         ORDER BY l.boundary <-> o.p LIMIT 1)
    ) AS code FROM (SELECT ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326) AS p) o) x
    WHERE x.code IS NOT NULL
"""


def record_searches(conn: Connection, searches: list[dict[str, Any]]) -> None:
    """Saves searches given as {day, lat, lon, categories, filters, found} (lat/lon only to find the LSOA)."""
    records = [{**search, "day": search["day"].isoformat()} for search in searches]
    conn.execute(text(RECORD), {"searches": json.dumps(records)})


# --- Reading ------------------------------------------------------------------------------------------------------

# The LSOAs whose centroid is inside the area `:area` (its border included).
_IN_AREA = "ST_Contains((SELECT geom FROM area WHERE code = :area), l.centroid)"
_FIGURES = """
    l.code AS lsoa, l.name, l.nation, l.deprivation_decile,
    ac.places_800m, ac.places_1600m, round(ac.nearest_m)::int AS nearest_m,
    d.searches, d.unmet_searches
"""
# The figures of every LSOA answer (the API's properties), as _FIGURES names them.
PROPERTIES = ("lsoa", "name", "nation", "deprivation_decile", "places_800m", "places_1600m", "nearest_m", "searches",
              "unmet_searches")
_JOIN_FIGURES = """
    LEFT JOIN lsoa_access ac ON ac.lsoa_code = l.code AND ac.category_id = :category
    LEFT JOIN lsoa_demand d ON d.lsoa_code = l.code AND d.category_id = :category
"""


def area_lsoas(session: Session, area: str, category_id: int, outlines: bool = True,
               deciles: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """The LSOAs whose centroid is inside the area (and, given `deciles`, whose deprivation decile is one of them),
    with their figures for the category and (`outlines`) their outline as GeoJSON (5 decimals, about a metre)."""
    outline = ", ST_AsGeoJSON(l.boundary, 5) AS geometry" if outlines else ""
    in_deciles = " AND l.deprivation_decile = ANY(:deciles)" if deciles is not None else ""
    sql = f"""
        SELECT {_FIGURES}{outline}
        FROM lsoa l {_JOIN_FIGURES}
        WHERE {_IN_AREA}{in_deciles}
        ORDER BY l.code
    """
    params = {"area": area, "category": category_id, "deciles": list(deciles or ())}
    return [dict(r) for r in session.execute(text(sql), params).mappings()]


def lsoa_features(session: Session, box: dict[str, float], category_id: int, area: str | None, tolerance: float,
                  digits: int, fetch: int) -> list[str]:
    """The map layer: up to `fetch` LSOAs whose outline meets the box (and, with `area`, whose centroid is inside it),
    nearest the box's centre first, as GeoJSON Feature texts with their figures for the category; outlines simplified
    to `tolerance` degrees (ST_SimplifyPreserveTopology: no ring collapses) and written with `digits` decimals."""
    where = ["l.boundary && ST_MakeEnvelope(:minlon, :minlat, :maxlon, :maxlat, 4326)"]
    if area:
        where.append(_IN_AREA)
    sql = f"""
        SELECT json_build_object(
            'type', 'Feature', 'id', f.lsoa,
            'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(f.boundary, :tolerance), :digits)::json,
            'properties', json_build_object({", ".join(f"'{n}', f.{n}" for n in PROPERTIES)})
        )::text
        FROM (
            SELECT {_FIGURES}, l.boundary
            FROM lsoa l {_JOIN_FIGURES}
            WHERE {" AND ".join(where)}
            ORDER BY l.centroid <-> ST_SetSRID(ST_MakePoint((:minlon + :maxlon) / 2, (:minlat + :maxlat) / 2), 4326)
            LIMIT :fetch
        ) f
    """
    params = {**box, "category": category_id, "area": area, "tolerance": tolerance, "digits": digits, "fetch": fetch}
    return list(session.execute(text(sql), params).scalars())


def access_by_decile(session: Session, area: str, category_id: int) -> list[dict[str, Any]]:
    """Per nation and deprivation decile of the area's LSOAs (a None decile: those without one): how many LSOAs, and
    the mean places of the category within 800 m and 1,600 m (never pooled across nations: each ranks its own LSOAs)."""
    sql = f"""
        SELECT l.nation, l.deprivation_decile AS decile, count(*) AS lsoas,
               avg(ac.places_800m)::float AS mean_800m, avg(ac.places_1600m)::float AS mean_1600m
        FROM lsoa l {_JOIN_FIGURES}
        WHERE {_IN_AREA}
        GROUP BY l.nation, l.deprivation_decile
        ORDER BY l.nation, l.deprivation_decile
    """
    return [dict(r) for r in session.execute(text(sql), {"area": area, "category": category_id}).mappings()]


def area_months(session: Session, area: str) -> list[dict[str, Any]]:
    """The area's published monthly demand (`area_demand_month`): category id, month, searches, unmet searches."""
    sql = """
        SELECT category_id, month, searches, unmet_searches FROM area_demand_month
        WHERE area_code = :area ORDER BY category_id, month
    """
    return [dict(r) for r in session.execute(text(sql), {"area": area}).mappings()]


def area_outlines_svg(session: Session, area: str, category_id: int, tolerance: float) -> list[dict[str, Any]]:
    """The area's LSOAs for a printed map: their figures (PROPERTIES) and outline as SVG path data on the British
    National Grid (metres; ST_AsSVG writes y downwards), simplified to `tolerance` degrees first."""
    sql = f"""
        SELECT {_FIGURES},
               ST_AsSVG(ST_Transform(ST_SimplifyPreserveTopology(l.boundary, :tolerance), 27700), 0, 0) AS path
        FROM lsoa l {_JOIN_FIGURES}
        WHERE {_IN_AREA} AND l.boundary IS NOT NULL
        ORDER BY l.code
    """
    params = {"area": area, "category": category_id, "tolerance": tolerance}
    return [dict(r) for r in session.execute(text(sql), params).mappings()]


def grid_extent(session: Session, area: str) -> tuple[float, float, float, float]:
    """The area's box on the British National Grid: min easting, min northing, max easting, max northing."""
    sql = "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (SELECT ST_Transform(geom, 27700)::box2d AS b FROM area WHERE code = :area) x"
    return tuple(session.execute(text(sql), {"area": area}).one())  # type: ignore[return-value]


def deprivation_loaded(session: Session) -> datetime | None:
    """When the deprivation data was last imported (`import_run`)."""
    sql = "SELECT max(finished_at) FROM import_run WHERE kind = 'deprivation' AND status = 'succeeded' AND NOT dry_run"
    return session.execute(text(sql)).scalar_one()
