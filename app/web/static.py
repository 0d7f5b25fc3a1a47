"""The app's own files under /static: the site's CSS and scripts and the pinned Leaflet and Swagger UI copies."""

from typing import Any

from starlette.responses import Response
from starlette.staticfiles import StaticFiles

# Their addresses carry no version, so a browser or proxy keeps them for an hour and then revalidates them with the
# ETag (a 304 when unchanged): an upgrade shows within the hour, and a page view costs no request for them meanwhile.
STATIC_CACHE = "public, max-age=3600"


class AppStaticFiles(StaticFiles):
    """StaticFiles whose answers, 304s included, say how long they may be kept."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers.setdefault("Cache-Control", STATIC_CACHE)
        return response
