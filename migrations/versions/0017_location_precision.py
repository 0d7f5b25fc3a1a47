"""How precisely a place is shown (issue 16, docs/privacy.md): `exact_location`, where the place really is, and
`location_precision`: exact, approximate (the centre of its 250 m cell of the British National Grid) or area (the
centre of its postcode district). `location` becomes the public position: the trigger asset_public_location computes
it from those whenever one of them, the postcode or `location` itself is written, so every output that reads
`location` (search, tiles, layers, exports, Open Referral, shortlists, insights) shows only the public position.
`address_for_link_workers`: whether signed-in link workers may read the address of a place shown approximately.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geography

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The centre of the `cell`-metre square of the British National Grid (EPSG:27700) a point lies in, back in lon/lat:
# every point of a cell gives the same centre, so nothing in it tells where in the cell the place is.
GRID_CENTRE = """
CREATE FUNCTION assetmap_grid_centre(point geography, cell double precision) RETURNS geography
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ST_Transform(ST_SetSRID(ST_MakePoint(
        floor(ST_X(p) / cell) * cell + cell / 2, floor(ST_Y(p) / cell) * cell + cell / 2), 27700), 4326)::geography
    FROM ST_Transform(point::geometry, 27700) AS p
$$
"""
# The public position of a place: its own (exact), its cell's centre (approximate), or the centre of its postcode's
# district (area; a 2 km cell's centre when the district is not known).
PUBLIC_LOCATION = """
CREATE FUNCTION assetmap_public_location(exact geography, location_precision text, postcode text) RETURNS geography
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE location_precision
        WHEN 'exact' THEN exact
        WHEN 'approximate' THEN assetmap_grid_centre(exact, 250)
        ELSE coalesce(
            (SELECT ST_SetSRID(ST_MakePoint(o.lon, o.lat), 4326)::geography
             FROM outcode o WHERE o.outcode = split_part(postcode, ' ', 1)),
            assetmap_grid_centre(exact, 2000))
    END
$$
"""
TRIGGER = """
CREATE FUNCTION asset_public_location() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- a row written with only `location` (a bulk SQL loader such as bench/generate.py) is placed there exactly
    NEW.exact_location := coalesce(NEW.exact_location, NEW.location);
    NEW.location := assetmap_public_location(NEW.exact_location, NEW.location_precision, NEW.postcode);
    RETURN NEW;
END
$$;
CREATE TRIGGER asset_public_location BEFORE INSERT OR UPDATE OF exact_location, location_precision, postcode, location
ON asset FOR EACH ROW EXECUTE FUNCTION asset_public_location()
"""


def upgrade() -> None:
    op.add_column("asset", sa.Column("exact_location", Geography("POINT", srid=4326, spatial_index=False)))
    op.execute("UPDATE asset SET exact_location = location")
    op.alter_column("asset", "exact_location", nullable=False)
    op.add_column(
        "asset",
        sa.Column(
            "location_precision",
            sa.Text,
            sa.CheckConstraint("location_precision IN ('exact', 'approximate', 'area')", name="ck_asset_location_precision"),
            nullable=False,
            server_default="exact",
        ),
    )
    op.add_column("asset", sa.Column("address_for_link_workers", sa.Boolean))
    op.create_index("ix_asset_exact_location", "asset", ["exact_location"], postgresql_using="gist")
    op.execute(GRID_CENTRE)
    op.execute(PUBLIC_LOCATION)
    op.execute(TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER asset_public_location ON asset")
    op.execute("DROP FUNCTION asset_public_location()")
    op.execute("UPDATE asset SET location = exact_location")
    op.execute("DROP FUNCTION assetmap_public_location(geography, text, text)")
    op.execute("DROP FUNCTION assetmap_grid_centre(geography, double precision)")
    op.drop_index("ix_asset_exact_location", "asset")
    op.drop_column("asset", "address_for_link_workers")
    op.drop_column("asset", "location_precision")
    op.drop_column("asset", "exact_location")
