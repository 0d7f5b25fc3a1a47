"""Each place's public JSON, prebuilt (issue 17, docs/benchmarks.md): `asset_item`, one row per asset holding the
fields the API shows for it (AssetPublic, app/assets/fields.py) as a JSON object, in the order and form the nearby
search wrote them itself until now: timestamps in UTC with a "Z", categories by taxonomy position, the weekly schedule,
the organisation. The search appends what depends on the search (`distance_m`, and `stale`, which moves with the
clock) and splices the objects into its answer, instead of building 20 objects from the asset's columns and three
other tables on every search.

Statement-level triggers keep it current, so a bulk statement writing 100,000 places rewrites their items once:
- on `asset`, inserted and updated rows (a deleted asset's item goes with it, ON DELETE CASCADE);
- on `asset_category` and `asset_session`, the assets whose rows were written or deleted;
- on `organisation`, the assets of an updated organisation;
- on `category`, the assets filed under a category whose slug or position changed.

The item's fields are written out below as they stand at this revision. A migration that changes the public fields
must create `assetmap_write_items` again with them and rewrite every item (`SELECT assetmap_write_items(ARRAY(SELECT
id FROM asset))`); tests/search/test_prebuilt_items.py fails until it does.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WRITE_ITEMS = """
CREATE FUNCTION assetmap_write_items(ids uuid[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO asset_item (asset_id, item)
    SELECT a.id, row_to_json(i)::text FROM asset a CROSS JOIN LATERAL (SELECT
        a.id AS id,
        a.name AS name,
        a.name_cy AS name_cy,
        a.description AS description,
        a.description_cy AS description_cy,
        ARRAY(
        SELECT c.slug FROM asset_category ac JOIN category c ON c.id = ac.category_id
        WHERE ac.asset_id = a.id ORDER BY c.position
        ) AS categories,
        a.tags AS tags,
        (
        SELECT json_build_object('name', o.name, 'website', o.website, 'email', o.email, 'phone', o.phone)
        FROM organisation o WHERE o.id = a.organisation_id
        ) AS organisation,
        CASE WHEN a.location_precision = 'exact' THEN a.address END AS address,
        CASE WHEN a.location_precision = 'exact' THEN a.postcode END AS postcode,
        a.location_precision AS location_precision,
        a.address_for_link_workers AS address_for_link_workers,
        a.delivery AS delivery,
        a.service_areas AS service_areas,
        ST_Y(a.location::geometry) AS lat,
        ST_X(a.location::geometry) AS lon,
        a.phone AS phone,
        a.email AS email,
        a.website AS website,
        a.free AS free,
        a.cost_description AS cost_description,
        a.accessibility AS accessibility,
        a.languages AS languages,
        a.min_age AS min_age,
        a.max_age AS max_age,
        a.audience AS audience,
        a.audience_cy AS audience_cy,
        a.drop_in AS drop_in,
        a.carers_welcome AS carers_welcome,
        (
        SELECT coalesce(json_agg(json_build_object(
        'day', (ARRAY['mon','tue','wed','thu','fri','sat','sun'])[s.weekday + 1],
        'opens', to_char(s.opens, 'HH24:MI'), 'closes', to_char(s.closes, 'HH24:MI'), 'note', s.note
        ) ORDER BY s.weekday, s.opens), '[]')
        FROM asset_session s WHERE s.asset_id = a.id
        ) AS schedule,
        a.opening_hours_text AS opening_hours_text,
        a.opening_hours_text_cy AS opening_hours_text_cy,
        a.status AS status,
        a.source AS source,
        a.external_id AS external_id,
        to_char(a.last_verified_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS last_verified_at,
        a.merged_into_id AS merged_into,
        to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
        to_char(a.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_at
    ) i
    WHERE a.id = ANY(ids)
    ON CONFLICT (asset_id) DO UPDATE SET item = EXCLUDED.item
$$
"""
# The transition tables are `new_rows` and `old_rows`; each IF branch is planned only when reached, so a DELETE never
# plans the query on `new_rows`, which its trigger does not have.
TRIGGER_FUNCTIONS = """
CREATE FUNCTION assetmap_items_of_assets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM assetmap_write_items(ARRAY(SELECT id FROM new_rows));
    RETURN NULL;
END
$$;
CREATE FUNCTION assetmap_items_of_asset_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM assetmap_write_items(ARRAY(SELECT DISTINCT asset_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM assetmap_write_items(ARRAY(SELECT DISTINCT asset_id FROM old_rows));
    ELSE
        PERFORM assetmap_write_items(ARRAY(SELECT asset_id FROM new_rows UNION SELECT asset_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION assetmap_items_of_organisations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM assetmap_write_items(ARRAY(SELECT a.id FROM asset a WHERE a.organisation_id IN (SELECT id FROM new_rows)));
    RETURN NULL;
END
$$;
CREATE FUNCTION assetmap_items_of_categories() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM assetmap_write_items(ARRAY(
        SELECT DISTINCT ac.asset_id FROM asset_category ac WHERE ac.category_id IN (
            SELECT n.id FROM new_rows n JOIN old_rows o USING (id)
            WHERE (n.slug, n.position) IS DISTINCT FROM (o.slug, o.position)
        )
    ));
    RETURN NULL;
END
$$
"""
# (table, event, function): a trigger with transition tables has one event.
TRIGGERS = [
    ("asset", "INSERT", "assetmap_items_of_assets"),
    ("asset", "UPDATE", "assetmap_items_of_assets"),
    *[(table, event, "assetmap_items_of_asset_rows")
      for table in ("asset_category", "asset_session") for event in ("INSERT", "UPDATE", "DELETE")],
    ("organisation", "UPDATE", "assetmap_items_of_organisations"),
    ("category", "UPDATE", "assetmap_items_of_categories"),
]
_TRANSITION = {"INSERT": "NEW TABLE AS new_rows", "UPDATE": "NEW TABLE AS new_rows OLD TABLE AS old_rows",
               "DELETE": "OLD TABLE AS old_rows"}


def _name(table: str, event: str) -> str:
    return f"{table}_items_{event.lower()}"


def upgrade() -> None:
    op.execute(
        "CREATE TABLE asset_item ("
        "asset_id uuid PRIMARY KEY REFERENCES asset (id) ON DELETE CASCADE, item text NOT NULL)"
    )
    op.execute(WRITE_ITEMS)
    op.execute(TRIGGER_FUNCTIONS)
    for table, event, function in TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} REFERENCING {_TRANSITION[event]} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
    op.execute("SELECT assetmap_write_items(ARRAY(SELECT id FROM asset))")


def downgrade() -> None:
    for table, event, _ in TRIGGERS:
        op.execute(f"DROP TRIGGER {_name(table, event)} ON {table}")
    for function in ("assetmap_items_of_assets", "assetmap_items_of_asset_rows", "assetmap_items_of_organisations",
                     "assetmap_items_of_categories"):
        op.execute(f"DROP FUNCTION {function}()")
    op.execute("DROP FUNCTION assetmap_write_items(uuid[])")
    op.execute("DROP TABLE asset_item")
