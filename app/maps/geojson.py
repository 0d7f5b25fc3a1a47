"""The GeoJSON layer: published assets in a box as an RFC 7946 FeatureCollection, written by PostgreSQL.

When more assets match than `limit`, the ones nearest the box's centre are kept and the collection says
`"truncated": true`. The order is ix_asset_geom's KNN scan, which stops after `limit` + 1 rows, so a box over a
million assets costs no more than a small one (a tie-breaking sort key would forfeit that).
"""

from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from app.assets.freshness import stale_sql
from app.assets.repository import CATEGORY_SLUGS, SCHEDULE, TOP_CATEGORY
from app.geo.bbox import BBox

MEDIA_TYPE = "application/geo+json"

_FEATURE = f"""json_build_object(
    'type', 'Feature',
    'id', a.id,
    'geometry', ST_AsGeoJSON(a.location::geometry, 7)::json,
    'properties', json_build_object(
        'id', a.id,
        'name', a.name,
        'categories', {CATEGORY_SLUGS},
        'category', {TOP_CATEGORY},
        'address', a.address,
        'postcode', a.postcode,
        'free', a.free,
        'drop_in', a.drop_in,
        'schedule', {SCHEDULE},
        'opening_hours_text', a.opening_hours_text,
        'last_verified_at', a.last_verified_at,
        'stale', {stale_sql()},
        'url', '/places/' || a.id
    )
)::text"""


def feature_collection(session: Session, box: BBox, filters: list[str], params: dict[str, Any], limit: int) -> bytes:
    """The FeatureCollection as UTF-8 JSON; `filters` (from assets.filters.filters_for) should include the bbox condition."""
    where = " AND ".join(["a.status = 'published'", *filters])
    sql = f"""
        SELECT {_FEATURE} FROM asset a WHERE {where}
        ORDER BY a.location::geometry <-> ST_SetSRID(ST_MakePoint(:centre_lon, :centre_lat), 4326)
        LIMIT :fetch
    """
    bound = {
        **params,
        "centre_lon": (box.minlon + box.maxlon) / 2,
        "centre_lat": (box.minlat + box.maxlat) / 2,
        "fetch": limit + 1,  # one more than asked for tells whether the answer is truncated
    }
    features = list(session.execute(text(sql), bound).scalars())
    kept = features[:limit]
    truncated = "true" if len(features) > limit else "false"
    return (
        '{"type":"FeatureCollection","features":['
        + ",".join(kept)
        + f'],"numberReturned":{len(kept)},"limit":{limit},"truncated":{truncated}}}'
    ).encode()
