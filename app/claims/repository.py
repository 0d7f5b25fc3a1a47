"""All SQL of claims: claims by place, status and claimant, the moderators' list, e-mail tokens, reminders, purging."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, text, update
from sqlmodel import Session, select

from app.areas.repository import ANY_AREA_FILTER
from app.claims.models import Claim, ClaimStatus, EmailToken

HOLDING = (ClaimStatus.pending, ClaimStatus.approved)  # a claim in one of these holds the place against any other


def save(session: Session, row: Claim | EmailToken) -> None:
    session.add(row)
    session.flush()


def get(session: Session, claim_id: uuid.UUID, lock: bool = False) -> Claim | None:
    statement = select(Claim).where(Claim.id == claim_id)
    return session.exec(statement.with_for_update() if lock else statement).first()


def holding_claim(session: Session, asset_id: uuid.UUID) -> Claim | None:
    return session.exec(select(Claim).where(Claim.asset_id == asset_id, Claim.status.in_(HOLDING))).first()


def approved_for(session: Session, email: str, asset_id: uuid.UUID | None = None) -> list[Claim]:
    statement = select(Claim).where(Claim.email == email, Claim.status == ClaimStatus.approved)
    if asset_id is not None:
        statement = statement.where(Claim.asset_id == asset_id)
    return list(session.exec(statement.order_by(Claim.decided_at)))


def queue(
    session: Session, status: str, areas: list[str], limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """Claims with this status, oldest first, with their place's name; only places inside `areas` when given."""
    where = "c.status = :status"
    if areas:
        where += f" AND {ANY_AREA_FILTER}"
    sql = f"""
        SELECT c.id, c.asset_id, a.name AS place_name, c.email, c.note, c.status, c.created_at, c.confirmed_at,
               c.decided_by, c.decided_at, c.decision_note, count(*) OVER () AS total
        FROM claim c JOIN asset a ON a.id = c.asset_id
        WHERE {where} ORDER BY c.created_at, c.id LIMIT :limit OFFSET :offset
    """
    params = {"status": status, "areas": areas, "limit": limit, "offset": offset}
    rows = [dict(r) for r in session.execute(text(sql), params).mappings()]
    return (rows[0]["total"] if rows else 0), rows


def find_token(session: Session, token_hash: str, lock: bool = True) -> EmailToken | None:
    statement = select(EmailToken).where(EmailToken.token_hash == token_hash)
    return session.exec(statement.with_for_update() if lock else statement).first()


def due_reminders(session: Session, checked_before: datetime, reminded_before: datetime) -> list[dict[str, Any]]:
    """Approved claims whose published place was last verified (or, never verified, created) before `checked_before`
    and whose claimant was not reminded since `reminded_before`, locked so that two runs do not both remind."""
    sql = """
        SELECT c.id, c.email, c.language, c.asset_id, a.name, a.name_cy
        FROM claim c JOIN asset a ON a.id = c.asset_id
        WHERE c.status = 'approved' AND a.status = 'published'
          AND coalesce(a.last_verified_at, a.created_at) < :checked_before
          AND (c.reminded_at IS NULL OR c.reminded_at < :reminded_before)
        ORDER BY c.email, a.name
        FOR UPDATE OF c SKIP LOCKED
    """
    params = {"checked_before": checked_before, "reminded_before": reminded_before}
    return [dict(r) for r in session.execute(text(sql), params).mappings()]


def mark_reminded(session: Session, claim_ids: list[uuid.UUID], now: datetime) -> None:
    session.execute(update(Claim).where(Claim.id.in_(claim_ids)).values(reminded_at=now))


def purge(session: Session, before: datetime, now: datetime) -> int:
    """Deletes claims that never held a place (unconfirmed, rejected, withdrawn) last touched before `before`, and
    links that are used or expired; returns how many claims."""
    closed = (ClaimStatus.unconfirmed, ClaimStatus.rejected, ClaimStatus.withdrawn)
    result = session.execute(
        delete(Claim).where(Claim.status.in_(closed), func.coalesce(Claim.decided_at, Claim.created_at) < before)
    )
    session.execute(delete(EmailToken).where((EmailToken.expires_at < now) | EmailToken.used_at.is_not(None)))
    return result.rowcount or 0
