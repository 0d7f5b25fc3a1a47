"""The application: routers, middleware, static files and error handlers."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.accounts.page_routes import router as login_router
from app.areas.routes import router as areas_router
from app.assets.routes import router as assets_router
from app.categories.routes import router as categories_router
from app.claims.page_routes import router as claim_pages_router
from app.claims.routes import router as claims_router
from app.core.config import PROJECT_ROOT, Settings, get_settings
from app.core.db import close_async_reads
from app.core.errors import BodySizeLimit, install_error_handlers
from app.core.health import router as health_router
from app.core.replicas import ReadYourWrites
from app.exports.routes import router as exports_router
from app.finder.routes import router as finder_router
from app.geo.routes import router as postcodes_router
from app.i18n.middleware import LocaleMiddleware
from app.imports.page_routes import router as import_pages_router
from app.insights.page_routes import router as insights_pages_router
from app.insights.routes import router as insights_router
from app.insights.schedule import refreshing
from app.maps.layer_routes import router as layers_router
from app.maps.routes import router as maps_router
from app.moderation.page_routes import router as moderation_pages_router
from app.moderation.routes import router as moderation_api_router
from app.openreferral.routes import MOUNT_PATH as ORUK_PATH
from app.openreferral.routes import create_oruk_app, mount_redirect
from app.search.routes import router as search_router
from app.shortlists.page_routes import router as shortlist_pages_router
from app.shortlists.routes import router as shortlists_router
from app.stories.page_routes import router as story_pages_router
from app.stories.routes import moderation as story_moderation_router
from app.stories.routes import public as stories_router
from app.submissions.page_routes import router as submission_pages_router
from app.submissions.routes import public as submissions_router
from app.web.browser import SESSION_COOKIE, install_page_errors
from app.web.docs import router as docs_router
from app.web.security import SecurityHeaders
from app.web.static import AppStaticFiles
from app.web.transport import Compression, HeadAsGet

DESCRIPTION = """
Community Asset Map: a community's strengths — choirs, barbers, libraries, peer support groups, cafes, food banks,
gardens, lunch clubs — so that link workers, residents and councils can find and use them.

Reading is open, and anyone may send a submission (a new place, a change, a report) for moderation.
Changing assets needs an admin key in the `X-API-Key` header; moderating needs a moderator or admin key (or a
signed-in moderator's session, with its CSRF token in `X-CSRF-Token` for changes). Errors answer
`{"detail": "...", "errors": [{"field": "...", "message": "..."}]}`.

Also: an Open Referral UK (HSDS-UK-3.0) feed under [/oruk](/oruk/docs), with its own OpenAPI document, and open-data
downloads of every published asset at `/api/v1/export.csv` and `/api/v1/export.geojson`.
"""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """While the app serves: the insights refresh every INSIGHTS_REFRESH_MINUTES (app/insights/schedule.py); as it
    stops, the nearby search's async pools of its event loop are closed (app/core/async_reads.py)."""
    try:
        async with refreshing(app.state.settings):
            yield
    finally:
        await close_async_reads()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = FastAPI(
        title="Community Asset Map", version="0.1.0", description=DESCRIPTION, docs_url=None, redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    install_page_errors(app)
    # The last added runs first: the language (so every response, errors too, is in it), security headers on
    # everything, then HEAD as GET (so a HEAD's headers are the compressed GET's), then compression, then the
    # body-size limit.
    # The import page's upload checks its own limit and explains it; its body may carry the form around the file.
    uploads = {"/moderate/imports": settings.import_upload_max_bytes + 100_000}
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, larger=uploads)
    if settings.database_read_urls:  # whoever writes reads from the primary for a while (docs/scaling.md)
        app.add_middleware(
            ReadYourWrites, seconds=settings.read_your_writes_s, session_cookie=SESSION_COOKIE,
            secure=settings.session_cookie_secure,
        )
    app.add_middleware(Compression, session_cookie=SESSION_COOKIE)
    app.add_middleware(HeadAsGet)
    app.add_middleware(SecurityHeaders, settings=settings)
    app.add_middleware(LocaleMiddleware)
    app.mount("/static", AppStaticFiles(directory=PROJECT_ROOT / "app" / "static"), name="static")
    # The map layers' /api/v1/assets.geojson is registered before the assets' /api/v1/assets/{asset_id}. The nearby
    # search, the busiest route, is matched first: FastAPI tries each router in turn on every request.
    routers = (
        search_router, health_router, postcodes_router, categories_router, areas_router, layers_router,
        assets_router, exports_router, submissions_router, moderation_api_router, login_router, submission_pages_router,
        moderation_pages_router, import_pages_router,
        maps_router, docs_router, mount_redirect, shortlists_router, shortlist_pages_router, finder_router,
        insights_router, insights_pages_router, stories_router, story_moderation_router, story_pages_router,
        claims_router, claim_pages_router,
    )
    for router in routers:
        app.include_router(router)
    app.mount(ORUK_PATH, create_oruk_app(settings))
    return app
