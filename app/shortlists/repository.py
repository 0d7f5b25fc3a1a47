"""All SQL of shortlists."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, text
from sqlmodel import Session, select

from app.assets.repository import PUBLIC_COLUMNS
from app.shortlists.models import Shortlist, ShortlistItem


def published_ids(session: Session, asset_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    rows = session.execute(
        text("SELECT id FROM asset WHERE id = ANY(:ids) AND status = 'published'"), {"ids": asset_ids}
    )
    return {r[0] for r in rows}


def code_taken(session: Session, code: str) -> bool:
    return session.exec(select(Shortlist.id).where(Shortlist.code == code)).first() is not None


def add(session: Session, shortlist: Shortlist, items: list[ShortlistItem]) -> None:
    session.add(shortlist)
    session.flush()
    for item in items:
        item.shortlist_id = shortlist.id  # type: ignore[assignment]
    session.add_all(items)


def find(session: Session, code: str) -> Shortlist | None:
    return session.exec(select(Shortlist).where(Shortlist.code == code)).first()


def items(session: Session, shortlist_id: int) -> list[dict[str, Any]]:
    """The list's published places in order, each with its note (as `shortlist_note`)."""
    sql = f"""
        SELECT {PUBLIC_COLUMNS}, i.position AS shortlist_position, i.note AS shortlist_note
        FROM shortlist_item i JOIN asset a ON a.id = i.asset_id
        WHERE i.shortlist_id = :id AND a.status = 'published'
        ORDER BY i.position
    """
    return [dict(r) for r in session.execute(text(sql), {"id": shortlist_id}).mappings()]


def move(session: Session, from_id: uuid.UUID, to_id: uuid.UUID) -> None:
    """Lists holding one place now hold another in its position, with its note; a list that already holds the other
    keeps both rows (the first is no longer shown, as it is not published)."""
    sql = """
        UPDATE shortlist_item i SET asset_id = :to_id
        WHERE i.asset_id = :from_id
          AND NOT EXISTS (SELECT 1 FROM shortlist_item o WHERE o.shortlist_id = i.shortlist_id AND o.asset_id = :to_id)
    """
    session.execute(text(sql), {"from_id": from_id, "to_id": to_id})


def delete_expired(session: Session, now: datetime) -> int:
    result = session.execute(delete(Shortlist).where(Shortlist.expires_at <= now))  # items go by ON DELETE CASCADE
    return result.rowcount or 0
