"""The SQL of the open-data exports: every published asset in its public shape, read through a server-side cursor
so an export of any size streams in constant memory."""

from collections.abc import Iterator
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from app.assets.repository import PUBLIC_COLUMNS

BATCH = 500


def stream_published(session: Session, filters: list[str], params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Published assets matching every filter, by name then id."""
    where = " AND ".join(["a.status = 'published'", *filters])
    sql = text(f"SELECT {PUBLIC_COLUMNS} FROM asset a WHERE {where} ORDER BY a.name, a.id")
    result = session.execute(sql, params, execution_options={"yield_per": BATCH})
    for row in result.mappings():
        yield dict(row)
