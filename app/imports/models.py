"""A record of every import run, so `assetmap imports` can list them."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class ImportRun(SQLModel, table=True):
    __tablename__ = "import_run"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    source: str
    dry_run: bool = False
    status: str = Field(default="running", max_length=20)  # running / succeeded / failed
    started_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))
    finished_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    counts: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default="{}"))
    errors: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSONB, nullable=False, server_default="[]"))
    message: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class ImportMapping(SQLModel, table=True):
    """A mapping saved on the import page (the same YAML as `--mapping`), by its `source`, so that next month's file
    from the same source imports with it in one step."""

    __tablename__ = "import_mapping"

    source: str = Field(max_length=40, primary_key=True)
    kind: str = Field(max_length=20)  # csv or geojson
    mapping: str = Field(sa_column=Column(Text, nullable=False))
    saved_by: str = Field(max_length=200)
    saved_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))
