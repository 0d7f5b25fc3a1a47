"""The data version of the map layers (issue 17, docs/map-layers.md): a single-row counter, `data_version`, that goes
up whenever what the tiles and the GeoJSON layer show may have changed, so that their URLs can carry it and be cached
as immutable.

Statement-level triggers bump it, so a bulk statement writing 100,000 places costs one trigger call, not 100,000:
- on `asset`, when a row written (before or after) is published: an edit of a published place, one entering or
  leaving `published`, its deletion;
- on `asset_category` and `asset_session`, when a row belongs to a published place (its categories and schedule are
  in the layer);
- on `category` and `area` (the layer's category slugs and the `category`/`area` filters), on any change;
- on a TRUNCATE of any of them.
A transaction that changed any of that notes it once (a row in `data_version_change`; a transaction-local setting
remembers it was noted), and a deferred constraint trigger on that row bumps the counter as the transaction commits.
So the counter row is locked only from that moment to the commit: a long transaction (an import's batch, a dry run,
which never commits) does not hold up everyone else's edits, and a bump cannot take part in a deadlock. A transaction
that rolls back leaves the counter as it was.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = """
CREATE TABLE data_version (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    version bigint NOT NULL
);
INSERT INTO data_version (version) VALUES (1);
CREATE TABLE data_version_change (txid xid8 NOT NULL DEFAULT pg_current_xact_id());
CREATE FUNCTION assetmap_commit_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1;
    DELETE FROM data_version_change WHERE txid = NEW.txid;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER data_version_commit AFTER INSERT ON data_version_change
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION assetmap_commit_data_version()
"""
# `{new}` and `{old}`: queries finding a row that matters among the rows the statement wrote, in its transition
# tables `new_rows` and `old_rows`. Each IF branch is planned only when reached, so a DELETE never plans the query on
# `new_rows`, which its trigger does not have.
BUMP = """
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed boolean;
BEGIN
    IF current_setting('assetmap.data_version_noted', true) = 'yes' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        changed := true;
    ELSIF TG_OP = 'INSERT' THEN
        changed := EXISTS ({new});
    ELSIF TG_OP = 'DELETE' THEN
        changed := EXISTS ({old});
    ELSE
        changed := EXISTS ({new}) OR EXISTS ({old});
    END IF;
    IF changed THEN
        INSERT INTO data_version_change DEFAULT VALUES;
        PERFORM set_config('assetmap.data_version_noted', 'yes', true);
    END IF;
    RETURN NULL;
END
$$
"""
_PUBLISHED = "SELECT 1 FROM {rows} WHERE status = 'published'"
_OF_PUBLISHED = "SELECT 1 FROM {rows} r JOIN asset a ON a.id = r.asset_id WHERE a.status = 'published'"
_ANY = "SELECT 1 FROM {rows}"
FUNCTIONS = {
    "assetmap_bump_data_version_published": _PUBLISHED,
    "assetmap_bump_data_version_of_published": _OF_PUBLISHED,
    "assetmap_bump_data_version_any": _ANY,
}
TABLES = {
    "asset": "assetmap_bump_data_version_published",
    "asset_category": "assetmap_bump_data_version_of_published",
    "asset_session": "assetmap_bump_data_version_of_published",
    "category": "assetmap_bump_data_version_any",
    "area": "assetmap_bump_data_version_any",
}
# A trigger with transition tables has one event (PostgreSQL's rule), so each table has four.
EVENTS = {
    "insert": "REFERENCING NEW TABLE AS new_rows",
    "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "REFERENCING OLD TABLE AS old_rows",
    "truncate": "",
}


def upgrade() -> None:
    op.execute(TABLE)
    for name, rows_sql in FUNCTIONS.items():
        op.execute(BUMP.format(name=name, new=rows_sql.format(rows="new_rows"), old=rows_sql.format(rows="old_rows")))
    for table, function in TABLES.items():
        for event, referencing in EVENTS.items():
            op.execute(
                f"CREATE TRIGGER {table}_data_version_{event} AFTER {event.upper()} ON {table} {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )


def downgrade() -> None:
    for table in TABLES:
        for event in EVENTS:
            op.execute(f"DROP TRIGGER {table}_data_version_{event} ON {table}")
    for name in FUNCTIONS:
        op.execute(f"DROP FUNCTION {name}()")
    op.execute("DROP TABLE data_version_change")
    op.execute("DROP FUNCTION assetmap_commit_data_version()")
    op.execute("DROP TABLE data_version")
