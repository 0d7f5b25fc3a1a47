"""All SQL of the Open Referral API: one statement per request (plus a count when a page is past the end).

Rows have the asset's public columns (categories, weekly sessions and organisation aggregated in SQL, so there is no
N+1) plus the organisation's id; mapping.py turns them into HSDS objects. Paging reuses the asset store's statement,
and the nearest-first search is the nearby search's (search/service.py), with this select list.
"""

import uuid
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from app.assets import repository as assets
from app.openreferral.ids import NAMESPACE

# The names of the service's areas, in its order (the whole UK is not a row of `area`: named by mapping.py).
AREA_NAMES = """ARRAY(
    SELECT coalesce(ar.name, '') FROM unnest(a.service_areas) WITH ORDINALITY AS c(code, n)
    LEFT JOIN area ar ON ar.code = c.code ORDER BY c.n
)"""
# Whether a service is at a location (HSDS 3.0): a physical one, or a virtual one with the url people reach it at (an
# online service with a website). A service by phone or at home, or online without a website, is at none: it has no
# service_at_location and is found by its service_areas. The one rule: mapping.py reads it as `at_a_location`.
AT_A_LOCATION = "(a.delivery = 'location' OR (a.delivery = 'online' AND coalesce(a.website, '') <> ''))"
COLUMNS = f"{assets.PUBLIC_COLUMNS}, a.organisation_id, {AREA_NAMES} AS service_area_names, {AT_A_LOCATION} AS at_a_location"

# ids.service_at_location_id(a.id) in SQL; the expression is indexed by migration 0004.
SAL_ID_SQL = f"uuid_generate_v5('{NAMESPACE}'::uuid, 'service_at_location/' || a.id::text)"

def list_services(
    session: Session, filters: list[str], params: dict[str, Any], limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """Published assets matching every filter, by name."""
    return assets.list_published(session, filters, params, limit, offset, columns=COLUMNS)


def get_service(session: Session, asset_id: uuid.UUID) -> dict[str, Any] | None:
    sql = f"SELECT {COLUMNS} FROM asset a WHERE a.id = :id AND a.status = 'published'"
    row = session.execute(text(sql), {"id": asset_id}).mappings().first()
    return dict(row) if row else None


def list_service_at_locations(
    session: Session, filters: list[str], params: dict[str, Any], limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """Published services at a location (AT_A_LOCATION) matching every filter, by name."""
    return list_services(session, [*filters, AT_A_LOCATION], params, limit, offset)


def get_by_service_at_location(session: Session, sal_id: uuid.UUID) -> dict[str, Any] | None:
    sql = f"SELECT {COLUMNS} FROM asset a WHERE {SAL_ID_SQL} = :id AND a.status = 'published' AND {AT_A_LOCATION}"
    row = session.execute(text(sql), {"id": sal_id}).mappings().first()
    return dict(row) if row else None
