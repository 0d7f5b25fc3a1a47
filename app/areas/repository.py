"""All SQL of areas, including the one condition every asset query uses to keep to an area."""

from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from app.areas.models import WHOLE_UK, AreaLevel

# Assets (`asset a`) inside the area `:area`, its border included. The subquery runs once (an InitPlan), so the
# planner can use ix_asset_geom for the bounding-box step, and PostGIS prepares the polygon once per statement.
AREA_FILTER = "ST_Intersects(a.location::geometry, (SELECT geom FROM area WHERE code = :area))"
# Assets (`asset a`) really inside any of the areas `:areas` (a list of codes), such as a moderator's councils: by
# where each place is, not its public position (docs/privacy.md), as the moderators' checks of one place are.
ANY_AREA_FILTER = (
    "EXISTS (SELECT 1 FROM area ar WHERE ar.code = ANY(:areas) AND ST_Intersects(ar.geom, a.exact_location::geometry))"
)

# Services delivered by phone, online or at home (`asset a`) whose service areas hold the point (:lon, :lat): the whole
# UK, or an area whose outline covers it (migration 0021).
SERVES_POINT_FILTER = (
    "a.delivery <> 'location' AND (:whole_uk = ANY(a.service_areas) OR EXISTS (SELECT 1 FROM area ar "
    "WHERE ar.code = ANY(a.service_areas) AND ST_Intersects(ar.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))))"
)

# Services delivered by phone, online or at home (`asset a`) that serve people in the area `:area` (the nearby search's
# `area=`): the whole UK, or a service area holding it or lying within it. ONS areas nest (councils in counties,
# regions, nations), so each test is a point inside one outline against the other; a neighbour sharing a border, or a
# sliver where generalised outlines overlap, does not count.
def _nested(one: str, other: str) -> str:
    """Two rows of `area` of which one holds the other (either way round): a point inside each tested against the
    other's outline."""
    return (
        f"(ST_Intersects({one}.geom, ST_PointOnSurface({other}.geom)) "
        f"OR ST_Intersects({other}.geom, ST_PointOnSurface({one}.geom)))"
    )


SERVES_AREA_FILTER = (
    "a.delivery <> 'location' AND (:whole_uk = ANY(a.service_areas) OR EXISTS (SELECT 1 FROM area ar, area chosen "
    f"WHERE chosen.code = :area AND ar.code = ANY(a.service_areas) AND {_nested('ar', 'chosen')}))"
)


def service_areas_overlap(one: str, other: str) -> str:
    """The SQL condition: two lists of service areas (SQL text[] expressions) reach some of the same people: a code in
    common, the whole UK in either, or an area of one holding, or lying within, an area of the other (as
    SERVES_AREA_FILTER tests them). The duplicates check of services without a place uses it."""
    return (
        f"({one} && {other} OR '{WHOLE_UK}' = ANY({one}) OR '{WHOLE_UK}' = ANY({other}) OR EXISTS (SELECT 1 FROM area "
        f"x, area y WHERE x.code = ANY({one}) AND y.code = ANY({other}) AND {_nested('x', 'y')}))"
    )

_TIERS = "ARRAY[" + ", ".join(f"'{level.value}'" for level in AreaLevel) + "]"

_SUMMARY = """
    code, name, levels,
    ARRAY[ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom)] AS bbox
"""


def exists(session: Session, code: str) -> bool:
    return session.execute(text("SELECT EXISTS (SELECT 1 FROM area WHERE code = :code)"), {"code": code}).scalar_one()


def existing(session: Session, codes: list[str]) -> set[str]:
    """Which of the codes are areas."""
    sql = "SELECT code FROM area WHERE code = ANY(:codes)"
    return set(session.execute(text(sql), {"codes": codes}).scalars())


def codes_by_name(session: Session, names: list[str]) -> dict[str, str]:
    """{lower-case name: code} of the areas named so (any case); the most local first when two share a name."""
    sql = """SELECT DISTINCT ON (lower(name)) lower(name) AS key, code FROM area WHERE lower(name) = ANY(:names)
             ORDER BY lower(name), array_position(ARRAY['ltla', 'utla', 'region', 'country'], levels[1]), code"""
    return {r.key: r.code for r in session.execute(text(sql), {"names": [n.lower() for n in names]})}


def summaries(session: Session, codes: list[str]) -> list[dict[str, Any]]:
    """The areas with these codes, without their outlines, in the order of `codes`."""
    sql = f"SELECT {_SUMMARY} FROM area WHERE code = ANY(:codes) ORDER BY array_position(:codes, code)"
    return [dict(r) for r in session.execute(text(sql), {"codes": codes}).mappings()]


def any_loaded(session: Session) -> bool:
    return session.execute(text("SELECT EXISTS (SELECT 1 FROM area)")).scalar_one()


def count_at_level(session: Session, level: AreaLevel) -> int:
    return session.execute(text("SELECT count(*) FROM area WHERE :level = ANY(levels)"), {"level": level.value}).scalar_one()


def find(
    session: Session, q: str | None, level: AreaLevel | None, limit: int, also: list[str] | None = None
) -> list[dict[str, Any]]:
    """Areas whose code is `q` or whose name contains it (any case), or whose code is in `also` (those whose Welsh
    name holds it): exact matches, then names starting with it."""
    where = ["TRUE"]
    params: dict[str, Any] = {"limit": limit, "also": also or []}
    order = ["name", f"array_position({_TIERS}, levels[1])", "code"]
    if level:
        where.append(":level = ANY(levels)")
        params["level"] = level.value
    if q:
        exact = "upper(code) = upper(:q) OR lower(name) = lower(:q)"
        where.append("(upper(code) = upper(:q) OR name ILIKE :contains ESCAPE '\\' OR code = ANY(:also))")
        params.update(q=q, contains=f"%{_escape_like(q)}%", starts=f"{_escape_like(q)}%")
        order.insert(0, f"CASE WHEN {exact} THEN 0 WHEN name ILIKE :starts ESCAPE '\\' THEN 1 ELSE 2 END")
    sql = f"SELECT {_SUMMARY} FROM area WHERE {' AND '.join(where)} ORDER BY {', '.join(order)} LIMIT :limit"
    return [dict(r) for r in session.execute(text(sql), params).mappings()]


def get(session: Session, code: str, outline: bool = True) -> dict[str, Any] | None:
    geometry = ", ST_AsGeoJSON(geom, 6)::json AS geometry" if outline else ""
    sql = f"SELECT {_SUMMARY}{geometry} FROM area WHERE code = :code"
    row = session.execute(text(sql), {"code": code}).mappings().first()
    return dict(row) if row else None


def allow_long_statements(session: Session) -> None:
    """Lifts the web statement timeout for the rest of this transaction: mending a big outline can take seconds."""
    session.execute(text("SET LOCAL statement_timeout = 0"))


def repair(session: Session, geojson: str) -> tuple[bytes | None, bool]:
    """A GeoJSON (Multi)Polygon as a valid MultiPolygon (EWKB) mended by ST_MakeValid, or None if no area is left;
    and whether its coordinates are plausible longitudes and latitudes."""
    sql = """
        SELECT CASE WHEN NOT ST_IsEmpty(g) THEN ST_AsEWKB(g) END AS shape,
               ST_XMin(g) >= -180 AND ST_XMax(g) <= 180 AND ST_YMin(g) >= -90 AND ST_YMax(g) <= 90 AS lonlat
        FROM (SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(:geojson), 4326)), 3)) AS g) s
    """
    row = session.execute(text(sql), {"geojson": geojson}).one()
    return row.shape, bool(row.lonlat)


def upsert(session: Session, code: str, name: str, level: AreaLevel, ewkb: bytes) -> str:
    """Adds or updates one area; returns "created", "updated" or "unchanged".

    A code loaded at a second level (a unitary council is in both the ltla and the utla file) gains that level.
    """
    sql = f"""
        INSERT INTO area AS t (code, name, levels, geom)
        VALUES (:code, :name, ARRAY[:level], ST_GeomFromEWKB(:ewkb))
        ON CONFLICT (code) DO UPDATE SET
            name = excluded.name,
            geom = excluded.geom,
            levels = ARRAY(SELECT l FROM unnest({_TIERS}) AS l WHERE l = ANY(t.levels || excluded.levels))
        WHERE t.name IS DISTINCT FROM excluded.name
           OR NOT t.levels @> excluded.levels
           OR ST_AsEWKB(t.geom) IS DISTINCT FROM ST_AsEWKB(excluded.geom)
        RETURNING (xmax = 0) AS created
    """
    params = {"code": code, "name": name, "level": level.value, "ewkb": ewkb}
    created = session.execute(text(sql), params).scalar_one_or_none()
    if created is None:
        return "unchanged"
    return "created" if created else "updated"


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
