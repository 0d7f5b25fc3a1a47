"""The SQL of bulk imports (assets.service.upsert_many_by_source): rows are COPied into a temporary staging table,
`import_stage`, and applied to the asset store with a handful of set-based statements.

The staging table lives for one transaction (ON COMMIT DROP), so a dry run's rollback leaves nothing behind. Its
plain field columns are made from `asset`'s own (same names, same types), plus:
  n            the row's place in the batch, to tell the caller which outcome is whose
  new_id       the id a new asset gets (made by the table: gen_random_uuid()); asset_id is the asset it updates
               (or, once created, new_id)
  lon, lat     where it really is (exact_location); null keeps an existing asset where it is
  category_ids the categories' ids; weekdays/opens/closes/notes the weekly sessions, as parallel arrays
  given        what the source gave (JSON), remembered in asset_source_id.imported
  row_digest   the digest of the source's row (app/imports/digests.py), remembered with asset_updated_at: the
               asset's updated_at when the row was compared with it (or written over it), so that an edit
               committed since by someone else leaves the digest vouching for nothing
"""

import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from psycopg.errors import LockNotAvailable
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.assets.repository import HISTORY_COLUMNS

STAGE = "import_stage"
EXTRA_COLUMNS = {
    "n": "integer",
    "asset_id": "uuid",
    "created": "boolean NOT NULL DEFAULT false",
    "lon": "double precision",
    "lat": "double precision",
    "category_ids": "integer[]",
    "weekdays": "smallint[]",
    "opens": "time[]",
    "closes": "time[]",
    "notes": "text[]",
    "given": "jsonb",
    "row_digest": "bytea",
    "asset_updated_at": "timestamptz",
}
COPY_LINES = 1_000  # rows of text `_copy` hands to psycopg at once
POINT = "ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326)::geography"
# The categories and sessions of `a` and of the staged row `s`, each as one comparable, ordered array.
CATEGORIES_NOW = "ARRAY(SELECT c.category_id FROM asset_category c WHERE c.asset_id = a.id ORDER BY 1)"
CATEGORIES_STAGED = "ARRAY(SELECT DISTINCT x FROM unnest(s.category_ids) x ORDER BY 1)"
SESSION_TEXT = "format('%s %s %s %s', {p}weekday, {p}opens, {p}closes, {p}note)"
SESSIONS_NOW = (
    f"ARRAY(SELECT {SESSION_TEXT.format(p='o.')} FROM asset_session o WHERE o.asset_id = a.id "
    "ORDER BY o.weekday, o.opens, o.closes, o.note)"
)
SESSIONS_STAGED = (
    f"ARRAY(SELECT {SESSION_TEXT.format(p='u.')} FROM unnest(s.weekdays, s.opens, s.closes, s.notes) "
    "AS u(weekday, opens, closes, note) ORDER BY u.weekday, u.opens, u.closes, u.note)"
)
# A source's date replaces the asset's only when it is later (assets.service.upsert_by_source).
LATER_VERIFIED = "s.last_verified_at IS NOT NULL AND (a.last_verified_at IS NULL OR s.last_verified_at > a.last_verified_at)"


def create_stage(session: Session, plain: Sequence[str]) -> list[str]:
    """Makes an empty `import_stage` for rows with these plain fields (and postcode); returns its COPY columns."""
    own = ["source", "external_id", "postcode", *plain]
    session.execute(text("SET LOCAL statement_timeout = 0"))  # set-based statements on thousands of rows, not a request
    session.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))
    session.execute(
        text(f"CREATE TEMP TABLE {STAGE} ON COMMIT DROP AS SELECT id AS new_id, {', '.join(own)} FROM asset WITH NO DATA")
    )
    # A new asset's id is made here rather than in Python, where uuid4's system call per row let the other writer's
    # thread take the GIL (runner.BULK_WRITERS).
    session.execute(text(
        f"ALTER TABLE {STAGE} ALTER COLUMN new_id SET DEFAULT gen_random_uuid(), "
        + ", ".join(f"ADD COLUMN {c} {t}" for c, t in EXTRA_COLUMNS.items())
    ))
    return [*own, *(c for c in EXTRA_COLUMNS if c not in ("asset_id", "created", "asset_updated_at"))]


def _escaped(value: str) -> str:
    """`value` in COPY's text format: a backslash, tab, newline or carriage return written escaped. str.replace is a
    few times quicker than str.translate over a long value (a row's JSON), and returns the value itself when it holds
    nothing to replace."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_value(value: Any) -> str:
    """One value in COPY's text format: None, booleans, lists (as array literals), and anything whose str() the
    column's type reads (text, numbers, uuids, ISO dates and times, JSON text). Cheaper than psycopg's per-value
    adaptation, which a bulk import would otherwise spend most of its COPY time in."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, bytes):
        return "\\\\x" + value.hex()  # bytea's hex input, its backslash escaped
    if isinstance(value, list):
        value = "{" + ",".join(
            "NULL" if v is None else '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in value
        ) + "}"
    return _escaped(str(value))


def _copy(session: Session, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    """Runs COPY … FROM STDIN with the rows, over the session's own connection (so in its transaction). Text, the
    most common value, is escaped without a call of `_copy_value`, and the lines go to psycopg COPY_LINES at a time,
    as each write costs a call into libpq."""
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    lines: list[str] = []
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            lines.append("\t".join([_escaped(v) if v.__class__ is str else _copy_value(v) for v in row]))
            if len(lines) == COPY_LINES:
                copy.write("\n".join(lines) + "\n")
                lines.clear()
        if lines:
            copy.write("\n".join(lines) + "\n")


def copy_stage(session: Session, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """COPY the rows into `import_stage`."""
    _copy(session, f"COPY {STAGE} ({', '.join(columns)}) FROM STDIN", rows)


def match_stage(session: Session) -> list[int]:
    """Finds the asset each staged row updates (by its source identifier). Rows whose asset also holds another
    source's identifier and was imported before (a merged place, where each source changes only what changed in it)
    leave the stage; their numbers are returned for the one-row path."""
    session.execute(
        text(
            f"""UPDATE {STAGE} s SET asset_id = i.asset_id,
                       asset_updated_at = CASE WHEN s.row_digest IS NOT NULL THEN a.updated_at END
                FROM asset_source_id i JOIN asset a ON a.id = i.asset_id
                WHERE i.source = s.source AND i.external_id = s.external_id"""
        )
    )
    sql = f"""
        DELETE FROM {STAGE} s USING asset_source_id i
        WHERE i.source = s.source AND i.external_id = s.external_id AND i.imported IS NOT NULL
          AND EXISTS (SELECT 1 FROM asset_source_id o WHERE o.asset_id = i.asset_id AND o.source <> i.source)
        RETURNING s.n
    """
    return list(session.execute(text(sql)).scalars())


def insert_new(
    session: Session, plain: Sequence[str], status: str, now: datetime, categories: bool, schedule: bool
) -> dict[int, uuid.UUID]:
    """Creates an asset for each staged row that matched none, with its identifier (remembering what the source
    gave), categories and sessions; returns {n: new asset id}."""
    fields = [c for c in plain if c != "status"]
    given_status = "s.status" if "status" in plain else "NULL"
    with _items_written_once(session, "s.created"):
        session.execute(
            text(
                f"""INSERT INTO asset (id, source, external_id, postcode, exact_location, status, updated_at{''.join(f', {c}' for c in fields)})
                    SELECT s.new_id, s.source, s.external_id, s.postcode, {POINT}, coalesce({given_status}, :status), :now
                           {''.join(f', s.{c}' for c in fields)}
                    FROM {STAGE} s WHERE s.asset_id IS NULL"""
            ),
            {"status": status, "now": now},
        )
        created = session.execute(
            text(
                f"""UPDATE {STAGE} SET asset_id = new_id, created = true,
                       asset_updated_at = CASE WHEN row_digest IS NOT NULL THEN CAST(:now AS timestamptz) END
                    WHERE asset_id IS NULL RETURNING n, new_id"""
            ),
            {"now": now},
        ).all()
        session.execute(
            text(
                f"""INSERT INTO asset_source_id (source, external_id, asset_id, imported, row_digest, asset_updated_at)
                    SELECT s.source, s.external_id, s.asset_id, s.given, s.row_digest, s.asset_updated_at
                    FROM {STAGE} s WHERE s.created"""
            )
        )
        write_parts(session, "s.created", categories, schedule, clear=False)
        _analyze_when_grown(session, len(created))
    return {n: asset_id for n, asset_id in created}


_ANALYZED = "asset_category, asset_session, asset_source_id"


def _analyze_when_grown(session: Session, created: int) -> None:
    """Refreshes the planner's statistics of the tables a batch fills when it grew them by half or more (a first import
    into a new database): planned as if they were empty, the per-asset subqueries of the prebuilt items and history
    snapshots run several times slower, and autovacuum (off on some servers) catches up only after the import. `asset`
    is left out: its plans here do not depend on them, and its wide rows take longest to sample."""
    rows = session.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'asset_source_id'::regclass")).scalar_one()
    if created * 2 <= max(rows, 0):
        return
    # ANALYZE holds its lock until the transaction ends, so another writer's ANALYZE (runner.BULK_WRITERS) would wait
    # for this whole batch: when the tables are being analysed already, that writer's statistics do.
    try:
        with session.begin_nested():
            session.execute(text(f"LOCK TABLE {_ANALYZED} IN SHARE UPDATE EXCLUSIVE MODE NOWAIT"))
    except OperationalError as exc:
        if not isinstance(exc.orig, LockNotAvailable):
            raise
        return
    session.execute(text(f"ANALYZE {_ANALYZED}"))


@contextmanager
def _items_written_once(session: Session, where: str, params: dict[str, Any] | None = None) -> Iterator[None]:
    """The block's writes to assets, their categories and sessions leave `asset_item` and `asset_tile_point` to this
    (migrations 0024 and 0026), which then writes the items and tile rows of the staged rows `where` says once,
    instead of each statement's trigger rewriting them. An error inside leaves the setting to the caller's savepoint,
    whose rollback undoes it with the writes."""
    session.execute(text("SELECT set_config('assetmap.items_deferred', 'on', true)"))
    yield
    session.execute(text("SELECT set_config('assetmap.items_deferred', 'off', true)"))
    ids = f"ARRAY(SELECT s.asset_id FROM {STAGE} s WHERE {where})"
    session.execute(text(f"SELECT assetmap_write_items({ids}), assetmap_write_tile_points({ids})"), params)


def write_parts(
    session: Session, where: str, categories: bool, schedule: bool, params: dict[str, Any] | None = None, clear: bool = True
) -> None:
    """Writes the categories and sessions of the staged rows `where` says (on `import_stage s`); with `clear`, an
    existing asset's old ones are deleted first (a new asset has none)."""
    parts = []
    if categories:
        parts.append(("asset_category", "SELECT DISTINCT s.asset_id, x FROM {stage} s, unnest(s.category_ids) x", "(asset_id, category_id)"))
    if schedule:
        parts.append((
            "asset_session",
            "SELECT s.asset_id, u.* FROM {stage} s, unnest(s.weekdays, s.opens, s.closes, s.notes) u",
            "(asset_id, weekday, opens, closes, note)",
        ))
    for table, select, columns in parts:
        if clear:
            session.execute(text(f"DELETE FROM {table} t USING {STAGE} s WHERE t.asset_id = s.asset_id AND {where}"), params)
        session.execute(text(f"INSERT INTO {table} {columns} {select.format(stage=STAGE)} WHERE {where}"), params)


def _differences(plain: Sequence[str], postcode: bool, categories: bool, schedule: bool) -> list[str]:
    """The conditions under which a staged row would change its asset `a` (any one is enough)."""
    conditions = [f"a.{c} IS DISTINCT FROM s.{c}" for c in plain if c != "last_verified_at"]
    conditions.append(
        "(s.lat IS NOT NULL AND NOT (ST_X(a.exact_location::geometry) = s.lon AND ST_Y(a.exact_location::geometry) = s.lat))"
    )
    if "last_verified_at" in plain:
        conditions.append(f"({LATER_VERIFIED})")
    if postcode:
        conditions.append("a.postcode IS DISTINCT FROM s.postcode")
    if categories:
        conditions.append(f"{CATEGORIES_NOW} IS DISTINCT FROM {CATEGORIES_STAGED}")
    if schedule:
        conditions.append(f"{SESSIONS_NOW} IS DISTINCT FROM {SESSIONS_STAGED}")
    return conditions


def changed_rows(session: Session, plain: Sequence[str], postcode: bool, categories: bool, schedule: bool) -> dict[int, uuid.UUID]:
    """{n: asset id} of the staged rows that match an asset and differ from it; the rest would change nothing."""
    conditions = " OR ".join(_differences(plain, postcode, categories, schedule))
    sql = f"SELECT s.n, a.id FROM {STAGE} s JOIN asset a ON a.id = s.asset_id WHERE NOT s.created AND ({conditions})"
    return {n: asset_id for n, asset_id in session.execute(text(sql)).all()}


def update_changed(
    session: Session, numbers: list[int], plain: Sequence[str], postcode: bool, categories: bool, schedule: bool, now: datetime
) -> None:
    """Writes the staged rows `numbers` over their assets, with their categories and sessions."""
    sets = [f"{c} = s.{c}" for c in plain if c != "last_verified_at"]
    if "last_verified_at" in plain:
        sets.append(f"last_verified_at = CASE WHEN {LATER_VERIFIED} THEN s.last_verified_at ELSE a.last_verified_at END")
    if postcode:
        sets.append("postcode = s.postcode")
    sets += [f"exact_location = CASE WHEN s.lat IS NULL THEN a.exact_location ELSE {POINT} END", "updated_at = :now"]
    with _items_written_once(session, "s.n = ANY(:numbers)", {"numbers": numbers}):
        session.execute(
            text(f"UPDATE asset a SET {', '.join(sets)} FROM {STAGE} s WHERE a.id = s.asset_id AND s.n = ANY(:numbers)"),
            {"numbers": numbers, "now": now},
        )
        write_parts(session, "s.n = ANY(:numbers)", categories, schedule, {"numbers": numbers})
    session.execute(
        text(f"UPDATE {STAGE} SET asset_updated_at = :now WHERE n = ANY(:numbers) AND row_digest IS NOT NULL"),
        {"numbers": numbers, "now": now},
    )


def remember_imported(session: Session) -> None:
    """Keeps what the source gave for each staged row that matched an asset, and its row's digest with the asset's
    updated_at as the batch saw it, where they differ from last time (a created row's were written with its
    identifier)."""
    session.execute(
        text(
            f"""UPDATE asset_source_id i SET imported = s.given, row_digest = s.row_digest, asset_updated_at = s.asset_updated_at
                FROM {STAGE} s
                WHERE i.source = s.source AND i.external_id = s.external_id AND NOT s.created
                  AND (i.imported, i.row_digest, i.asset_updated_at) IS DISTINCT FROM (s.given, s.row_digest, s.asset_updated_at)"""
        )
    )


def write_created_history(session: Session, actor: str) -> None:
    """The "create" history entry of each asset the batch created, written by the database: its snapshot is the place
    as stored (`repository.HISTORY_COLUMNS`), its changes every value the snapshot holds but null, [] and ""."""
    sql = f"""
        WITH h AS MATERIALIZED (
            SELECT a.id, (SELECT to_jsonb(r) FROM (SELECT {HISTORY_COLUMNS}) r) AS snapshot
            FROM asset a WHERE a.id = ANY(ARRAY(SELECT s.asset_id FROM {STAGE} s WHERE s.created))
        )
        INSERT INTO asset_history (asset_id, actor, action, changes, snapshot)
        SELECT h.id, :actor, 'create', (
                   SELECT coalesce(jsonb_object_agg(e.key, jsonb_build_array(NULL, e.value)), '{{}}')
                   FROM jsonb_each(h.snapshot) e WHERE e.value NOT IN ('null', '[]', '""')
               ), h.snapshot
        FROM h
    """
    session.execute(text(sql), {"actor": actor})


def copy_history(session: Session, rows: Iterable[tuple[uuid.UUID, str, str, str, str]]) -> None:
    """COPY history entries (asset_id, actor, action, changes JSON, snapshot JSON) into asset_history."""
    _copy(session, "COPY asset_history (asset_id, actor, action, changes, snapshot) FROM STDIN", rows)
