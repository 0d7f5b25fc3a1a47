"""Stable identifiers for the Open Referral objects we derive from an asset.

A service's id is the asset's own UUID. Everything else (location, service_at_location, schedules, taxonomy
terms...) has no row of its own, so its id is a UUID version 5 of a fixed namespace and a name such as
`service_at_location/<asset id>`: the same asset always yields the same ids, across requests and releases.
Changing NAMESPACE or a name pattern would change every published id, so both are part of the API.
"""

import uuid

NAMESPACE = uuid.UUID("df6ab7ae-0f27-4ea1-ab9f-4973e05b9736")
TAXONOMY_NAME = "taxonomy/categories"


def derived(kind: str, *parts: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join([kind, *(str(p) for p in parts)]))


def taxonomy_id() -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, TAXONOMY_NAME)


def term_id(slug: str) -> uuid.UUID:
    return derived("taxonomy_term", slug)


def location_id(asset_id: uuid.UUID) -> uuid.UUID:
    return derived("location", asset_id)


def service_at_location_id(asset_id: uuid.UUID) -> uuid.UUID:
    """Also computed in SQL by repository.SAL_ID_SQL (uuid-ossp), which must give the same value."""
    return derived("service_at_location", asset_id)
