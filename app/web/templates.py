"""Jinja templates for server-rendered pages. Autoescaping is on for every .html template.

Text is marked for translation with `{{ _("…") }}` (or `{% trans %}`): it is shown in the request's language
(app/i18n). `_("Hello %(name)s", name=value)` escapes the value, never the translation.
"""

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates

from app.assets.language import place_text
from app.assets.types import PRECISION_NOTES
from app.core.config import ATTRIBUTION, PROJECT_ROOT, Settings
from app.core.dates import uk_date
from app.finder.views import distance_text
from app.i18n import current_locale, gettext, ngettext
from app.i18n import lazy_gettext as _l
from app.i18n.locales import HTML_LANG, LOCALES, NAMES
from app.i18n.scripts import script_messages
from app.web.security import csp_nonce


def attribution(settings: Settings) -> str:
    """The data's attribution: the default one in the page's language, or an operator's own as they wrote it."""
    return gettext(ATTRIBUTION) if settings.attribution == ATTRIBUTION else settings.attribution


def _app_settings(request: Request) -> dict[str, Any]:
    """What every page shows from the settings of the app that serves it (read per request, not at import)."""
    return {"attribution": attribution(request.app.state.settings)}


def language_url(request: Request, locale: str) -> str:
    """This page in `locale`: the same path and query, with `lang` set. A page answering a form (a POST) cannot be
    asked for again by a link, so its link goes to the home page in `locale`."""
    if request.method not in ("GET", "HEAD"):
        return f"/?{urlencode([('lang', locale)])}"
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] + [("lang", locale)]
    return f"{request.url.path}?{urlencode(query)}"


def _language(request: Request) -> dict[str, Any]:
    """The page's language (`<html lang>`), and a link to the page in each other language."""
    locale = current_locale()
    others = [{"code": code, "name": NAMES[code], "url": language_url(request, code)} for code in LOCALES if code != locale]
    return {"locale": locale, "html_lang": HTML_LANG[locale], "other_languages": others}


templates = Jinja2Templates(directory=PROJECT_ROOT / "app" / "templates", context_processors=[_app_settings, _language])
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
templates.env.globals["site_name"] = _l("Community Asset Map")
templates.env.globals["script_messages"] = script_messages  # the page scripts' text, as JSON
templates.env.globals["csp_nonce"] = csp_nonce  # inline <script nonce="{{ csp_nonce(request) }}">
templates.env.filters["distance"] = distance_text  # {{ metres | distance }}: "350 m", "1.2 km (0.7 miles)"
# {{ a | place_text("name") }}: a place's text in the page's language, or the other one in a <span lang> (.text, .attr)
templates.env.filters["place_text"] = place_text
templates.env.globals["precision_notes"] = PRECISION_NOTES  # how a place not shown exactly is shown, by precision
templates.env.filters["uk_date"] = uk_date  # {{ when | uk_date }} or {{ when | uk_date(with_time=True) }}: in UK time
