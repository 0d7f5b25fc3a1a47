"""The insights pages (HTML, not part of the API schema): `/insights`, its embed for a council's own site, its print
view, and the "where to look first" table as CSV. What they show is built in views.py."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.categories.service import get_taxonomy
from app.core.deps import ReadSessionDep, SettingsDep
from app.core.errors import Invalid
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.insights import service
from app.insights.views import InsightsQuery, page_context
from app.web.browser import as_page
from app.web.templates import templates

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
TITLES = {404: _l("Page not found")}
DEFAULT_TITLE = _l("There is a problem with this address")
BACK = ("/insights", _l("Go to the insights page"))


def _query(request: Request, need_area: bool = False) -> InsightsQuery:
    """The page's query; an empty form field counts as not given. Raises ValidationError, or Invalid when an area is
    needed and missing."""
    fields = ("area", "category", "measure", "sort")
    query = InsightsQuery.model_validate({n: request.query_params[n] for n in fields if request.query_params.get(n, "")})
    if need_area and not query.area:
        raise Invalid(_("Choose an area: add area=<ONS code of a council or region>, such as area=W06000015 (Cardiff)."), "area")
    return query


def _page(request: Request, session: ReadSessionDep, settings: SettingsDep, template: str, *, need_area: bool = False,
          **kind: bool) -> HTMLResponse:
    with as_page(TITLES, DEFAULT_TITLE, BACK):
        query = _query(request, need_area)
        context: dict[str, Any] = page_context(session, settings, get_taxonomy(session), query, **kind)
    return templates.TemplateResponse(request, template, context)


@router.get("/insights")
def insights_page(request: Request, session: ReadSessionDep, settings: SettingsDep) -> HTMLResponse:
    return _page(request, session, settings, "insights/page.html")


@router.get("/insights/embed")
def insights_embed(request: Request, session: ReadSessionDep, settings: SettingsDep) -> HTMLResponse:
    """A council's choropleth for its own site: framable as /embed is (app/web/security.py EMBED_PATHS)."""
    return _page(request, session, settings, "insights/embed.html", need_area=True, embed=True)


@router.get("/insights/print")
def insights_print(request: Request, session: ReadSessionDep, settings: SettingsDep) -> HTMLResponse:
    return _page(request, session, settings, "insights/print.html", need_area=True, printed=True)


@router.get("/insights/where-to-look-first.csv")
def look_first_csv(request: Request, session: ReadSessionDep) -> Response:
    """Every row of the page's "where to look first" table (not only the first 25), in the page's order."""
    with as_page(TITLES, DEFAULT_TITLE, BACK):
        query = _query(request, need_area=True)
        filename, body = service.look_first_csv(session, query.area or "", query.category, query.sort)
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
