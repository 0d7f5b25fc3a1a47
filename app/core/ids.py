"""Integers in request paths, bounded to what PostgreSQL stores, so that an id no row can have is a 422 before any SQL
runs (PostgreSQL refuses a parameter beyond its column's type with an error, which would be a 500). Every route that
takes an integer in its path uses one of these types; tests/assets/test_assets_api.py checks that none is left unbounded."""

from typing import Annotated

from fastapi import Path

INT4_MAX = 2**31 - 1  # PostgreSQL `integer`, the type of every serial id here

RowId = Annotated[int, Path(ge=1, le=INT4_MAX, description="A row's id (a positive integer)")]
