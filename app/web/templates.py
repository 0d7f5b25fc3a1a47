"""Jinja templates for server-rendered pages. Autoescaping is on for every .html template."""

from fastapi.templating import Jinja2Templates

from app.core.config import PROJECT_ROOT, get_settings
from app.core.dates import uk_date
from app.web.security import csp_nonce

templates = Jinja2Templates(directory=PROJECT_ROOT / "app" / "templates")
templates.env.globals["site_name"] = "Community Asset Map"
templates.env.globals["attribution"] = get_settings().attribution
templates.env.globals["csp_nonce"] = csp_nonce  # inline <script nonce="{{ csp_nonce(request) }}">
templates.env.filters["uk_date"] = uk_date  # {{ when | uk_date }} or {{ when | uk_date(with_time=True) }}: in UK time
