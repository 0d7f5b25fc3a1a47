"""Credentials: API keys for machines (shown once, stored as SHA-256), accounts and web sessions for people."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ARRAY, Column, DateTime, ForeignKey, Text, func
from sqlmodel import Field, SQLModel


class Role(StrEnum):
    admin = "admin"
    moderator = "moderator"
    link_worker = "link_worker"
    claimant = "claimant"  # someone from a group whose claim to a place was approved (app/claims): signs in by e-mail link


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    role: str = Field(max_length=20)
    prefix: str = Field(max_length=12)  # the key's first characters, to tell keys apart in lists
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class UserAccount(SQLModel, table=True):
    """A person who signs in: moderators, admins, link workers. Residents never need one."""

    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)  # stored in lower case
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=20)
    # Council area codes (ONS, e.g. E08000003) a moderator is limited to; empty means everywhere.
    areas: list[str] = Field(default_factory=list, sa_column=Column(ARRAY(Text), nullable=False, server_default="{}"))
    disabled: bool = False
    created_at: datetime = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )
    last_login_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins in a row for one account from one client address, and until when that pair is locked out.

    Per account *and* client, so someone failing on purpose locks only their own address out of the account, never the
    account's owner signing in from elsewhere (a per-client limit on every attempt is kept in `rate_limit`). Both
    keys are SHA-256 hashes: neither the address nor the email is stored, and a row exists for an unknown email as
    for a real one."""

    __tablename__ = "login_throttle"

    account_hash: str = Field(primary_key=True, max_length=64)
    client_hash: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    last_failure_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class WebSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 hash is stored."""

    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(sa_column=Column(ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True))
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    last_seen_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
