"""The GeoJSON layer: published assets in a box as an RFC 7946 FeatureCollection (features written by PostgreSQL,
maps/repository.py). When more assets match than `limit`, the ones nearest the box's centre are kept and the
collection says `"truncated": true`.
"""

from typing import Any

from app.core.replicas import ReadSession
from app.geo.bbox import BBox
from app.maps import repository

MEDIA_TYPE = "application/geo+json"


def feature_collection(session: ReadSession, box: BBox, filters: list[str], params: dict[str, Any], limit: int) -> bytes:
    """The FeatureCollection as UTF-8 JSON; `filters` (from assets.filters.filters_for) should include the bbox condition."""
    centre = ((box.minlon + box.maxlon) / 2, (box.minlat + box.maxlat) / 2)
    features = repository.features_nearest(session, filters, params, centre, limit + 1)  # one more tells truncation
    return limited_collection(features, limit)


def limited_collection(features: list[str], limit: int) -> bytes:
    """Feature texts, fetched `limit` + 1 at most, as a FeatureCollection of the first `limit` saying whether there
    were more (`truncated`)."""
    kept = features[:limit]
    truncated = "true" if len(features) > limit else "false"
    return (
        '{"type":"FeatureCollection","features":['
        + ",".join(kept)
        + f'],"numberReturned":{len(kept)},"limit":{limit},"truncated":{truncated}}}'
    ).encode()
