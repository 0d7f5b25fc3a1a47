"""Where the need is (issue 14): deprivation by LSOA, access to places from each LSOA, and anonymised demand.

- `lsoa`: the 2011 Lower layer Super Output Areas of England and Wales, each with its own nation's deprivation rank
  and decile (English IMD 2019 or Welsh WIMD 2019: never comparable across the border), the ONS super-generalised
  outline (for the map and for placing a search) and the ONS centroid (for access and for areas).
- `lsoa_access`: per LSOA and top-level category, published places within 800 m and 1,600 m of the centroid and the
  distance to the nearest, replaced as a whole by each refresh (`insights_refresh` dates it).
- `search_demand`: one row per nearby search, holding only the searcher's LSOA, the day, the category slugs and the
  names of the filters asked for, and how many places were found. docs/privacy.md says what is kept and for how long.
- `lsoa_demand` and `area_demand_month`: the published figures per LSOA and top-level category, and per area (council,
  region or country), top-level category and month, already suppressed and rounded; the only demand figures anything
  outside the database reads.
"""

import uuid
from datetime import date, datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    ARRAY,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlmodel import Field, SQLModel


class Lsoa(SQLModel, table=True):
    __table_args__ = (
        Index("ix_lsoa_boundary", "boundary", postgresql_using="gist"),
        Index("ix_lsoa_centroid", "centroid", postgresql_using="gist"),
    )

    code: str = Field(primary_key=True, max_length=9)  # 2011 LSOA code, E01… or W01…
    name: str = Field(max_length=120)
    nation: str = Field(max_length=1)  # E or W
    # Each nation's own index: English IMD 2019 or Welsh WIMD 2019. 1 = most deprived tenth of that nation's LSOAs.
    deprivation_decile: int | None = Field(default=None, sa_column=Column(SmallInteger))
    deprivation_rank: int | None = Field(default=None, sa_column=Column(Integer))
    boundary: Any = Field(default=None, sa_column=Column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False)))
    centroid: Any = Field(sa_column=Column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False))


class LsoaAccess(SQLModel, table=True):
    __tablename__ = "lsoa_access"

    lsoa_code: str = Field(sa_column=Column(String(9), ForeignKey("lsoa.code", ondelete="CASCADE"), primary_key=True))
    category_id: int = Field(sa_column=Column(Integer, ForeignKey("category.id", ondelete="CASCADE"), primary_key=True))
    places_800m: int = Field(sa_column=Column(Integer, nullable=False))
    places_1600m: int = Field(sa_column=Column(Integer, nullable=False))
    nearest_m: float | None = Field(default=None, sa_column=Column(Float))  # none: no published place of it at all


class LsoaDemand(SQLModel, table=True):
    """Published demand: counts below the threshold are null, the rest rounded (app/insights/service.py)."""

    __tablename__ = "lsoa_demand"

    lsoa_code: str = Field(sa_column=Column(String(9), ForeignKey("lsoa.code", ondelete="CASCADE"), primary_key=True))
    category_id: int = Field(sa_column=Column(Integer, ForeignKey("category.id", ondelete="CASCADE"), primary_key=True))
    searches: int | None = Field(default=None, sa_column=Column(Integer))
    unmet_searches: int | None = Field(default=None, sa_column=Column(Integer))


class AreaDemandMonth(SQLModel, table=True):
    """Published demand per area, top-level category and calendar month: a month under the threshold has no row."""

    __tablename__ = "area_demand_month"

    area_code: str = Field(sa_column=Column(String(9), ForeignKey("area.code", ondelete="CASCADE"), primary_key=True))
    category_id: int = Field(sa_column=Column(Integer, ForeignKey("category.id", ondelete="CASCADE"), primary_key=True))
    month: date = Field(sa_column=Column(Date, primary_key=True))  # its first day
    searches: int | None = Field(default=None, sa_column=Column(Integer))
    unmet_searches: int | None = Field(default=None, sa_column=Column(Integer))


class SearchDemand(SQLModel, table=True):
    """One nearby search, anonymised: no postcode, coordinates, time of day, user, key or address (docs/privacy.md)."""

    __tablename__ = "search_demand"
    __table_args__ = (Index("ix_search_demand_day", "day"),)

    # A random key, not a sequence: a sequence would order the day's searches (almost a time of day) and link
    # one person's successive searches.
    id: uuid.UUID = Field(
        default_factory=uuid.uuid4,
        sa_column=Column(UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
    )
    day: date = Field(sa_column=Column(Date, nullable=False))
    lsoa_code: str = Field(sa_column=Column(String(9), nullable=False))
    categories: list[str] = Field(default_factory=list, sa_column=Column(ARRAY(Text), nullable=False, server_default="{}"))
    filters: list[str] = Field(default_factory=list, sa_column=Column(ARRAY(Text), nullable=False, server_default="{}"))
    found: int = Field(sa_column=Column(Integer, nullable=False))


class InsightsRefresh(SQLModel, table=True):
    """Each refresh of `lsoa_access` and `lsoa_demand`: the latest finished one dates the figures ("as of")."""

    __tablename__ = "insights_refresh"

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()))
    finished_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    counts: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default="{}"))
    message: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
