"""Open Referral ids: uuid-ossp, and an index to find an asset by its service_at_location id.

A service_at_location id is uuid_generate_v5(namespace, 'service_at_location/' || asset id) (see
app/openreferral/ids.py); this expression index makes `GET /oruk/service_at_locations/{id}` an index lookup.

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Must equal app.openreferral.ids.NAMESPACE: written out so the migration never changes with the code.
NAMESPACE = "df6ab7ae-0f27-4ea1-ab9f-4973e05b9736"


def upgrade() -> None:
    op.execute('CREATE EXTENSION IF NOT EXISTS "uuid-ossp"')
    op.execute(
        "CREATE INDEX ix_asset_oruk_sal_id ON asset "
        f"(uuid_generate_v5('{NAMESPACE}'::uuid, 'service_at_location/' || id::text))"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_asset_oruk_sal_id")
