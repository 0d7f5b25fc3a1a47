"""Queries on the record of import runs."""

from sqlalchemy import text
from sqlmodel import Session, col, select

from app.imports.models import ImportMapping, ImportRun


def recent_runs(session: Session, limit: int) -> list[ImportRun]:
    return list(session.exec(select(ImportRun).order_by(col(ImportRun.id).desc()).limit(limit)))


def get_run(session: Session, run_id: int) -> ImportRun | None:
    return session.get(ImportRun, run_id)


def last_success(session: Session, kind: str, source: str) -> ImportRun | None:
    """The latest succeeded, not dry, run of this kind from this source."""
    query = (
        select(ImportRun)
        .where(ImportRun.kind == kind, ImportRun.source == source, ImportRun.status == "succeeded", ImportRun.dry_run == False)  # noqa: E712
        .order_by(col(ImportRun.id).desc())
    )
    return session.exec(query.limit(1)).first()


def saved_mappings(session: Session) -> list[ImportMapping]:
    return list(session.exec(select(ImportMapping).order_by(ImportMapping.source)))


def get_mapping(session: Session, source: str) -> ImportMapping | None:
    return session.get(ImportMapping, source)


def save_mapping(session: Session, source: str, kind: str, mapping: str, saved_by: str) -> None:
    """Inserts or replaces the mapping saved for `source`."""
    statement = text(
        """
        INSERT INTO import_mapping (source, kind, mapping, saved_by) VALUES (:source, :kind, :mapping, :saved_by)
        ON CONFLICT (source) DO UPDATE SET kind = excluded.kind, mapping = excluded.mapping,
            saved_by = excluded.saved_by, saved_at = now()
        """
    )
    session.execute(statement, {"source": source, "kind": kind, "mapping": mapping, "saved_by": saved_by})


def last_postcodes_run(session: Session) -> int | None:
    """The id of the latest postcode file loaded (not a dry run): the postcodes that place rows changed with it."""
    sql = "SELECT max(id) FROM import_run WHERE kind = 'postcodes' AND status = 'succeeded' AND NOT dry_run"
    return session.execute(text(sql)).scalar_one()


def unchanged_row_digests(session: Session, source: str) -> dict[str, bytes]:
    """{external id: digest of the row last imported} of `source`'s identifiers whose asset has not changed since and
    holds no other identifier (two rows that write one place each undo the other's values)."""
    sql = """
        SELECT i.external_id, i.row_digest FROM asset_source_id i JOIN asset a ON a.id = i.asset_id
        WHERE i.source = :source AND i.row_digest IS NOT NULL AND a.updated_at = i.asset_updated_at
          AND NOT EXISTS (
              SELECT 1 FROM asset_source_id o
              WHERE o.asset_id = i.asset_id AND (o.source, o.external_id) <> (i.source, i.external_id)
          )
    """
    return {external_id: bytes(digest) for external_id, digest in session.execute(text(sql), {"source": source}).all()}
