"""The asset store's tables. API shapes live in schemas.py; SQL lives in repository.py."""

import uuid
from datetime import datetime, time
from enum import StrEnum
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    Column,
    Computed,
    DateTime,
    FetchedValue,
    ForeignKey,
    Index,
    SmallInteger,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import BYTEA, JSONB, TSVECTOR
from sqlmodel import Field, SQLModel

from app.openreferral.ids import NAMESPACE as ORUK_NAMESPACE


class AssetStatus(StrEnum):
    pending = "pending"
    published = "published"
    archived = "archived"


class Delivery(StrEnum):
    """How a service reaches people (migration 0021): at its location, or where they are, within its service areas."""

    location = "location"  # at a place, which has a position (as every place did before)
    phone = "phone"
    online = "online"
    home = "home"  # at people's homes: visits, deliveries, transport


class LocationPrecision(StrEnum):
    """How precisely the public sees where a place is (docs/privacy.md); `asset.location` is that public position."""

    exact = "exact"
    approximate = "approximate"  # the centre of its 250 m cell of the British National Grid
    area = "area"  # the centre of its postcode district; no address or postcode shown


def _text_array() -> Column:
    return Column(ARRAY(Text), nullable=False, server_default="{}")


def _timestamp(**kwargs: Any) -> Column:
    return Column(DateTime(timezone=True), **kwargs)


class Organisation(SQLModel, table=True):
    """Who runs places. An imported organisation belongs to its source and is known by its id there (or, when the
    source gives none, by its name within that source); one entered through the API has no source (migration 0009)."""

    __table_args__ = (
        Index(
            "uq_organisation_source_external_id", "source", "external_id", unique=True,
            postgresql_where=text("external_id IS NOT NULL"),
        ),
        Index(
            "uq_organisation_source_name", text("coalesce(source, '')"), "name", unique=True,
            postgresql_where=text("external_id IS NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=200)
    source: str | None = Field(default=None, max_length=40)
    external_id: str | None = Field(default=None, max_length=120)
    website: str | None = None
    email: str | None = None
    phone: str | None = None


class AssetCategory(SQLModel, table=True):
    __tablename__ = "asset_category"

    asset_id: uuid.UUID = Field(sa_column=Column(ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True))
    category_id: int = Field(sa_column=Column(ForeignKey("category.id"), primary_key=True, index=True))


class AssetSession(SQLModel, table=True):
    """One weekly opening: weekday 0 = Monday … 6 = Sunday."""

    __tablename__ = "asset_session"
    __table_args__ = (Index("ix_asset_session_asset_id", "asset_id", "weekday"),)

    id: int | None = Field(default=None, primary_key=True)
    asset_id: uuid.UUID = Field(sa_column=Column(ForeignKey("asset.id", ondelete="CASCADE"), nullable=False))
    weekday: int = Field(sa_column=Column(SmallInteger, nullable=False))
    opens: time
    closes: time
    note: str | None = None


class Asset(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_asset_source_external_id"),
        Index("ix_asset_location", "location", postgresql_using="gist"),
        Index("ix_asset_exact_location", "exact_location", postgresql_using="gist"),
        CheckConstraint("location_precision IN ('exact', 'approximate', 'area')", name="ck_asset_location_precision"),
        CheckConstraint("delivery IN ('location', 'phone', 'online', 'home')", name="ck_asset_delivery"),
        # A place delivered at a location has a position; the others have none (the trigger clears it, migration 0021).
        CheckConstraint("delivery <> 'location' OR exact_location IS NOT NULL", name="ck_asset_located"),
        # The services the nearby search finds by their service areas rather than their position.
        Index("ix_asset_delivered_remotely", "id", postgresql_where=text("status = 'published' AND delivery <> 'location'")),
        # Bounding-box and tile queries work in planar lon/lat: the geometry view of the point is indexed too.
        Index("ix_asset_geom", text("(location::geometry)"), postgresql_using="gist"),
        Index("ix_asset_search_vector", "search_vector", postgresql_using="gin"),
        Index("ix_asset_search_words", "search_words", postgresql_using="gin"),
        Index("ix_asset_accessibility", "accessibility", postgresql_using="gin"),
        Index("ix_asset_name_trgm", "name", postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}),
        # Finds an asset by its Open Referral service_at_location id (app/openreferral/ids.py; migration 0004).
        Index("ix_asset_oruk_sal_id", text(f"uuid_generate_v5('{ORUK_NAMESPACE}'::uuid, 'service_at_location/' || id::text)")),
        # A crowded tile keeps its lowest ids (app/maps/repository.py): walking this index, PostgreSQL tests the tile's box
        # on the included location and reads both names from it too, so the table is not visited at all (migrations 0006
        # and 0015).
        Index(
            "ix_asset_published_id",
            "id",
            postgresql_include=["location", "name", "name_cy"],
            postgresql_where=text("status = 'published'"),
        ),
        # Counting the published places within a radius (the nearby search's total) reads only this index: geography's
        # GiST keys are boxes, so the point is included as well for the exact distance test (migration 0007).
        # Caution: a KNN query (`ORDER BY location <-> …`) that needs nothing but `location` would be planned as an
        # index-only scan on it, which PostgreSQL cannot run for geography ("lossy distance functions are not
        # supported in index-only scans"); the search's KNN step also reads the id (app/search/repository.py).
        Index(
            "ix_asset_published_location",
            "location",
            postgresql_using="gist",
            postgresql_include=["location"],
            postgresql_where=text("status = 'published'"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=200)
    name_cy: str | None = Field(default=None, max_length=200)  # the Welsh versions of what people write (migration 0015)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    description_cy: str | None = Field(default=None, sa_column=Column(Text))
    organisation_id: uuid.UUID | None = Field(default=None, foreign_key="organisation.id", index=True)
    tags: list[str] = Field(default_factory=list, sa_column=_text_array())
    address: str | None = None
    postcode: str | None = Field(default=None, max_length=8)
    # Where the place really is; only moderators, its claimant and signed-in link workers see it (docs/privacy.md).
    # None for a service delivered by phone, online or at home (`delivery`, migration 0021).
    exact_location: Any = Field(
        default=None, sa_column=Column(Geography("POINT", srid=4326, spatial_index=False), nullable=True)
    )
    location_precision: str = Field(
        default=LocationPrecision.exact, sa_column=Column(Text, nullable=False, server_default="exact")
    )
    address_for_link_workers: bool | None = None  # may signed-in link workers read the address of a place not exact
    # The public position, which every public output reads: the database computes it from the three above and the
    # postcode (the trigger asset_public_location, migration 0017), so the application never writes it.
    location: Any = Field(
        default=None,
        sa_column=Column(
            Geography("POINT", srid=4326, spatial_index=False),
            nullable=True,
            server_default=FetchedValue(),
            server_onupdate=FetchedValue(),
        ),
    )
    delivery: str = Field(default=Delivery.location, sa_column=Column(Text, nullable=False, server_default="location"))
    # ONS codes of the areas it serves (`area`, or app.areas.models.WHOLE_UK); a service not delivered at a location is found by them.
    service_areas: list[str] = Field(default_factory=list, sa_column=_text_array())
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    free: bool | None = None
    cost_description: str | None = None
    accessibility: list[str] = Field(default_factory=list, sa_column=_text_array())
    languages: list[str] = Field(default_factory=list, sa_column=_text_array())
    min_age: int | None = None
    max_age: int | None = None
    audience: str | None = None  # who it is for, in the provider's words
    audience_cy: str | None = None
    drop_in: bool | None = None
    carers_welcome: bool | None = None  # a carer or support worker can come too
    opening_hours_text: str | None = None  # the source's own wording when it could not be parsed into sessions
    opening_hours_text_cy: str | None = None
    status: str = Field(default=AssetStatus.pending, max_length=12, index=True)
    source: str | None = Field(default=None, max_length=40)
    external_id: str | None = Field(default=None, max_length=120)
    last_verified_at: datetime | None = Field(default=None, sa_column=_timestamp())
    # Set when a moderator merged this place into another (it is archived; the other keeps its source identifiers).
    merged_into_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(ForeignKey("asset.id", ondelete="SET NULL"), nullable=True)
    )
    created_at: datetime = Field(default=None, sa_column=_timestamp(nullable=False, server_default=func.now()))
    updated_at: datetime = Field(default=None, sa_column=_timestamp(nullable=False, server_default=func.now()))
    search_vector: Any = Field(
        default=None,
        sa_column=Column(
            TSVECTOR,
            Computed(
                "to_tsvector('english', name || ' ' || description || ' ' || assetmap_join(tags))",
                persisted=True,
            ),
        ),
    )
    # The same texts in both languages as whole words without accents, for the search's words in Welsh (migration 0015;
    # the text search configuration assetmap_words is `unaccent` then `simple`: no stemming).
    search_words: Any = Field(
        default=None,
        sa_column=Column(
            TSVECTOR,
            Computed(
                "to_tsvector('assetmap_words', name || ' ' || coalesce(name_cy, '') || ' ' || description || ' ' "
                "|| coalesce(description_cy, '') || ' ' || assetmap_join(tags))",
                persisted=True,
            ),
        ),
    )


class AssetSourceId(SQLModel, table=True):
    """Every identifier an asset has in a source: its own (source, external_id), and those of the places merged into
    it, so a later import of any of those sources updates it. An identifier belongs to one asset (migration 0011)."""

    __tablename__ = "asset_source_id"

    source: str = Field(max_length=40, primary_key=True)
    external_id: str = Field(max_length=120, primary_key=True)
    asset_id: uuid.UUID = Field(sa_column=Column(ForeignKey("asset.id", ondelete="CASCADE"), nullable=False, index=True))
    # What this source gave at its last import (JSON), so that on a merged place a source changes only what it changed.
    imported: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    # The digest of the source's row as last imported, and the asset's updated_at then: while both hold, a row with
    # that digest would change nothing (app/imports/digests.py, migration 0027).
    row_digest: bytes | None = Field(default=None, sa_column=Column(BYTEA))
    asset_updated_at: datetime | None = Field(default=None, sa_column=_timestamp())


class AssetDuplicate(SQLModel, table=True):
    """Two places an import found alike (similar name, close by, from different sources), for a moderator to merge or
    dismiss; `asset_id` < `other_id`, so a pair is stored once (migration 0011)."""

    __tablename__ = "asset_duplicate"

    asset_id: uuid.UUID = Field(sa_column=Column(ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True))
    other_id: uuid.UUID = Field(sa_column=Column(ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True, index=True))
    similarity: float
    distance_m: float
    found_at: datetime = Field(default=None, sa_column=_timestamp(nullable=False, server_default=func.now()))
    dismissed_by: str | None = Field(default=None, max_length=200)
    dismissed_at: datetime | None = Field(default=None, sa_column=_timestamp())


class AssetHistory(SQLModel, table=True):
    """One change to one asset: who made it, from which submission, and each field's before and after."""

    __tablename__ = "asset_history"
    __table_args__ = (Index("ix_asset_history_asset_id", "asset_id", "changed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    asset_id: uuid.UUID = Field(sa_column=Column(ForeignKey("asset.id", ondelete="CASCADE"), nullable=False))
    changed_at: datetime = Field(default=None, sa_column=_timestamp(nullable=False, server_default=func.now()))
    actor: str = Field(max_length=200)
    action: str = Field(max_length=20)  # create / update / archive / restore / verify / merge
    submission_id: uuid.UUID | None = None
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
