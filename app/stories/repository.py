"""All SQL of stories: storing them and their history, a place's published stories (one place, several at once, or
every one for the export), and the moderators' queue."""

import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, select

from app.stories.models import Story, StoryHistory

EXPORT_BATCH = 500
_PUBLISHED = "s.status = 'published' AND a.status = 'published'"


def add(session: Session, story: Story) -> None:
    session.add(story)


def record(session: Session, story_id: uuid.UUID, actor: str, action: str, changes: dict[str, Any] | None = None) -> None:
    session.add(StoryHistory(story_id=story_id, actor=actor, action=action, changes=changes or {}))


def get(session: Session, story_id: uuid.UUID, lock: bool = False) -> Story | None:
    return session.get(Story, story_id, with_for_update=lock, populate_existing=lock)


def find_by_reference_hash(session: Session, reference_hash: str, lock: bool = False) -> Story | None:
    query = select(Story).where(Story.reference_hash == reference_hash)
    return session.exec(query.with_for_update() if lock else query).first()


def history(session: Session, story_id: uuid.UUID) -> list[StoryHistory]:
    query = select(StoryHistory).where(StoryHistory.story_id == story_id).order_by(StoryHistory.id)
    return list(session.exec(query))


def move(session: Session, from_id: uuid.UUID, to_id: uuid.UUID) -> list[uuid.UUID]:
    """Every story of one place given to another; their ids."""
    sql = "UPDATE story SET asset_id = :to_id WHERE asset_id = :from_id RETURNING id"
    return list(session.execute(text(sql), {"from_id": from_id, "to_id": to_id}).scalars())


_PUBLIC_COLUMNS = "s.id, s.text, s.signature, s.language, s.published_at"


def published_page(session: Session, asset_id: uuid.UUID, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
    """A published place's published stories, newest first, and how many there are."""
    sql = f"""
        SELECT {_PUBLIC_COLUMNS}, count(*) OVER () AS total
        FROM story s JOIN asset a ON a.id = s.asset_id
        WHERE s.asset_id = :asset_id AND {_PUBLISHED}
        ORDER BY s.published_at DESC, s.id LIMIT :limit OFFSET :offset
    """
    rows = [dict(r) for r in session.execute(text(sql), {"asset_id": asset_id, "limit": limit, "offset": offset}).mappings()]
    if rows or offset == 0:
        return (rows[0]["total"] if rows else 0), rows
    count = f"SELECT count(*) FROM story s JOIN asset a ON a.id = s.asset_id WHERE s.asset_id = :asset_id AND {_PUBLISHED}"
    return session.execute(text(count), {"asset_id": asset_id}).scalar_one(), []


def published_for(session: Session, asset_ids: list[uuid.UUID], per_place: int) -> list[dict[str, Any]]:
    """The newest `per_place` published stories of each place in `asset_ids` (one statement for a list of places),
    each with its place's total."""
    sql = f"""
        SELECT * FROM (
            SELECT s.asset_id, {_PUBLIC_COLUMNS},
                   row_number() OVER (PARTITION BY s.asset_id ORDER BY s.published_at DESC, s.id) AS n,
                   count(*) OVER (PARTITION BY s.asset_id) AS total
            FROM story s JOIN asset a ON a.id = s.asset_id
            WHERE s.asset_id = ANY(:ids) AND {_PUBLISHED}
        ) ranked WHERE n <= :per_place ORDER BY asset_id, n
    """
    return [dict(r) for r in session.execute(text(sql), {"ids": asset_ids, "per_place": per_place}).mappings()]


def stream_published(session: Session) -> Iterator[dict[str, Any]]:
    """Every published story of a published place with its place's name, by place then date, in constant memory."""
    sql = f"""
        SELECT {_PUBLIC_COLUMNS}, s.asset_id, a.name AS place_name
        FROM story s JOIN asset a ON a.id = s.asset_id
        WHERE {_PUBLISHED} ORDER BY a.name, a.id, s.published_at, s.id
    """
    for row in session.execute(text(sql), execution_options={"yield_per": EXPORT_BATCH}).mappings():
        yield dict(row)


_ITEM_COLUMNS = """
    s.id, s.asset_id, a.name AS place_name, s.text, s.signature, s.language, s.status, s.reports, s.reported_at,
    s.created_at, s.published_at
"""


def queue(
    session: Session, filters: list[str], params: dict[str, Any], limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """Stories matching every condition in `filters` (over `story s` and its place `asset a`): the reported first,
    most reported first, then oldest first."""
    where = " AND ".join(filters) or "true"
    sql = f"""
        SELECT {_ITEM_COLUMNS}, count(*) OVER () AS total
        FROM story s JOIN asset a ON a.id = s.asset_id
        WHERE {where} ORDER BY s.reports DESC, s.created_at, s.id LIMIT :limit OFFSET :offset
    """
    rows = [dict(r) for r in session.execute(text(sql), {**params, "limit": limit, "offset": offset}).mappings()]
    if rows or offset == 0:
        return (rows[0]["total"] if rows else 0), rows
    count = f"SELECT count(*) FROM story s JOIN asset a ON a.id = s.asset_id WHERE {where}"
    return session.execute(text(count), params).scalar_one(), []


def item(session: Session, story_id: uuid.UUID) -> dict[str, Any] | None:
    sql = f"SELECT {_ITEM_COLUMNS} FROM story s JOIN asset a ON a.id = s.asset_id WHERE s.id = :id"
    row = session.execute(text(sql), {"id": story_id}).mappings().first()
    return dict(row) if row else None
