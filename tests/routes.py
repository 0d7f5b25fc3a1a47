"""Every route of an app, for the tests that walk them all (bounded path integers, outages)."""

from collections.abc import Iterator
from typing import Any

from fastapi.routing import APIRoute
from starlette.routing import Mount


def every_route(container: Any, into_mounts: bool = True) -> Iterator[APIRoute]:
    """The APIRoutes of an app or router: through included routers (FastAPI keeps each whole, as `original_router`)
    and, with `into_mounts`, mounted sub-applications (whose paths then lack the mount's prefix)."""
    for route in container.routes:
        if isinstance(route, Mount) and hasattr(route.app, "routes"):
            if into_mounts:
                yield from every_route(route.app)
        elif hasattr(route, "original_router"):
            yield from every_route(route.original_router, into_mounts)
        elif isinstance(route, APIRoute):
            yield route
