"""Machine credentials. A key is shown once when created; only its SHA-256 hash is stored."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, DateTime, func
from sqlmodel import Field, SQLModel


class Role(StrEnum):
    admin = "admin"
    moderator = "moderator"
    link_worker = "link_worker"


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
