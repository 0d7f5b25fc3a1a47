"""The taxonomy: a tree of categories. Rows are seeded by migrations, never by code paths."""

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel


class Category(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=60, unique=True, index=True)
    name: str = Field(max_length=120)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # In Welsh (migration 0016); app/categories/service.py names a category in the request's language.
    name_cy: str | None = Field(default=None, max_length=120)
    description_cy: str | None = Field(default=None, sa_column=Column(Text))
    parent_id: int | None = Field(default=None, foreign_key="category.id", index=True)
    # Slugs from the root down, joined by "/": a subtree is `path = p OR path LIKE p || '/%'`.
    path: str = Field(max_length=400, unique=True)
    position: int = 0
