"""Places in Welsh and in English (issue 15): an optional Welsh version of each text people write about a place (its
name, description, opening hours in words and who it is for); the Welsh name in the crowded tiles' covering index, so
that a tile still reads no table row; and the words of both languages for the search (`search_words`).

PostgreSQL has no Welsh stemmer. `search_words` holds the name, description and tags in both languages as whole words
without accents (the text search configuration `assetmap_words`: the `unaccent` dictionary, then `simple`), so that
`cor` finds "Côr Meibion" and `côr` finds "Cor Meibion"; the English `search_vector` keeps its stemming
(docs/cymraeg.md, "What the search matches in Welsh"). Adding the stored column rewrites the table once.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tile_index(include: list[str]) -> None:
    op.drop_index("ix_asset_published_id", table_name="asset")
    op.create_index(
        "ix_asset_published_id",
        "asset",
        ["id"],
        postgresql_include=include,
        postgresql_where=sa.text("status = 'published'"),
    )


WORDS = (
    "to_tsvector('assetmap_words', name || ' ' || coalesce(name_cy, '') || ' ' || description || ' ' "
    "|| coalesce(description_cy, '') || ' ' || assetmap_join(tags))"
)


def upgrade() -> None:
    op.add_column("asset", sa.Column("name_cy", sa.String(200)))
    op.add_column("asset", sa.Column("description_cy", sa.Text))
    op.add_column("asset", sa.Column("opening_hours_text_cy", sa.String))
    op.add_column("asset", sa.Column("audience_cy", sa.String))
    _tile_index(["location", "name", "name_cy"])
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")  # made by init-db; here for a database made another way
    op.execute("CREATE TEXT SEARCH CONFIGURATION assetmap_words (COPY = simple)")
    op.execute("ALTER TEXT SEARCH CONFIGURATION assetmap_words ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple")
    op.add_column("asset", sa.Column("search_words", postgresql.TSVECTOR, sa.Computed(WORDS, persisted=True)))
    op.create_index("ix_asset_search_words", "asset", ["search_words"], postgresql_using="gin")


def downgrade() -> None:
    op.drop_index("ix_asset_search_words", table_name="asset")
    op.drop_column("asset", "search_words")
    op.execute("DROP TEXT SEARCH CONFIGURATION assetmap_words")
    _tile_index(["location", "name"])
    for column in ("audience_cy", "opening_hours_text_cy", "description_cy", "name_cy"):
        op.drop_column("asset", column)
