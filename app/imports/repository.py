"""Queries on the record of import runs."""

from sqlmodel import Session, col, select

from app.imports.models import ImportRun


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
