"""All SQL of the asset store. Reads are hand-written SQL (one statement per request); writes use the ORM."""

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, text
from sqlmodel import Session, select

from app.areas.repository import service_areas_overlap
from app.assets.fields import Output, PlaceField, shown_in
from app.assets.freshness import stale_sql
from app.assets.models import Asset, AssetCategory, AssetHistory, AssetSession, Organisation

# An asset's category slugs (in taxonomy order) and weekly schedule, aggregated in SQL (no N+1).
CATEGORY_SLUGS = """ARRAY(
    SELECT c.slug FROM asset_category ac JOIN category c ON c.id = ac.category_id
    WHERE ac.asset_id = a.id ORDER BY c.position
)"""
SCHEDULE = """(
    SELECT coalesce(json_agg(json_build_object(
        'day', (ARRAY['mon','tue','wed','thu','fri','sat','sun'])[s.weekday + 1],
        'opens', to_char(s.opens, 'HH24:MI'), 'closes', to_char(s.closes, 'HH24:MI'), 'note', s.note
    ) ORDER BY s.weekday, s.opens), '[]')
    FROM asset_session s WHERE s.asset_id = a.id
)"""


ORGANISATION = """(
    SELECT json_build_object('name', o.name, 'website', o.website, 'email', o.email, 'phone', o.phone)
    FROM organisation o WHERE o.id = a.organisation_id
)"""
# The fields (app/assets/fields.py) that are not the column of their name on `asset a`. `location` is the public
# position (migration 0017): a place not shown exactly shows neither its address nor its postcode, which would place
# it more precisely than its position does (docs/privacy.md).
COLUMNS = {
    "lat": "ST_Y(a.location::geometry)",
    "lon": "ST_X(a.location::geometry)",
    "address": "CASE WHEN a.location_precision = 'exact' THEN a.address END",
    "postcode": "CASE WHEN a.location_precision = 'exact' THEN a.postcode END",
    "categories": CATEGORY_SLUGS,
    "schedule": SCHEDULE,
    "organisation": ORGANISATION,
    "merged_into": "a.merged_into_id",
}
# The place as stored, for the people who keep it (moderators, its claimant, API writers) and for its history:
# where it really is, its address and its postcode.
RECORD_COLUMNS = COLUMNS | {
    "lat": "ST_Y(a.exact_location::geometry)",
    "lon": "ST_X(a.exact_location::geometry)",
    "address": "a.address",
    "postcode": "a.postcode",
}


def column(
    place_field: PlaceField, timestamp: Callable[[str], str] = lambda column: f"a.{column}", record: bool = False
) -> str:
    """The SQL expression of a field on `asset a`, as the public sees it (or as stored: `record`); `timestamp` writes
    a timestamp column."""
    if place_field.kind == "when":
        return timestamp(place_field.name)
    return (RECORD_COLUMNS if record else COLUMNS).get(place_field.name, f"a.{place_field.name}")


def public_columns(timestamp: Callable[[str], str] = lambda column: f"a.{column}", record: bool = False) -> str:
    """The public shape of an asset (every field the API shows, app/assets/fields.py), as a select list on `asset a`;
    with `record`, the values as stored instead of as the public sees them.

    `timestamp` writes each timestamp column (each place's prebuilt JSON, `asset_item`, holds them as UTC text: see
    migration 0023 and tests/search/test_prebuilt_items.py)."""
    return ",\n    ".join(f"{column(f, timestamp, record)} AS {f.name}" for f in shown_in(Output.API))


PUBLIC_COLUMNS = public_columns()
RECORD = public_columns(record=True)

# What a history snapshot leaves out of the stored place (`assets.service._snapshot`): `stale` is computed.
NOT_IN_HISTORY = frozenset({"id", "created_at", "updated_at", "stale"})


def json_timestamp(column: str) -> str:
    """A timestamp column of `asset a` as pydantic writes it in JSON: seconds, microseconds only when there are any,
    "Z" for UTC, else the offset."""
    value = f"a.{column}"
    return (
        f"to_char({value}, 'YYYY-MM-DD\"T\"HH24:MI:SS') "
        f"|| CASE WHEN date_part('microseconds', {value})::bigint % 1000000 <> 0 THEN to_char({value}, '.US') ELSE '' END "
        f"|| CASE WHEN to_char({value}, 'TZH:TZM') = '+00:00' THEN 'Z' ELSE to_char({value}, 'TZH:TZM') END"
    )


# A history snapshot written by SQL (a bulk import's created places): the same select list as `RECORD`, as the
# snapshot's JSON holds it.
HISTORY_COLUMNS = ",\n    ".join(
    f"{column(f, json_timestamp, record=True)} AS {f.name}" for f in shown_in(Output.API) if f.name not in NOT_IN_HISTORY
)

# The top-level category of an asset's first category (in taxonomy order): how maps group assets into layers.
TOP_CATEGORY = """(
    SELECT split_part(c.path, '/', 1) FROM asset_category ac JOIN category c ON c.id = ac.category_id
    WHERE ac.asset_id = a.id ORDER BY c.position LIMIT 1
)"""

# The conditions on `asset a` that listings combine (app/assets/filters.py builds them from a Criteria).
# The box as a scalar subquery, evaluated once: as an expression of the parameters it made a prepared statement's
# generic plan look dear, so PostgreSQL planned the statement again on every request (app/search/repository.py says
# more of the same about the search's origin).
BBOX_FILTER = "a.location::geometry && (SELECT ST_MakeEnvelope(:minlon, :minlat, :maxlon, :maxlat, 4326))"
CATEGORY_FILTER = "EXISTS (SELECT 1 FROM asset_category f WHERE f.asset_id = a.id AND f.category_id = ANY(:category_ids))"
# The words in English (stemmed: "choirs" finds "choir") or as whole words of either language without accents ("cor"
# finds "Côr"): PostgreSQL has no Welsh stemmer (migration 0015, docs/cymraeg.md). Each side has its GIN index.
TEXT_FILTER = (
    "(a.search_vector @@ websearch_to_tsquery('english', :q) "
    "OR a.search_words @@ websearch_to_tsquery('assetmap_words', :q))"
)
FREE_FILTER = "a.free = :free"
DROP_IN_FILTER = "a.drop_in = :drop_in"
CARERS_WELCOME_FILTER = "a.carers_welcome = :carers_welcome"
LANGUAGE_FILTER = "EXISTS (SELECT 1 FROM unnest(a.languages) l WHERE lower(l) = ANY(:language_names))"
ACCESSIBILITY_FILTER = "a.accessibility @> CAST(:accessibility AS text[])"
AGE_FILTER = "(a.min_age IS NULL OR a.min_age <= :age) AND (a.max_age IS NULL OR a.max_age >= :age)"
# An asset with no minimum age is open from birth; one with no maximum age has no upper limit.
MINIMUM_AGE_FILTER = "coalesce(a.min_age, 0) >= :minimum_age"
MAXIMUM_AGE_FILTER = "a.max_age <= :maximum_age"
# Conditions on one weekly session `asset_session s`, by the Criteria field that sets each.
SESSION_CONDITIONS = {
    "weekday": "s.weekday = :weekday",
    "open_at": "s.opens <= :open_at AND s.closes > :open_at",
    "starts_from": "s.opens >= :starts_from",
    "ends_by": "s.closes <= :ends_by",
}


def session_filter(conditions: list[str]) -> str:
    """Assets with one weekly session meeting every condition on `asset_session s`."""
    return f"EXISTS (SELECT 1 FROM asset_session s WHERE s.asset_id = a.id AND {' AND '.join(conditions)})"


def get_public(session: Session, asset_id: uuid.UUID, record: bool = False) -> dict[str, Any] | None:
    """The asset as the public sees it, or as stored (`record`)."""
    sql = f"SELECT {RECORD if record else PUBLIC_COLUMNS} FROM asset a WHERE a.id = :id"
    row = session.execute(text(sql), {"id": asset_id}).mappings().first()
    return dict(row) if row else None


def get_records_json(session: Session, asset_ids: list[uuid.UUID]) -> list[str]:
    """Many assets as stored, each as one JSON object, in one statement (a bulk import's history snapshots): JSON
    text is read several times faster than rows of 40 columns."""
    sql = f"SELECT row_to_json(r)::text FROM (SELECT {RECORD} FROM asset a WHERE a.id = ANY(:ids)) r"
    return list(session.execute(text(sql), {"ids": asset_ids}).scalars())


def list_published(
    session: Session,
    filters: list[str],
    params: dict[str, Any],
    limit: int,
    offset: int,
    columns: str = PUBLIC_COLUMNS,
    order: str = "a.name, a.id",
) -> tuple[int, list[dict[str, Any]]]:
    """Published assets matching every SQL condition in `filters`, by name (or `order`); with the total count.

    `columns` is the select list on `asset a` (another shape of the same rows, such as Open Referral's).
    """
    where = " AND ".join(["a.status = 'published'", *filters])
    sql = f"""
        SELECT {columns}, count(*) OVER () AS total
        FROM asset a WHERE {where}
        ORDER BY {order} LIMIT :limit OFFSET :offset
    """
    rows = [dict(r) for r in session.execute(text(sql), {**params, "limit": limit, "offset": offset}).mappings()]
    if rows:
        return rows[0]["total"], rows
    if offset == 0:
        return 0, []
    total = session.execute(text(f"SELECT count(*) FROM asset a WHERE {where}"), params).scalar_one()
    return total, []


def list_stale(
    session: Session, filters: list[str], params: dict[str, Any], limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """Published stale assets matching `filters`, least recently verified first (never verified before all)."""
    order = "a.last_verified_at ASC NULLS FIRST, a.name, a.id"
    return list_published(session, [*filters, stale_sql()], params, limit, offset, order=order)


def get_row(session: Session, asset_id: uuid.UUID) -> Asset | None:
    return session.get(Asset, asset_id, with_for_update=True)


def count_by_source(session: Session, source: str) -> int:
    return session.execute(text("SELECT count(*) FROM asset WHERE source = :source"), {"source": source}).scalar_one()


def find_by_source(session: Session, source: str, external_id: str) -> Asset | None:
    """The asset holding this source identifier: its own, or one of a place merged into it (asset_source_id)."""
    sql = "SELECT asset_id FROM asset_source_id WHERE source = :source AND external_id = :external_id"
    asset_id = session.execute(text(sql), {"source": source, "external_id": external_id}).scalar()
    return session.get(Asset, asset_id) if asset_id else None


def identifiers(session: Session, asset_id: uuid.UUID) -> list[str]:
    """The asset's source identifiers as "source:external_id", in order."""
    sql = "SELECT source || ':' || external_id FROM asset_source_id WHERE asset_id = :id ORDER BY source, external_id"
    return list(session.execute(text(sql), {"id": asset_id}).scalars())


def other_sources(session: Session, asset_id: uuid.UUID, source: str) -> bool:
    """Whether the asset holds an identifier from a source other than `source` (a merged place)."""
    sql = "SELECT EXISTS (SELECT 1 FROM asset_source_id WHERE asset_id = :id AND source <> :source)"
    return session.execute(text(sql), {"id": asset_id, "source": source}).scalar_one()


def replace_identifier(
    session: Session, asset_id: uuid.UUID, old: tuple[str | None, str | None], new: tuple[str | None, str | None]
) -> None:
    """The asset's own (source, external_id) changed from `old` to `new`: its identifier row follows."""
    if old[0] and old[1]:
        session.execute(
            text("DELETE FROM asset_source_id WHERE asset_id = :id AND source = :source AND external_id = :external_id"),
            {"id": asset_id, "source": old[0], "external_id": old[1]},
        )
    if new[0] and new[1]:
        session.execute(
            text("INSERT INTO asset_source_id (source, external_id, asset_id) VALUES (:source, :external_id, :id)"),
            {"id": asset_id, "source": new[0], "external_id": new[1]},
        )


def imported_values(session: Session, source: str, external_id: str) -> dict[str, Any] | None:
    sql = "SELECT imported FROM asset_source_id WHERE source = :source AND external_id = :external_id"
    return session.execute(text(sql), {"source": source, "external_id": external_id}).scalar()


def remember_imported(session: Session, source: str, external_id: str, values: dict[str, Any]) -> None:
    """Keeps what the source gave; the digest of a row the bulk path wrote no longer says what the source gave last."""
    session.execute(
        text(
            "UPDATE asset_source_id SET imported = CAST(:values AS jsonb), row_digest = NULL "
            "WHERE source = :source AND external_id = :external_id"
        ),
        {"source": source, "external_id": external_id, "values": json.dumps(values)},
    )


def move_identifiers(session: Session, from_id: uuid.UUID, to_id: uuid.UUID) -> None:
    session.execute(text("UPDATE asset_source_id SET asset_id = :to WHERE asset_id = :from"), {"from": from_id, "to": to_id})


def likely_duplicate(candidate: str, location: str, name: str) -> str:
    """The one rule for a likely duplicate, on `asset <candidate>`: not archived, within :radius metres of `location`,
    a name at least :similarity alike (pg_trgm) to `name` (DUPLICATE_RADIUS_M, DUPLICATE_MIN_SIMILARITY). Uses
    ix_asset_exact_location and ix_asset_name_trgm: places are compared where they really are. Moderation's
    new-place check and the imports' check share it."""
    return (
        f"{candidate}.status <> 'archived' AND ST_DWithin({candidate}.exact_location, {location}, :radius) "
        f"AND similarity({candidate}.name, {name}) >= :similarity"
    )


def likely_duplicate_remote(candidate: str, delivery: str, service_areas: str, name: str) -> str:
    """The rule for services without a place, which have no position to compare (`delivery` and `service_areas`: SQL
    of the other's): both by phone, online or at home, not archived, names at least :similarity alike, and service
    areas reaching some of the same people (areas.repository.service_areas_overlap). A few rows
    (ix_asset_delivered_remotely); kept apart from likely_duplicate so that its indexes still serve places."""
    return (
        f"{candidate}.status <> 'archived' AND {candidate}.delivery <> 'location' AND {delivery} <> 'location' "
        f"AND similarity({candidate}.name, {name}) >= :similarity "
        f"AND {service_areas_overlap(f'{candidate}.service_areas', service_areas)}"
    )


# The places an import of :source wrote since :since (`a`), and the places holding none of its identifiers (`d`): a
# likely duplicate pairs one of each.
_WRITTEN = (
    "a.status <> 'archived' AND a.updated_at >= :since "
    "AND EXISTS (SELECT 1 FROM asset_source_id i WHERE i.asset_id = a.id AND i.source = :source)"
)
_OTHER = "d.status <> 'archived' AND NOT EXISTS (SELECT 1 FROM asset_source_id j WHERE j.asset_id = d.id AND j.source = :source)"
_SIDES = """
    SELECT count(*) FILTER (WHERE i.asset_id IS NOT NULL AND a.updated_at >= :since), count(*) FILTER (WHERE i.asset_id IS NULL)
    FROM asset a LEFT JOIN (SELECT DISTINCT asset_id FROM asset_source_id WHERE source = :source) i ON i.asset_id = a.id
    WHERE a.status <> 'archived'
"""


def _place_pairs(outer: str, inner: str) -> str:
    """The likely duplicates between `a` and `d` (see _WRITTEN, _OTHER) that share no source, found from each place of
    side `outer` through the GiST index on the other side's positions: the smaller side leads."""
    return f"""
        INSERT INTO asset_duplicate (asset_id, other_id, similarity, distance_m)
        SELECT DISTINCT ON (least(a.id, d.id), greatest(a.id, d.id))
               least(a.id, d.id), greatest(a.id, d.id), similarity(d.name, a.name), ST_Distance(d.exact_location, a.exact_location)
        FROM asset {outer} CROSS JOIN LATERAL (
            SELECT * FROM asset {inner}
            WHERE {inner}.id <> {outer}.id AND {likely_duplicate(inner, f"{outer}.exact_location", f"{outer}.name")}
        ) {inner}
        WHERE {_WRITTEN} AND {_OTHER}
          AND NOT EXISTS (
              SELECT 1 FROM asset_source_id i JOIN asset_source_id j ON j.source = i.source
              WHERE i.asset_id = a.id AND j.asset_id = d.id
          )
        ON CONFLICT (asset_id, other_id) DO NOTHING
    """


def flag_duplicates(session: Session, sources: list[str], since: datetime, params: dict[str, Any]) -> int:
    """Records pairs of likely duplicates between the unarchived assets of `sources` written since `since` and any
    place that shares no source with them; a pair recorded before (or dismissed) is left as it is. How many are new.

    Places are paired one source at a time, from whichever side is smaller: the places written, or the places holding
    none of the source's identifiers (none at all on a source's first import into a database of its own places)."""
    # Services without a place: the same, by their service areas (distance_m 0: they have no position).
    remote_sql = f"""
        INSERT INTO asset_duplicate (asset_id, other_id, similarity, distance_m)
        SELECT DISTINCT ON (least(a.id, d.id), greatest(a.id, d.id))
               least(a.id, d.id), greatest(a.id, d.id), similarity(d.name, a.name), 0
        FROM asset a JOIN asset d ON d.id <> a.id AND {likely_duplicate_remote("d", "a.delivery", "a.service_areas", "a.name")}
        WHERE a.status <> 'archived' AND a.delivery <> 'location' AND a.updated_at >= :since
          AND EXISTS (SELECT 1 FROM asset_source_id i WHERE i.asset_id = a.id AND i.source = ANY(:sources))
          AND NOT EXISTS (
              SELECT 1 FROM asset_source_id i JOIN asset_source_id j ON j.source = i.source
              WHERE i.asset_id = a.id AND j.asset_id = d.id
          )
        ON CONFLICT (asset_id, other_id) DO NOTHING
    """
    session.execute(text("SET LOCAL statement_timeout = 0"))  # a bulk import's check of 100,000s of places
    values = {**params, "sources": sources, "since": since}
    found = session.execute(text(remote_sql), values).rowcount
    for source in sources:
        written, other = session.execute(text(_SIDES), values | {"source": source}).one()
        if written and other:
            sql = _place_pairs("a", "d") if written <= other else _place_pairs("d", "a")
            found += session.execute(text(sql), values | {"source": source}).rowcount
    return found


def dismiss_duplicate(session: Session, first: uuid.UUID, second: uuid.UUID, actor: str) -> None:
    """The two are not the same place: the pair is kept as dismissed, so no import flags it again."""
    session.execute(
        text(
            """
            INSERT INTO asset_duplicate (asset_id, other_id, similarity, distance_m, dismissed_by, dismissed_at)
            SELECT least(a.id, b.id), greatest(a.id, b.id), similarity(a.name, b.name), ST_Distance(a.exact_location, b.exact_location),
                   :actor, now()
            FROM asset a, asset b WHERE a.id = :first AND b.id = :second
            ON CONFLICT (asset_id, other_id) DO UPDATE SET dismissed_by = :actor, dismissed_at = now()
            """
        ),
        {"first": first, "second": second, "actor": actor},
    )


def listed_external_ids(session: Session, source: str) -> set[str]:
    """The external ids from this source held by unarchived assets (an importer checks whether it still lists them)."""
    sql = """
        SELECT i.external_id FROM asset_source_id i JOIN asset a ON a.id = i.asset_id
        WHERE i.source = :source AND a.status <> 'archived'
    """
    return set(session.execute(text(sql), {"source": source}).scalars())


def find_organisation(session: Session, source: str | None, external_id: str | None, name: str) -> Organisation | None:
    """The organisation with this identity: its id in `source` when it has one, else its name within `source`
    (`None`: organisations entered through the API, matched by name among themselves). Never by name across sources."""
    query = select(Organisation).where(Organisation.source == source) if source else select(Organisation).where(Organisation.source.is_(None))  # type: ignore[union-attr]
    if external_id:
        query = query.where(Organisation.external_id == external_id)
    else:
        query = query.where(Organisation.external_id.is_(None), Organisation.name == name)  # type: ignore[union-attr]
    return session.exec(query).first()


def save_organisation(session: Session, org: Organisation) -> Organisation:
    session.add(org)
    session.flush()
    return org


def replace_categories(session: Session, asset_id: uuid.UUID, category_ids: list[int], clear: bool = True) -> None:
    """Sets the asset's categories; `clear=False` for a new asset, which has none to delete."""
    if clear:
        session.execute(delete(AssetCategory).where(AssetCategory.asset_id == asset_id))
    session.add_all(AssetCategory(asset_id=asset_id, category_id=cid) for cid in category_ids)


def replace_schedule(session: Session, asset_id: uuid.UUID, sessions: list[AssetSession], clear: bool = True) -> None:
    """Sets the asset's weekly sessions; `clear=False` for a new asset, which has none to delete."""
    if clear:
        session.execute(delete(AssetSession).where(AssetSession.asset_id == asset_id))
    for s in sessions:
        s.asset_id = asset_id
    session.add_all(sessions)


def add_history(session: Session, entry: AssetHistory) -> None:
    session.add(entry)


def history(session: Session, asset_id: uuid.UUID) -> list[AssetHistory]:
    return list(
        session.exec(select(AssetHistory).where(AssetHistory.asset_id == asset_id).order_by(AssetHistory.changed_at, AssetHistory.id))
    )
