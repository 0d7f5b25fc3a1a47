"""API keys: random, shown once, stored as SHA-256 (they carry 256 bits of entropy, so a slow hash adds nothing)."""

import hashlib
import secrets

KEY_PREFIX = "am_"


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
