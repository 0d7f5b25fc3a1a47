"""SQL for API keys."""

from datetime import UTC, datetime

from sqlmodel import Session, select

from app.accounts.models import ApiKey


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
