"""Versioned layer URLs: the tiles and the GeoJSON layer asked for with `?v=<data version>` may be cached as immutable.

The version is the data's (maps/repository.py `data_version`: it changes whenever published places change) and a
mark of the settings a layer's content depends on (`settings_mark`), so that a deploy changing one of them changes
every version too. An answer is immutable only
when the version asked for is the current one both before and after its data was read: each statement sees the
database as of its own start (READ COMMITTED), and reading the version on both sides of the data proves that no change
to the places was committed in between, so the data is exactly that version's. Any other answer (no version, an old
one, one a lagging replica has not reached yet) carries the layer's short max-age, with the current data: a cache
never keeps new data under an old version's URL, nor old data under a new one's. Every answer names the current
version in `X-Data-Version`, so a page learns of a new one from any layer answer.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from fastapi import Request, Response

from app.core.config import Settings
from app.core.replicas import ReadSession
from app.maps import repository
from app.maps.http_cache import cacheable_response, public_headers

HEADER = "X-Data-Version"
PATTERN = r"^[0-9]{1,19}-[0-9]{8}-[0-9a-f]{6}$"  # the `v` a layer's URL may carry (maps/schemas.py LayerQuery)
T = TypeVar("T")


@dataclass(frozen=True)
class Versioned(Generic[T]):
    """What a layer read, the version current after it, and whether it is exactly the version asked for."""

    data: T
    version: str
    immutable: bool


def settings_mark(settings: Settings) -> str:
    """Six hex digits that change with the settings a layer's content depends on: the tile's feature cap, the GeoJSON
    layer's default size and when a place counts as stale."""
    shaped = f"{settings.tile_max_features}/{settings.geojson_default_limit}/{settings.stale_after_days}"
    return hashlib.sha256(shaped.encode()).hexdigest()[:6]


def current(session: ReadSession, settings: Settings) -> str:
    """The version now, for a map page's settings: `<counter>-<yyyymmdd>-<settings mark>`."""
    return f"{repository.data_version(session)}-{settings_mark(settings)}"


def read(session: ReadSession, settings: Settings, asked: str | None, fetch: Callable[[], T]) -> Versioned[T]:
    """Runs `fetch` between two readings of the version (the first only when a version was asked for)."""
    before = current(session, settings) if asked else None
    data = fetch()
    after = current(session, settings)
    return Versioned(data, after, asked is not None and asked == before == after)


def layer_response(request: Request, answer: Versioned[bytes], media_type: str, max_age: int) -> Response:
    """The layer's answer with its caching headers; an empty body is `204 No Content`."""
    if answer.data:
        response = cacheable_response(request, answer.data, media_type, max_age, answer.immutable)
    else:
        response = Response(status_code=204, headers=public_headers(max_age, answer.immutable))
    response.headers[HEADER] = answer.version
    response.headers["Access-Control-Expose-Headers"] = HEADER
    return response
