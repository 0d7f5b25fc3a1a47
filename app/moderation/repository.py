"""All SQL of moderation: the queue, a submission's details and likely duplicates, area limits, duplicate pairs
and purging decided submissions' private details."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from app.areas.repository import service_areas_overlap
from app.assets.repository import likely_duplicate, likely_duplicate_remote


def area_filter(point: str) -> str:
    """Rows whose `point` (a submission's `s.location`, a place's `a.exact_location`: where it really is) lies in one
    of the council areas `:areas` (the `area` outlines)."""
    return f"EXISTS (SELECT 1 FROM area ar WHERE ar.code = ANY(:areas) AND ST_Intersects(ar.geom, {point}::geometry))"


AREA_FILTER = area_filter("s.location")

# An existing, unarchived asset near `s` with a name like the one proposed (not the one its approval created): the
# asset store's one duplicate rule (`assets.repository.likely_duplicate`), which imports use too.
_DUPLICATE_ASSET = f"""
    {likely_duplicate("d", "s.location", "s.proposed->>'name'")} AND d.id IS DISTINCT FROM s.asset_id
"""


def _proposed_areas(submission: str) -> str:
    """The service areas a submission proposes, as text[]."""
    return f"ARRAY(SELECT jsonb_array_elements_text(coalesce({submission}.proposed->'service_areas', '[]')))"


# The same for a proposed service without a place, which has no position: an existing one by phone, online or at home
# with a name like it and service areas reaching some of the same people (`likely_duplicate_remote`).
_DUPLICATE_REMOTE_ASSET = f"""
    {likely_duplicate_remote("d", "s.proposed->>'delivery'", _proposed_areas("s"), "s.proposed->>'name'")}
    AND d.id IS DISTINCT FROM s.asset_id
"""


def in_areas(session: Session, submission_id: uuid.UUID, areas: list[str]) -> bool:
    sql = f"SELECT EXISTS (SELECT 1 FROM submission s WHERE s.id = :id AND {AREA_FILTER})"
    return session.execute(text(sql), {"id": submission_id, "areas": areas}).scalar_one()


def point_in_areas(session: Session, lat: float, lon: float, areas: list[str]) -> bool:
    sql = """
        SELECT EXISTS (
            SELECT 1 FROM area ar
            WHERE ar.code = ANY(:areas) AND ST_Intersects(ar.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
        )
    """
    return session.execute(text(sql), {"lat": lat, "lon": lon, "areas": areas}).scalar_one()


def listed_place_in_areas(session: Session, source: str, external_id: str, areas: list[str]) -> bool | None:
    """Whether the place already holding this source identifier really lies in one of the council areas (a place with
    no position lies in none); None when no place holds it."""
    sql = f"""
        SELECT {area_filter("a.exact_location")} FROM asset_source_id i JOIN asset a ON a.id = i.asset_id
        WHERE i.source = :source AND i.external_id = :external_id
    """
    params = {"source": source, "external_id": external_id, "areas": areas}
    return session.execute(text(sql), params).scalar()


_ITEM_COLUMNS = f"""
    s.id, s.reference, s.kind, s.status, s.asset_id, s.reason, s.created_at, s.decided_at,
    coalesce(s.proposed->>'name', a.name) AS place_name,
    ST_Y(s.location::geometry) AS lat, ST_X(s.location::geometry) AS lon,
    (s.kind = 'new' AND (EXISTS (SELECT 1 FROM asset d WHERE {_DUPLICATE_ASSET})
                         OR EXISTS (SELECT 1 FROM asset d WHERE {_DUPLICATE_REMOTE_ASSET}))) AS possible_duplicate
"""


def queue(
    session: Session, filters: list[str], params: dict[str, Any], limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """Submissions matching every condition in `filters`, oldest first, with the total count."""
    where = " AND ".join(filters) or "true"
    sql = f"""
        SELECT {_ITEM_COLUMNS}, count(*) OVER () AS total
        FROM submission s LEFT JOIN asset a ON a.id = s.asset_id
        WHERE {where} ORDER BY s.created_at, s.id LIMIT :limit OFFSET :offset
    """
    rows = [dict(r) for r in session.execute(text(sql), {**params, "limit": limit, "offset": offset}).mappings()]
    if rows or offset == 0:
        return (rows[0]["total"] if rows else 0), rows
    total = session.execute(text(f"SELECT count(*) FROM submission s WHERE {where}"), params).scalar_one()
    return total, []


def item(session: Session, submission_id: uuid.UUID, params: dict[str, Any]) -> dict[str, Any] | None:
    sql = f"SELECT {_ITEM_COLUMNS} FROM submission s LEFT JOIN asset a ON a.id = s.asset_id WHERE s.id = :id"
    row = session.execute(text(sql), {**params, "id": submission_id}).mappings().first()
    return dict(row) if row else None


def duplicates(
    session: Session, submission_id: uuid.UUID, params: dict[str, Any], areas: list[str] | None = None
) -> list[dict[str, Any]]:
    """Likely duplicates of a new submission: existing assets, then other pending new submissions (only those inside
    `areas`, when given: a moderator's councils), most similar first; for a service without a place, those alike by
    name and service areas, with no distance (None)."""
    in_areas = f"AND {area_filter('o.location')}" if areas else ""
    sql = f"""
        SELECT * FROM (
            SELECT 'asset' AS source, d.id, d.name, d.address, d.postcode, d.status,
                   ST_Distance(d.exact_location, s.location) AS distance_m, similarity(d.name, s.proposed->>'name') AS similarity
            FROM submission s JOIN asset d ON {_DUPLICATE_ASSET}
            WHERE s.id = :id AND s.kind = 'new'
            UNION ALL
            SELECT 'submission', o.id, o.proposed->>'name', o.proposed->>'address', o.proposed->>'postcode', o.status,
                   ST_Distance(o.location, s.location), similarity(o.proposed->>'name', s.proposed->>'name')
            FROM submission s JOIN submission o
              ON o.id <> s.id AND o.kind = 'new' AND o.status = 'pending'
             AND ST_DWithin(o.location, s.location, :radius)
             AND similarity(o.proposed->>'name', s.proposed->>'name') >= :similarity {in_areas}
            WHERE s.id = :id AND s.kind = 'new'
            UNION ALL
            -- services without a place: no distance (NULL), alike by name and service areas
            SELECT 'asset', d.id, d.name, d.address, d.postcode, d.status, NULL, similarity(d.name, s.proposed->>'name')
            FROM submission s JOIN asset d ON {_DUPLICATE_REMOTE_ASSET}
            WHERE s.id = :id AND s.kind = 'new'
            UNION ALL
            SELECT 'submission', o.id, o.proposed->>'name', o.proposed->>'address', o.proposed->>'postcode', o.status,
                   NULL, similarity(o.proposed->>'name', s.proposed->>'name')
            FROM submission s JOIN submission o
              ON o.id <> s.id AND o.kind = 'new' AND o.status = 'pending' AND o.location IS NULL
             AND o.proposed->>'delivery' <> 'location' AND s.proposed->>'delivery' <> 'location'
             AND similarity(o.proposed->>'name', s.proposed->>'name') >= :similarity
             AND {service_areas_overlap(_proposed_areas("o"), _proposed_areas("s"))} {in_areas}
            WHERE s.id = :id AND s.kind = 'new'
        ) found
        ORDER BY source, similarity DESC, distance_m LIMIT 10
    """
    values = {**params, "id": submission_id, **({"areas": areas} if areas else {})}
    return [dict(r) for r in session.execute(text(sql), values).mappings()]


def _place(alias: str) -> str:
    return (
        f"json_build_object('id', {alias}.id, 'name', {alias}.name, 'address', {alias}.address, 'postcode', "
        f"{alias}.postcode, 'source', {alias}.source, 'external_id', {alias}.external_id, 'status', {alias}.status, "
        f"'delivery', {alias}.delivery)"
    )


def duplicate_pairs(
    session: Session, areas: list[str] | None, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """Pairs of likely duplicates imports flagged (`asset_duplicate`) that nobody has dismissed and whose places are
    both still unarchived (a merge archives one), most alike first; only pairs inside `areas` when given."""
    where = ["p.dismissed_at IS NULL", "a.status <> 'archived'", "b.status <> 'archived'"]
    if areas:
        where += [area_filter("a.exact_location"), area_filter("b.exact_location")]
    sql = f"""
        SELECT {_place("a")} AS first, {_place("b")} AS second, p.similarity,
               CASE WHEN a.delivery = 'location' AND b.delivery = 'location' THEN p.distance_m END AS distance_m, p.found_at,
               count(*) OVER () AS total
        FROM asset_duplicate p JOIN asset a ON a.id = p.asset_id JOIN asset b ON b.id = p.other_id
        WHERE {" AND ".join(where)}
        ORDER BY p.similarity DESC, p.distance_m, p.found_at LIMIT :limit OFFSET :offset
    """
    values = {"limit": limit, "offset": offset, **({"areas": areas} if areas else {})}
    rows = [dict(r) for r in session.execute(text(sql), values).mappings()]
    return (rows[0]["total"] if rows else 0), rows


def purge_private(session: Session, decided_before: datetime) -> int:
    """Deletes the submitter's details and note from submissions decided before the cut-off."""
    result = session.execute(
        text(
            """
            UPDATE submission SET submitter_name = NULL, submitter_email = NULL, note = NULL, consent = false,
                   purged_at = now()
            WHERE status <> 'pending' AND decided_at < :cutoff AND purged_at IS NULL
            """
        ),
        {"cutoff": decided_before},
    )
    session.commit()
    return result.rowcount
