"""The map pages: `/`, `/places/{id}`, `/embed` and `/embed/builder` (HTML, not part of the API schema)."""

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.areas.service import area_names
from app.assets import service as assets
from app.categories.service import get_taxonomy
from app.core.deps import ReadSessionDep, SettingsDep
from app.core.errors import NotFound
from app.i18n import current_locale
from app.i18n import gettext as _
from app.i18n.locales import supported
from app.maps import data_version
from app.maps.areas import embed_area
from app.maps.palette import category_css
from app.maps.views import MapQuery, build_map_page, build_place_view, embed_titles, layers_for
from app.stories import service as stories
from app.web.browser import VisitorDep, as_page
from app.web.templates import templates

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
PLACE_STORIES = 10  # the newest stories a place page shows; the API pages through them all


def _map_query(request: Request) -> MapQuery:
    params = request.query_params
    fields = ("lat", "lon", "zoom", "q", "area", "postcode", "controls", "lang_switch")
    data: dict[str, Any] = {name: params[name] for name in fields if params.get(name, "") != ""}
    data["category"] = params.getlist("category")
    if supported(params.get("lang")):
        data["lang"] = current_locale()  # the language ?lang chose ("CY", "cy-GB" … are Welsh)
    return MapQuery.model_validate(data)


def _page(request: Request, template: str, build: Callable[[], dict[str, Any]]) -> HTMLResponse:
    """Renders `template` with what `build` returns; a mistake in the address gets the HTML error page."""
    with as_page({404: _("Page not found")}, _("There is a problem with this address")):
        context = build()
    return templates.TemplateResponse(request, template, context)


@router.get("/")
def map_page(request: Request, session: ReadSessionDep, settings: SettingsDep) -> HTMLResponse:
    def build() -> dict[str, Any]:
        query = _map_query(request)
        page = build_map_page(settings, get_taxonomy(session), query, data_version.current(session, settings))
        return {"page": page, "query": query}

    return _page(request, "maps/index.html", build)


@router.get("/places/{asset_id}")
def place_page(
    asset_id: str, request: Request, session: ReadSessionDep, settings: SettingsDep, visitor: VisitorDep
) -> HTMLResponse:
    def build() -> dict[str, Any]:
        try:
            key = uuid.UUID(asset_id)
        except ValueError:
            raise NotFound(_("There is no place at this address. It may have been removed.")) from None
        asset, exact = assets.get_asset_for(session, key, visitor.user.role if visitor.user else None)
        return {
            "place": build_place_view(
                settings, get_taxonomy(session), asset, exact_for_staff=exact,
                areas_served=list(area_names(session, asset.service_areas).values()),
            ),
            "stories": stories.published_for(session, [key], PLACE_STORIES).get(key, (0, [])),
        }

    response = _page(request, "maps/place.html", build)
    if visitor.user is not None:  # it may show where a place really is: no cache keeps it
        response.headers["Cache-Control"] = "private, no-store"
    return response


@router.get("/embed")
def embed_page(request: Request, session: ReadSessionDep, settings: SettingsDep) -> HTMLResponse:
    def build() -> dict[str, Any]:
        query = _map_query(request)
        area = embed_area(session, query.area) if query.area else None
        if area:
            query = query.model_copy(update={"area": area.code})  # as the layer and boundary requests expect it
        if query.lang_switch and not query.lang:
            query = query.model_copy(update={"lang": current_locale()})  # the language it opened in, for its links
        page = build_map_page(
            settings, get_taxonomy(session), query, data_version.current(session, settings), embed=True, bounds=area.bounds if area else None,
            area_name=area.name if area else None,
        )
        return {"page": page, "query": query, "area": area}

    return _page(request, "maps/embed.html", build)


@router.get("/embed/builder")
def embed_builder(request: Request, session: ReadSessionDep) -> HTMLResponse:
    def build() -> dict[str, Any]:
        layers = layers_for(get_taxonomy(session), [])
        return {"layers": layers, "category_css": category_css([layer.slug for layer in layers]), "titles": embed_titles()}

    return _page(request, "maps/builder.html", build)
