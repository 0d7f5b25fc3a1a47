"""Council, region and country outlines, loaded from the ONS boundary files."""

from enum import StrEnum
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import ARRAY, Column, Index, Text
from sqlmodel import Field, SQLModel


class AreaLevel(StrEnum):
    """Tiers of government, most local first."""

    ltla = "ltla"  # lower-tier local authority: district, borough, unitary or metropolitan council
    utla = "utla"  # upper-tier local authority: county or unitary council
    region = "region"
    country = "country"


# The ONS code of the United Kingdom: the service area of a service open to anyone anywhere in the UK (an asset's
# `service_areas`, migration 0021). It is not a row of `area`; the service-area condition treats it on its own.
WHOLE_UK = "K02000001"


class Area(SQLModel, table=True):
    __table_args__ = (Index("ix_area_geom", "geom", postgresql_using="gist"),)

    # ONS code, such as E08000003. A unitary council is both an ltla and a utla under one code (the outline is
    # the same in both files), so one row holds every level the code was loaded at, most local first.
    code: str = Field(primary_key=True, max_length=9)
    name: str = Field(max_length=200)
    levels: list[str] = Field(sa_column=Column(ARRAY(Text), nullable=False))
    geom: Any = Field(sa_column=Column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False))
