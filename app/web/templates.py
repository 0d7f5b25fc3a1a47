"""Jinja templates for server-rendered pages. Autoescaping is on for every .html template."""

from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates

from app.core.config import PROJECT_ROOT
from app.core.dates import uk_date
from app.web.security import csp_nonce


def _app_settings(request: Request) -> dict[str, Any]:
    """What every page shows from the settings of the app that serves it (read per request, not at import)."""
    return {"attribution": request.app.state.settings.attribution}


templates = Jinja2Templates(directory=PROJECT_ROOT / "app" / "templates", context_processors=[_app_settings])
templates.env.globals["site_name"] = "Community Asset Map"
templates.env.globals["csp_nonce"] = csp_nonce  # inline <script nonce="{{ csp_nonce(request) }}">
templates.env.filters["uk_date"] = uk_date  # {{ when | uk_date }} or {{ when | uk_date(with_time=True) }}: in UK time
