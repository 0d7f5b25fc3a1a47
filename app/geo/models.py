"""Postcode and outcode positions, loaded from the ONS postcode files."""

from sqlmodel import Field, SQLModel


class Postcode(SQLModel, table=True):
    # Upper case with no space ("M11AE"): the form every lookup is normalised to.
    key: str = Field(primary_key=True, max_length=8)
    postcode: str = Field(max_length=8)  # display form, "M1 1AE"
    lat: float
    lon: float


class Outcode(SQLModel, table=True):
    outcode: str = Field(primary_key=True, max_length=4)
    lat: float
    lon: float
    n_postcodes: int = 0
