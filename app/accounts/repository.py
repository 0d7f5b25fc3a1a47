"""SQL for API keys, user accounts, sign-in throttling and web sessions."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_, text
from sqlmodel import Session, select

from app.accounts.models import ApiKey, LoginThrottle, UserAccount, WebSession


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


def login_locked_until(session: Session, account_hash: str, client_hash: str) -> datetime | None:
    row = session.get(LoginThrottle, (account_hash, client_hash))
    return row.locked_until if row else None


def count_login_failure(
    session: Session, account_hash: str, client_hash: str, now: datetime, max_failures: int, lockout: timedelta
) -> None:
    """Counts one failure for the pair; the `max_failures`-th in a row locks the pair until `now + lockout` (and starts
    the count again). Pairs whose last failure is older than `lockout` and that are not locked are forgotten."""
    session.execute(
        text(
            "DELETE FROM login_throttle WHERE last_failure_at < :old AND (locked_until IS NULL OR locked_until < :now)"
        ),
        {"old": now - lockout, "now": now},
    )
    session.execute(
        text(
            """
            INSERT INTO login_throttle (account_hash, client_hash, failures, last_failure_at)
            VALUES (:account, :client, 1, :now)
            ON CONFLICT (account_hash, client_hash) DO UPDATE SET failures = login_throttle.failures + 1,
                last_failure_at = :now
            """
        ),
        {"account": account_hash, "client": client_hash, "now": now},
    )
    session.execute(
        text(
            "UPDATE login_throttle SET failures = 0, locked_until = :until "
            "WHERE account_hash = :account AND client_hash = :client AND failures >= :max"
        ),
        {"account": account_hash, "client": client_hash, "until": now + lockout, "max": max_failures},
    )
    session.commit()


def clear_login_failures(session: Session, account_hash: str, client_hash: str | None = None) -> None:
    """Forgets the failures of the account from one client (a successful sign-in), or from every client."""
    condition = LoginThrottle.account_hash == account_hash
    if client_hash is not None:
        condition = condition & (LoginThrottle.client_hash == client_hash)
    session.execute(delete(LoginThrottle).where(condition))
