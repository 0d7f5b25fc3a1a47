"""Password hashing with Argon2id (pwdlib's recommended parameters)."""

from functools import lru_cache

from pwdlib import PasswordHash

MIN_LENGTH = 12  # NCSC advice: length beats complexity rules


@lru_cache
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password: str, stored: str) -> tuple[bool, str | None]:
    """Whether the password matches, and a fresh hash when the stored one used older parameters."""
    return _hasher().verify_and_update(password, stored)


@lru_cache
def _dummy_hash() -> str:
    return hash_password("not a real password, only for timing")


def waste_time(password: str) -> bool:
    """Verifies against a dummy hash, so an unknown email takes as long to refuse as a wrong password; always False."""
    _hasher().verify(password, _dummy_hash())
    return False


def password_problem(password: str) -> str | None:
    if len(password) < MIN_LENGTH:
        return f"The password must be at least {MIN_LENGTH} characters long."
    if len(password) > 256:
        return "The password must be at most 256 characters long."
    return None
