"""Each published place's vector tile row, prebuilt (issue 17, docs/benchmarks.md): `asset_tile_point`, one row per
published asset with a location, holding what a tile needs of it: its point in lon/lat (the tile's box test, as
before) and in Web Mercator (what ST_AsMVTGeom takes, so no ST_Transform per feature), its name and Welsh name, and
its top category (split_part of the path of its first category by position, so no subquery per feature).

A crowded tile keeps the assets with the lowest ids (app/maps/repository.py): its primary key index carries every
column, so the walk in id order is an index-only scan over compact entries, with a plain geometry test per entry
instead of a cast from geography; a sparse tile takes its rows through the GiST index on `lonlat`.

Statement-level triggers keep it current, as `asset_item`'s do (migration 0023):
- on `asset`, inserted rows, and updated rows whose status, location, name or Welsh name changed (a place that is no
  longer published, or has no location, loses its row; a deleted asset's row goes with it, ON DELETE CASCADE);
- on `asset_category`, the assets whose rows were written or deleted;
- on `category`, the assets filed under a category whose path or position changed.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = """
CREATE TABLE asset_tile_point (
    asset_id uuid NOT NULL REFERENCES asset (id) ON DELETE CASCADE,
    lonlat geometry(Point, 4326) NOT NULL,
    point geometry(Point, 3857) NOT NULL,
    name varchar(200) NOT NULL,
    name_cy varchar(200),
    category text,
    CONSTRAINT asset_tile_point_pkey PRIMARY KEY (asset_id) INCLUDE (lonlat, point, name, name_cy, category)
)
"""
WRITE_TILE_POINTS = """
CREATE FUNCTION assetmap_write_tile_points(ids uuid[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM asset_tile_point t WHERE t.asset_id = ANY(ids) AND NOT EXISTS (
        SELECT 1 FROM asset a WHERE a.id = t.asset_id AND a.status = 'published' AND a.location IS NOT NULL
    );
    INSERT INTO asset_tile_point (asset_id, lonlat, point, name, name_cy, category)
    SELECT a.id, a.location::geometry, ST_Transform(a.location::geometry, 3857), a.name, a.name_cy, (
        SELECT split_part(c.path, '/', 1) FROM asset_category ac JOIN category c ON c.id = ac.category_id
        WHERE ac.asset_id = a.id ORDER BY c.position LIMIT 1
    )
    FROM asset a WHERE a.id = ANY(ids) AND a.status = 'published' AND a.location IS NOT NULL
    ON CONFLICT (asset_id) DO UPDATE SET lonlat = EXCLUDED.lonlat, point = EXCLUDED.point, name = EXCLUDED.name,
        name_cy = EXCLUDED.name_cy, category = EXCLUDED.category
    WHERE (asset_tile_point.lonlat, asset_tile_point.name, asset_tile_point.name_cy, asset_tile_point.category)
        IS DISTINCT FROM (EXCLUDED.lonlat, EXCLUDED.name, EXCLUDED.name_cy, EXCLUDED.category)
$$
"""
# As in migration 0023: each IF branch is planned only when reached, so a DELETE never plans the query on `new_rows`.
TRIGGER_FUNCTIONS = """
CREATE FUNCTION assetmap_tile_points_of_new_assets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM assetmap_write_tile_points(ARRAY(SELECT id FROM new_rows));
    RETURN NULL;
END
$$;
CREATE FUNCTION assetmap_tile_points_of_changed_assets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM assetmap_write_tile_points(ARRAY(
        SELECT n.id FROM new_rows n JOIN old_rows o USING (id)
        WHERE (n.status, n.location, n.name, n.name_cy) IS DISTINCT FROM (o.status, o.location, o.name, o.name_cy)
    ));
    RETURN NULL;
END
$$;
CREATE FUNCTION assetmap_tile_points_of_asset_categories() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM assetmap_write_tile_points(ARRAY(SELECT DISTINCT asset_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM assetmap_write_tile_points(ARRAY(SELECT DISTINCT asset_id FROM old_rows));
    ELSE
        PERFORM assetmap_write_tile_points(ARRAY(SELECT asset_id FROM new_rows UNION SELECT asset_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION assetmap_tile_points_of_categories() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM assetmap_write_tile_points(ARRAY(
        SELECT DISTINCT ac.asset_id FROM asset_category ac WHERE ac.category_id IN (
            SELECT n.id FROM new_rows n JOIN old_rows o USING (id)
            WHERE (n.path, n.position) IS DISTINCT FROM (o.path, o.position)
        )
    ));
    RETURN NULL;
END
$$
"""
# (table, event, function): a trigger with transition tables has one event.
TRIGGERS = [
    ("asset", "INSERT", "assetmap_tile_points_of_new_assets"),
    ("asset", "UPDATE", "assetmap_tile_points_of_changed_assets"),
    *[("asset_category", event, "assetmap_tile_points_of_asset_categories") for event in ("INSERT", "UPDATE", "DELETE")],
    ("category", "UPDATE", "assetmap_tile_points_of_categories"),
]
_TRANSITION = {"INSERT": "NEW TABLE AS new_rows", "UPDATE": "NEW TABLE AS new_rows OLD TABLE AS old_rows",
               "DELETE": "OLD TABLE AS old_rows"}
FUNCTIONS = ["assetmap_tile_points_of_new_assets", "assetmap_tile_points_of_changed_assets",
             "assetmap_tile_points_of_asset_categories", "assetmap_tile_points_of_categories"]


def _name(table: str, event: str) -> str:
    return f"{table}_tile_points_{event.lower()}"


def upgrade() -> None:
    op.execute(TABLE)
    op.execute(WRITE_TILE_POINTS)
    op.execute(TRIGGER_FUNCTIONS)
    for table, event, function in TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} REFERENCING {_TRANSITION[event]} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
    op.execute("SELECT assetmap_write_tile_points(ARRAY(SELECT id FROM asset WHERE status = 'published'))")
    op.execute("CREATE INDEX ix_asset_tile_point_lonlat ON asset_tile_point USING gist (lonlat)")
    op.execute("ANALYZE asset_tile_point")


def downgrade() -> None:
    for table, event, _ in TRIGGERS:
        op.execute(f"DROP TRIGGER {_name(table, event)} ON {table}")
    for function in FUNCTIONS:
        op.execute(f"DROP FUNCTION {function}()")
    op.execute("DROP FUNCTION assetmap_write_tile_points(uuid[])")
    op.execute("DROP TABLE asset_tile_point")
