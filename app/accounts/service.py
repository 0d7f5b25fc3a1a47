"""Creating and checking API keys."""

from dataclasses import dataclass

from sqlmodel import Session

from app.accounts import repository
from app.accounts.keys import hash_key, new_key
from app.accounts.models import ApiKey, Role


@dataclass(frozen=True)
class Actor:
    """Who is making a change: recorded in the asset history."""

    label: str  # e.g. "api-key:3 (council import)"
    role: Role


def create_api_key(session: Session, name: str, role: Role) -> tuple[ApiKey, str]:
    """Returns the stored key and the plain key, which exists nowhere else after this call."""
    plain = new_key()
    key = repository.add_key(session, ApiKey(name=name, role=role, prefix=plain[:10], key_hash=hash_key(plain)))
    return key, plain


def authenticate_key(session: Session, plain: str) -> Actor | None:
    key = repository.find_active_key(session, hash_key(plain))
    if key is None:
        return None
    repository.touch_key(session, key)
    return Actor(label=f"api-key:{key.id} ({key.name})", role=Role(key.role))
