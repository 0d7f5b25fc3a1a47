"""An import is not a verification (issue 12, item 11): the dates imports wrote as `last_verified_at` are cleared.

Until now every place an import created was marked verified at the moment of the import, so a 2018 OpenStreetMap
extract loaded today read "Verified" today. From now on a place carries the date its source vouches for, or none.
Existing places keep a date only when something vouched for it: a moderator's check or approval, an API write, or an
Open Referral `assured_date`. The date is cleared where it is still the one an import gave when it created the place
(the create entry of its history by an `import:…` actor shows that same moment, within a second, as the time of the
entry) and no person or API key has set it since. Each clearing is recorded in the asset's history (actor
`migration:0010`), so the downgrade puts the dates back from there.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTOR = "migration:0010"


def upgrade() -> None:
    op.execute(
        f"""
        WITH cleared AS (
            SELECT a.id FROM asset a
            JOIN asset_history c ON c.asset_id = a.id AND c.action = 'create' AND c.actor LIKE 'import:%%'
            WHERE a.last_verified_at IS NOT NULL
              AND abs(extract(epoch FROM a.last_verified_at - c.changed_at)) < 1
              AND abs(extract(epoch FROM a.last_verified_at - (c.snapshot->>'last_verified_at')::timestamptz)) < 1
              AND NOT EXISTS (
                  SELECT 1 FROM asset_history h
                  WHERE h.asset_id = a.id AND h.actor NOT LIKE 'import:%%' AND h.changes ? 'last_verified_at'
              )
        ), recorded AS (
            INSERT INTO asset_history (asset_id, changed_at, actor, action, changes, snapshot)
            SELECT cl.id, now(), '{ACTOR}', 'update',
                   jsonb_build_object('last_verified_at', jsonb_build_array(latest.snapshot->'last_verified_at', NULL)),
                   jsonb_set(latest.snapshot, '{{last_verified_at}}', 'null')
            FROM cleared cl CROSS JOIN LATERAL (
                SELECT snapshot FROM asset_history WHERE asset_id = cl.id ORDER BY changed_at DESC, id DESC LIMIT 1
            ) latest
        )
        UPDATE asset SET last_verified_at = NULL WHERE id IN (SELECT id FROM cleared)
        """
    )


def downgrade() -> None:
    op.execute(
        f"""
        UPDATE asset a SET last_verified_at = (h.changes->'last_verified_at'->>0)::timestamptz
        FROM asset_history h WHERE h.asset_id = a.id AND h.actor = '{ACTOR}'
        """
    )
    op.execute(f"DELETE FROM asset_history WHERE actor = '{ACTOR}'")
