"""API keys, user accounts, signing in (with lock-out) and web sessions."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from app.accounts import repository
from app.accounts.keys import hash_key, new_key
from app.accounts.models import ApiKey, Role, UserAccount, WebSession
from app.accounts.passwords import (
    hash_password,
    password_problem,
    verify_password,
    waste_time,
)
from app.areas.service import require_area
from app.core.errors import AppError, Conflict, Invalid, NotFound
from app.core.text import clean_email
from app.i18n import gettext as _

_TOUCH_EVERY = timedelta(minutes=1)  # how stale last_seen_at may get before a request writes it


@dataclass(frozen=True)
class Actor:
    """Who is making a change: recorded in the asset history."""

    label: str  # e.g. "api-key:3 (council import)" or "user:7 (sam@council.gov.uk)"
    role: Role
    areas: tuple[str, ...] = ()  # council area codes a moderator is limited to; empty means everywhere
    user_id: int | None = None  # the signed-in account, when it is one (a claimant's rights are by account)


class LoginRefused(AppError):
    status_code = 401


def create_api_key(session: Session, name: str, role: Role) -> tuple[ApiKey, str]:
    """Returns the stored key and the plain key, which exists nowhere else after this call. Claimants have no keys:
    their rights belong to their account (app/claims)."""
    if role == Role.claimant:
        raise Invalid(_("Claimants have no API keys: they sign in with links e-mailed to them."), "role")
    plain = new_key()
    key = repository.add_key(session, ApiKey(name=name, role=role, prefix=plain[:10], key_hash=hash_key(plain)))
    return key, plain


def authenticate_key(session: Session, plain: str) -> Actor | None:
    key = repository.find_active_key(session, hash_key(plain))
    if key is None:
        return None
    repository.touch_key(session, key)
    return Actor(label=f"api-key:{key.id} ({key.name})", role=Role(key.role))


def revoke_api_key(session: Session, key_id: int) -> ApiKey:
    key = repository.get_key(session, key_id)
    if key is None:
        raise NotFound(f"No API key has the id {key_id}.")
    if key.revoked_at is None:
        key.revoked_at = datetime.now(UTC)
        repository.save(session, key)
    return key


def set_user_disabled(session: Session, email: str, disabled: bool) -> UserAccount:
    """Disables an account (ending its sessions at once) or enables it again with a clean lock-out count."""
    user = repository.find_user(session, normalise_email(email))
    if user is None:
        raise NotFound(f"No account has the email address {email.strip()}.", "email")
    user.disabled = disabled
    repository.clear_login_failures(session, _account_hash(user.email))
    if disabled:
        repository.delete_user_sessions(session, user.id)  # type: ignore[arg-type]
    repository.save(session, user)
    return user


def user_actor(user: UserAccount) -> Actor:
    """The history names a claimant as one ("claimant:12 (group@example.org)"), everyone else as a user."""
    kind = "claimant" if user.role == Role.claimant else "user"
    return Actor(label=f"{kind}:{user.id} ({user.email})", role=Role(user.role), areas=tuple(user.areas), user_id=user.id)


def normalise_email(email: str) -> str:
    try:
        cleaned = clean_email(email)
    except ValueError as exc:
        raise Invalid(f"The email address {exc}.", "email") from None
    if not cleaned:
        raise Invalid("Give an email address.", "email")
    return cleaned.lower()


def create_user(session: Session, email: str, password: str, role: Role, areas: list[str] | None = None) -> UserAccount:
    email = normalise_email(email)
    if problem := password_problem(password):
        raise Invalid(problem, "password")
    if repository.find_user(session, email):
        raise Conflict(f"There is already an account for {email}.", "email")
    if role == Role.claimant:
        raise Invalid(_("A claimant's account is made by approving their claim: it has no password."), "role")
    if areas and role != Role.moderator:
        raise Invalid("Only moderators can be limited to council areas.", "areas")
    codes = sorted({require_area(session, code, "areas") for code in areas or [] if code.strip()})
    user = UserAccount(email=email, password_hash=hash_password(password), role=role, areas=codes)
    repository.save(session, user)
    return user


def _account_hash(email: str) -> str:
    return hashlib.sha256(f"login-account:{email.strip().lower()}".encode()).hexdigest()


def _client_hash(client: str) -> str:
    return hashlib.sha256(f"login-client:{client}".encode()).hexdigest()


def sign_in(
    session: Session, email: str, password: str, client: str, max_failures: int, lockout_minutes: int
) -> UserAccount:
    """The user, if the password is right and the account is neither disabled nor locked for this client; LoginRefused
    otherwise.

    Lock-out is per account *and* client address (`client`): `max_failures` refusals in a row for one account
    from one address lock that address out of that account for `lockout_minutes` (LOGIN_MAX_FAILURES and
    LOGIN_LOCKOUT_MINUTES), so nobody can lock the real
    person out by failing on purpose from elsewhere (each address is also limited in attempts over all accounts, by the
    caller). Every refusal (unknown address, disabled, locked, wrong password) counts the same way, gets the same
    answer and costs the same hashing work, so neither the words, the time nor a lock-out tells whether an address
    has an account.
    """
    wrong = LoginRefused(
        _(
            "That email address and password do not match an account, or sign-in to the account from your address is "
            "locked for %(minutes)s minutes after %(failures)s failed attempts in a row."
        ) % {"minutes": lockout_minutes, "failures": max_failures}
    )
    account, address = _account_hash(email), _client_hash(client)
    user = repository.find_user(session, email.strip().lower())
    now = datetime.now(UTC)
    locked_until = repository.login_locked_until(session, account, address)
    if user is None or user.disabled or (locked_until and locked_until > now):
        ok, new_hash = waste_time(password), None
    else:
        ok, new_hash = verify_password(password, user.password_hash)
    if not ok or user is None:
        repository.count_login_failure(
            session, account, address, now, max_failures, timedelta(minutes=lockout_minutes)
        )
        raise wrong
    repository.clear_login_failures(session, account, address)
    user.last_login_at = now
    if new_hash:
        user.password_hash = new_hash
    repository.save(session, user)
    return user


def start_session(session: Session, user: UserAccount, idle_minutes: int, max_hours: int) -> tuple[WebSession, str]:
    """A new session for the user, ending at the latest after `max_hours` (SESSION_MAX_HOURS); returns it and the plain
    token for the cookie (never stored). Sessions idle for over `idle_minutes` are cleared on the way."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    repository.delete_stale_sessions(session, now, now - timedelta(minutes=idle_minutes))
    web_session = WebSession(
        token_hash=hash_key(token),
        user_id=user.id,  # type: ignore[arg-type]
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=max_hours),
    )
    repository.save(session, web_session)
    return web_session, token


def find_session(session: Session, token: str, idle_minutes: int) -> tuple[WebSession, UserAccount] | None:
    """The live session for this cookie token; one idle for over `idle_minutes` (SESSION_IDLE_MINUTES) is ended."""
    now = datetime.now(UTC)
    found = repository.find_session(session, hash_key(token), now)
    if found is None:
        return None
    web_session, user = found
    if web_session.last_seen_at < now - timedelta(minutes=idle_minutes):
        repository.delete_session(session, web_session.token_hash)
        return None
    if now - web_session.last_seen_at > _TOUCH_EVERY:
        web_session.last_seen_at = now
        repository.save(session, web_session)
    return web_session, user


def end_session(session: Session, token: str) -> None:
    repository.delete_session(session, hash_key(token))
