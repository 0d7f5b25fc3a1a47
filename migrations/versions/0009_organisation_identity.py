"""Organisations belong to their source (issue 12, item 13): `source` and `external_id` (the organisation's id in that
source), unique together; the unique name goes.

Before, organisations were matched by name across every source, so two directories naming the same organisation
overwrote each other's website and email on every run. Now an imported organisation is found by (source, its id
there), or by its name within its source when the source gives no id; one entered through the API has no source and
is matched by name among those. Existing organisations keep no source (nothing recorded which source made them): the
next import of each source makes its own and points its assets at it (recorded in their history when a value
differs); the old ones stay for the API's assets.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("organisation", sa.Column("source", sa.String(40)))
    op.add_column("organisation", sa.Column("external_id", sa.String(120)))
    op.drop_constraint("organisation_name_key", "organisation", type_="unique")
    op.create_index(
        "uq_organisation_source_external_id", "organisation", ["source", "external_id"], unique=True,
        postgresql_where=sa.text("external_id IS NOT NULL"),
    )
    op.create_index(
        "uq_organisation_source_name", "organisation", [sa.text("coalesce(source, '')"), "name"], unique=True,
        postgresql_where=sa.text("external_id IS NULL"),
    )


def downgrade() -> None:
    # Per-source organisations of the same name become one again: the assets of the later ones move to the first.
    firsts = "SELECT id, first_value(id) OVER (PARTITION BY name ORDER BY source NULLS FIRST, id) AS keep FROM organisation"
    op.execute(f"UPDATE asset a SET organisation_id = f.keep FROM ({firsts}) f WHERE a.organisation_id = f.id AND f.id <> f.keep")
    op.execute(f"DELETE FROM organisation o USING ({firsts}) f WHERE o.id = f.id AND f.id <> f.keep")
    op.drop_index("uq_organisation_source_name", "organisation")
    op.drop_index("uq_organisation_source_external_id", "organisation")
    op.create_unique_constraint("organisation_name_key", "organisation", ["name"])
    op.drop_column("organisation", "external_id")
    op.drop_column("organisation", "source")
