"""SQL for API keys, user accounts and web sessions."""

from datetime import UTC, datetime

from sqlalchemy import delete, or_
from sqlmodel import Session, select

from app.accounts.models import ApiKey, UserAccount, WebSession


def add_key(session: Session, key: ApiKey) -> ApiKey:
    session.add(key)
    session.commit()
    session.refresh(key)
    return key


def find_active_key(session: Session, key_hash: str) -> ApiKey | None:
    return session.exec(select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))).first()


def touch_key(session: Session, key: ApiKey) -> None:
    key.last_used_at = datetime.now(UTC)
    session.add(key)
    session.commit()


def get_key(session: Session, key_id: int) -> ApiKey | None:
    return session.get(ApiKey, key_id)


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.exec(select(ApiKey).order_by(ApiKey.id)))


def save(session: Session, row: ApiKey | UserAccount | WebSession) -> None:
    session.add(row)
    session.commit()
    session.refresh(row)


def find_user(session: Session, email: str) -> UserAccount | None:
    return session.exec(select(UserAccount).where(UserAccount.email == email)).first()


def find_session(session: Session, token_hash: str, now: datetime) -> tuple[WebSession, UserAccount] | None:
    """The live session with this token and its (enabled) user."""
    row = session.exec(
        select(WebSession, UserAccount)
        .join(UserAccount, UserAccount.id == WebSession.user_id)
        .where(WebSession.token_hash == token_hash, WebSession.expires_at > now, UserAccount.disabled.is_(False))
    ).first()
    return (row[0], row[1]) if row else None


def delete_session(session: Session, token_hash: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == token_hash))
    session.commit()


def delete_user_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))


def delete_stale_sessions(session: Session, now: datetime, idle_since: datetime) -> None:
    session.execute(delete(WebSession).where(or_(WebSession.expires_at <= now, WebSession.last_seen_at < idle_since)))
