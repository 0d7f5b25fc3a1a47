"""`GET /finder`: the link workers' search, rendered on the server (it works with JavaScript off), beside a map of
the same results; and `POST /finder/shortlist`, which shares the ticked results without JavaScript.

The search itself is the nearby search's (`search.service`), fed from the form.
"""

from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

import folium
from branca.element import MacroElement
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from folium.template import Template
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData, QueryParams

from app.areas.service import area_names
from app.assets.language import language_names, place_text
from app.assets.schemas import AssetPublic
from app.assets.types import ACCESSIBILITY_LABELS, DAY_NAMES, DELIVERY_LABELS
from app.categories.service import get_taxonomy
from app.core.config import Settings
from app.core.deps import ReadSessionDep, SessionDep, SettingsDep
from app.core.errors import AppError, validation_errors
from app.finder.views import PlaceSummary, summarise
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.insights.service import records_searches
from app.maps import folium_map
from app.search import service as nearby
from app.search.schemas import NearbyQuery
from app.shortlists import service as shortlists
from app.shortlists.schemas import MAX_ITEMS, ShortlistIn
from app.stories import service as stories
from app.web.browser import FormDep, PageError, VisitorDep, as_page, render
from app.web.ratelimit import client_address

router = APIRouter(include_in_schema=False)

RESULT_LIMIT = 50  # a page of results
SHORTLIST_PROBLEM = _l("Cannot make the shortlist")
MAX_OFFSET = 10_000  # the nearby search's own limit
RADII = {
    800: _l("800 m (about 10 minutes' walk)"), 1609: _l("1 mile"), 3218: _l("2 miles"), 8047: _l("5 miles"),
    16093: _l("10 miles"),
}
DEFAULT_RADIUS = 1609
FINDER_STORIES = 2  # the newest stories shown with each result
_FIELDS = ("postcode", "lat", "lon", "radius_m", "q", "language", "day", "time", "age", "page")
# The text boxes' maxlength: the nearby search's own limits, so the form never lets through what the search refuses.
MAX_LENGTHS = {
    name: next(rule.max_length for rule in NearbyQuery.model_fields[name].metadata if hasattr(rule, "max_length"))
    for name in ("postcode", "q", "language")
}


@dataclass
class FinderSearch:
    """What the form holds (as typed), its errors, and the results once it is valid."""

    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    searched: bool = False
    origin_label: str = ""
    near_you: bool = False  # searched around the person's location, not a postcode
    origin: tuple[float, float] | None = None
    total: int = 0
    offset: int = 0  # of the first place listed, as the pages go
    places: list[PlaceSummary] = field(default_factory=list)
    # By phone, online or at home: the services whose areas hold the search centre (first page only), apart from the
    # places, with the names of their areas
    remote: list[PlaceSummary] = field(default_factory=list)
    remote_total: int = 0
    served: dict[Any, str] = field(default_factory=dict)  # asset id -> the names of its areas, joined

    @property
    def last(self) -> int:
        """The number of the last place listed (0 when none)."""
        return self.offset + len(self.places)


def _form_values(params: QueryParams) -> dict[str, Any]:
    values: dict[str, Any] = {name: params.get(name, "").strip()[:200] for name in _FIELDS}
    values["category"] = params.getlist("category")[:30]
    values["accessibility"] = params.getlist("accessibility")[:20]
    values["free"] = params.get("free") == "yes"
    values["drop_in"] = params.get("drop_in") == "yes"
    values["carers_welcome"] = params.get("carers_welcome") == "yes"
    values["welsh"] = params.get("welsh") == "yes"  # Welsh-medium: one language, as one typed in the language box
    return values


def _offset(page: str) -> int:
    """Where the page asked for starts (the first page when the number is missing or unreadable)."""
    number = int(page) if page.isdigit() else 1
    return min(max(number, 1) - 1, MAX_OFFSET // RESULT_LIMIT) * RESULT_LIMIT


def _query_data(values: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "radius_m": values["radius_m"] or DEFAULT_RADIUS, "limit": RESULT_LIMIT, "offset": _offset(values["page"])
    }
    if values["postcode"]:
        data["postcode"] = values["postcode"]
    elif values["lat"] and values["lon"]:
        data["lat"], data["lon"] = values["lat"], values["lon"]
    for name in ("q", "language", "day", "age"):
        if values[name]:
            data[name] = values[name]
    if values["time"] and values["day"]:  # a time alone is reported as a missing day (run_search)
        data["time"] = values["time"]
    data["category"] = values["category"]
    data["accessibility"] = values["accessibility"]
    if values["free"]:
        data["free"] = True
    if values["drop_in"]:
        data["drop_in"] = True
    if values["carers_welcome"]:
        data["carers_welcome"] = True
    if values["welsh"]:
        data["language"] = "Welsh"  # a place that lists Welsh or Cymraeg (assets.language.language_names)
    return data


def _field_of(error: dict[str, str]) -> str:
    name = error["field"].split(".")[0]
    return "postcode" if name in ("", "lat", "lon") else name


def run_search(session: Session, params: QueryParams, record: bool) -> FinderSearch:
    """The finder's search; `record`: the app's RECORD_SEARCHES (the search's anonymised demand)."""
    values = _form_values(params)
    search = FinderSearch(values)
    if not any(params.get(name) for name in ("postcode", "lat", "lon")):
        if any(name != "lang" for name in params):  # a filter was chosen, but no place to search from
            search.errors["postcode"] = _("Enter a postcode, or use your location")
        return search
    if values["time"] and not values["day"]:
        search.errors["day"] = _("Choose a day as well, to search by time")
    if values["welsh"] and values["language"] and language_names(values["language"]) != language_names("Welsh"):
        search.errors["language"] = _("Tick Welsh-medium or type one language, not both")
    try:
        query = NearbyQuery.model_validate(_query_data(values))
    except ValidationError as exc:
        for error in validation_errors(list(exc.errors())):
            search.errors.setdefault(_field_of(error), _sentence(error))
        return search
    if search.errors:
        return search
    try:
        origin = nearby.origin(session, query)
        search.total, rows = nearby.nearby_rows(
            session, origin, query.criteria(), query.radius_m, query.limit, query.offset, record=record
        )
        search.remote_total, remote = nearby.delivered_remotely_rows(
            session, origin, query.criteria(), query.limit if query.offset == 0 else 0
        )
    except AppError as exc:
        search.errors[_field_of({"field": exc.field or "postcode"})] = exc.message
        return search
    search.near_you = not origin.postcode
    search.origin_label = origin.postcode or _("your location")
    search.offset = query.offset
    search.places = [
        summarise(AssetPublic.model_validate(row), number, row["distance_m"])
        for number, row in enumerate(rows, query.offset + 1)
    ]
    search.remote = [summarise(AssetPublic.model_validate(row), number) for number, row in enumerate(remote, 1)]
    names = area_names(session, sorted({code for p in search.remote for code in p.asset.service_areas}))
    search.served = {
        p.asset.id: ", ".join(names[c] for c in p.asset.service_areas if c in names) for p in search.remote
    }
    search.origin = (origin.lat, origin.lon)  # type: ignore[assignment]
    search.searched = True
    return search


_LABELS = {
    "radius_m": _l("Distance"), "age": _l("Age"), "time": _l("Time"), "q": _l("Words"), "language": _l("Language"),
    "day": _l("Day"), "category": _l("Needs"),
}


def _sentence(error: dict[str, str]) -> str:
    name = error["field"].split(".")[0]
    label = _LABELS.get(name)
    message = error["message"]
    if name == "accessibility":
        return _("Choose accessibility needs from the list")
    if name in ("", "lat", "lon"):
        return _("Enter a postcode, or use your location (it could not be read)")
    return _("%(field)s %(message)s") % {"field": label, "message": message} if label else message[:1].upper() + message[1:]


class HtmlPopup(MacroElement):
    """A popup from ready-made (already escaped) HTML: Folium's own Popup needs jQuery, which these pages do not load."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.bindPopup({{ this.html|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, html: str):
        super().__init__()
        self._name = "HtmlPopup"
        self.html = html


def results_map(settings: Settings, search: FinderSearch) -> folium_map.MapParts | None:
    """A map of the listed results only, numbered as in the list; the search centre as a ring."""
    if not search.places or search.origin is None:
        return None
    fmap = folium_map.base_map(settings, search.origin[0], search.origin[1], 15)
    folium.CircleMarker(
        list(search.origin), radius=8, color="#1d1d1b", weight=3, fill=False, tooltip=_("Search centre"), interactive=False
    ).add_to(fmap)
    points = [list(search.origin)]
    for p in search.places:
        a, name = p.asset, place_text(p.asset, "name")
        popup = f'<a href="#result-{p.number}"{name.attr}>{p.number}. {escape(name.text)}</a><br>{escape(p.distance or "")}'
        folium.Marker(
            [a.lat, a.lon],
            icon=folium.DivIcon(html=str(p.number), icon_size=(28, 28), icon_anchor=(14, 14), class_name="finder-pin"),
            title=f"{p.number}. {name.text}",
            alt=f"{p.number}. {name.text}",
        ).add_child(HtmlPopup(popup)).add_to(fmap)
        points.append([a.lat, a.lon])
    fmap.fit_bounds(points, padding=(24, 24))
    return folium_map.render(fmap)


def page_links(params: QueryParams, search: FinderSearch) -> dict[str, str | None]:
    """Links to the nearer and the further page of the same search, where there is one."""
    kept = [(name, value) for name, value in params.multi_items() if name != "page"]

    def link(offset: int) -> str:
        page = offset // RESULT_LIMIT + 1
        return "/finder?" + urlencode(kept + ([("page", str(page))] if page > 1 else [])) + "#results"

    further = search.last < search.total and search.offset + RESULT_LIMIT <= MAX_OFFSET
    return {
        "nearer": link(search.offset - RESULT_LIMIT) if search.places and search.offset else None,
        "further": link(search.offset + RESULT_LIMIT) if search.places and further else None,
        "first": link(0) if search.searched and search.offset and not search.places else None,
    }


def _categories(session: Session) -> list[tuple[Any, list[Any]]]:
    """Top-level categories with their sub-categories, for the grouped checkboxes."""
    return [(root, root.children) for root in get_taxonomy(session).roots]


@router.get("/finder", response_class=HTMLResponse)
def finder_page(request: Request, session: ReadSessionDep, settings: SettingsDep, visitor: VisitorDep) -> HTMLResponse:
    search = run_search(session, request.query_params, records_searches(request))
    context = {
        "search": search,
        "stories": stories.published_for(session, [p.asset.id for p in search.places], FINDER_STORIES),
        "values": search.values,
        "errors": search.errors,
        "map": results_map(settings, search),
        "pages": page_links(request.query_params, search),
        "page_size": RESULT_LIMIT,
        "categories": _categories(session),
        "accessibility_labels": ACCESSIBILITY_LABELS,
        "delivery_labels": DELIVERY_LABELS,
        "day_names": DAY_NAMES,
        "radii": RADII,
        "default_radius": DEFAULT_RADIUS,
        "max_lengths": MAX_LENGTHS,
        "back": urlencode(list(request.query_params.multi_items())),
        "shortlist_days": settings.shortlist_days,
        "shortlist_max": MAX_ITEMS,
    }
    status = 422 if search.errors else 200
    return render(request, "finder/finder.html", context, status_code=status)


@router.post("/finder/shortlist", response_model=None)
def share_ticked(request: Request, session: SessionDep, settings: SettingsDep, form: FormDep) -> RedirectResponse:
    """Without JavaScript: the ticked results, in the list's order, become a shared shortlist."""
    back = ("/finder?" + str(form.get("back", ""))[:2000], _("Go back to your search"))
    ids = [str(v) for v in form.getlist("asset_id")]
    if not ids:
        raise PageError(422, SHORTLIST_PROBLEM, _("Tick at least one place to put on the shortlist."), back)
    if len(ids) > MAX_ITEMS:
        too_many = _("A shortlist holds at most %(max)s places: untick some and try again.") % {"max": MAX_ITEMS}
        raise PageError(422, SHORTLIST_PROBLEM, too_many, back)
    with as_page({}, SHORTLIST_PROBLEM, back):
        data = ShortlistIn.model_validate({"title": _text(form, "title"), "items": [{"asset_id": i} for i in ids]})
        shortlist = shortlists.create(session, data, client_address(request), settings)
    return RedirectResponse(f"/s/{shortlist.code}", status_code=303)


def _text(form: FormData, name: str) -> str:
    return str(form.get(name, "")).strip()
