"""What the map pages show: their maps, layers and the settings handed to the browser script."""

from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, urlencode

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.assets.display import show
from app.assets.fields import WELSH, Output, shown_in
from app.assets.language import place_text
from app.assets.schemas import AssetPublic
from app.assets.types import ACCESSIBILITY_LABELS, DAY_NAMES, DELIVERY_LABELS
from app.categories.service import Taxonomy
from app.core.config import Settings
from app.core.dates import uk_date
from app.i18n import gettext as _
from app.i18n import use_locale
from app.i18n.locales import LOCALES
from app.maps import folium_map, palette
from app.maps.folium_map import Layer, MapParts
from app.web.templates import attribution

GEOJSON_LIMIT = 1000  # places fetched per viewport; beyond it the page asks people to zoom in
SEARCH_RADIUS_M = 10_000  # how far the postcode search looks for the nearest places

URLS = {
    "geojson": "/api/v1/assets.geojson",
    "nearby": "/api/v1/assets/nearby",
    "postcodes": "/api/v1/postcodes/",
    "areas": "/api/v1/areas/",
    "dataVersion": "/api/v1/data-version",
}



class MapQuery(BaseModel):
    """Where a map page starts and what it shows (query parameters of `/` and `/embed`)."""

    model_config = ConfigDict(extra="ignore")

    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    zoom: int | None = Field(None, ge=1, le=19)
    category: list[str] = Field([], max_length=20)
    q: str | None = Field(None, max_length=200)
    area: str | None = Field(None, max_length=20, pattern=r"^[A-Za-z0-9]+$")
    postcode: str | None = Field(None, max_length=10)
    controls: bool = True
    # The embed's language, when its address fixes it (a council's choice, or the visitor's through the switch); its
    # links carry it, as a framed page may not get the language cookie.
    lang: Literal["en", "cy"] | None = None
    lang_switch: bool = False  # the embed shows a link to itself in the other language

    @field_validator("q", "postcode")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value else None

    @model_validator(mode="after")
    def _both_or_neither(self) -> "MapQuery":
        if (self.lat is None) != (self.lon is None):
            raise ValueError(_("give both lat and lon, or neither"))
        return self

    def full_map_url(self) -> str:
        """The full map (`/`) starting as this query does: same place, council area, categories, words, postcode and
        language."""
        given = [(name, getattr(self, name)) for name in ("area", "lat", "lon", "zoom", "q", "postcode")]
        params = [(name, str(value)) for name, value in given if value is not None]
        params += [("category", slug) for slug in self.category]
        params += [("lang", self.lang)] if self.lang else []
        return "/?" + urlencode(params) if params else "/"

    def finder_url(self) -> str:
        """The finder, the map's plain list for a page without JavaScript, for this query's postcode and language."""
        params = [(name, value) for name in ("postcode", "lang") if (value := getattr(self, name))]
        return "/finder?" + urlencode(params, quote_via=quote) if params else "/finder"

    def centre(self, settings: Settings) -> tuple[float, float, int]:
        lat = self.lat if self.lat is not None else settings.map_lat
        lon = self.lon if self.lon is not None else settings.map_lon
        return lat, lon, self.zoom or (16 if self.lat is not None else settings.map_zoom)


@dataclass(frozen=True)
class MapPage:
    """A rendered interactive map and what the template shows around it."""

    parts: MapParts
    layers: list[Layer]
    category_css: str
    config: dict[str, Any] = field(repr=False)


def layers_for(taxonomy: Taxonomy, categories: list[str]) -> list[Layer]:
    """One layer per top-level category: all of them, or those of the chosen categories, in taxonomy order."""
    wanted = {taxonomy.root_of(n.slug).slug for n in taxonomy.require(categories)} if categories else None
    return [Layer(r.slug, r.name) for r in taxonomy.roots if wanted is None or r.slug in wanted]


def embed_titles() -> dict[str, dict[str, str]]:
    """The embed's name (its <iframe> title) in each language, for the builder's code: the embed's language may not
    be the builder page's. `%(area)s` stands for the council's name."""
    titles = {}
    for locale in LOCALES:
        with use_locale(locale):
            titles[locale] = {"everywhere": _("Map of community places"), "area": _("Map of community places in %(area)s")}
    return titles


def category_names(taxonomy: Taxonomy) -> dict[str, list[str]]:
    """slug -> [name, top-level slug], for labels in popups and the list."""
    return {slug: [node.name, taxonomy.root_of(slug).slug] for slug, node in taxonomy.by_slug.items()}


def build_map_page(
    settings: Settings,
    taxonomy: Taxonomy,
    query: MapQuery,
    data_version: str,
    *,
    embed: bool = False,
    bounds: list[list[float]] | None = None,
    area_name: str | None = None,
) -> MapPage:
    """The interactive map for `/` and `/embed`. `data_version`: the layers' current one, which the page's requests
    carry (app/maps/data_version.py). `bounds` ([[south, west], [north, east]]) fits the map to an area; `area_name`
    is the area's name, for messages ("No places in Rutland …")."""
    lat, lon, zoom = query.centre(settings)
    layers = layers_for(taxonomy, query.category)
    config = {
        "urls": URLS,
        "dataVersion": data_version,
        "limit": GEOJSON_LIMIT,
        "searchRadius": SEARCH_RADIUS_M,
        "filter": {"category": query.category, "area": query.area, "q": query.q},
        "area": query.area,
        "areaName": area_name,
        "categories": category_names(taxonomy),
        "postcode": query.postcode,
        "linkTarget": "_blank" if embed else None,
        "rememberSearch": not embed,
        "lang": query.lang if embed else None,  # added to the embed's links to places
    }
    fmap = folium_map.asset_map(
        settings,
        lat=lat,
        lon=lon,
        zoom=zoom,
        layers=layers,
        config=config,
        layer_control=query.controls,
        attribution=attribution(settings) if embed else None,
        bounds=bounds if query.lat is None else None,
    )
    return MapPage(
        parts=folium_map.render(fmap),
        layers=layers,
        category_css=palette.category_css([layer.slug for layer in layers]),
        config=config,
    )


@dataclass(frozen=True)
class PlaceView:
    """One asset, shaped for its page."""

    asset: AssetPublic
    categories: list[str]
    root_slug: str
    accessibility: list[str]
    schedule: list[tuple[str, str, str | None]]
    verified: str | None
    stale: bool
    map: MapParts | None  # None: delivered by phone, online or at home, with no position
    category_css: str
    details: list[tuple[str, str]]  # (label, value) of the page fields that have no section of their own
    exact_for_staff: bool = False  # a signed-in link worker or moderator sees where a place not shown exactly is
    delivery: str | None = None  # how a service not delivered at a location reaches people ("By phone")
    areas_served: list[str] = field(default_factory=list)  # the names of its service areas


# Page fields that place.html lays out in a section of its own; any other page field (app/assets/fields.py) is listed
# under "More about it" with its label.
PAGE_SECTIONS = frozenset({
    "name", "description", "categories", "organisation", "address", "postcode", "lat", "lon", "phone", "email",
    "website", "free", "cost_description", "accessibility", "languages", "min_age", "max_age", "audience", "drop_in",
    "schedule", "opening_hours_text", "last_verified_at", "location_precision", "delivery", "service_areas",
}) | frozenset(WELSH.values())  # a Welsh text is shown in its English field's section, in the page's language


def build_place_view(
    settings: Settings,
    taxonomy: Taxonomy,
    asset: AssetPublic,
    exact_for_staff: bool = False,
    areas_served: list[str] | None = None,
) -> PlaceView:
    """`asset` as its viewer may see it (assets.service.get_asset_for); `exact_for_staff`: its position is the real one."""
    nodes = [taxonomy.by_slug[s] for s in asset.categories if s in taxonomy.by_slug]
    root = taxonomy.root_of(nodes[0].slug).slug if nodes else ""
    verified_at = asset.last_verified_at
    return PlaceView(
        asset=asset,
        categories=[n.name for n in nodes],
        root_slug=root,
        accessibility=[str(ACCESSIBILITY_LABELS.get(a, a.replace("_", " "))) for a in asset.accessibility],
        schedule=[(str(DAY_NAMES[s.day]), f"{s.opens}–{s.closes}", s.note) for s in asset.schedule],
        verified=uk_date(verified_at) if verified_at else None,
        stale=asset.stale,
        map=None if asset.lat is None or asset.lon is None else folium_map.render(
            folium_map.place_map(settings, asset.lat, asset.lon, place_text(asset, "name").text)
        ),
        category_css=palette.category_css([root] if root else []),
        details=[
            (str(f.label), show(getattr(asset, f.name), f.name))
            for f in shown_in(Output.PAGE)
            if f.name not in PAGE_SECTIONS and getattr(asset, f.name) not in (None, "", [])
        ],
        exact_for_staff=exact_for_staff,
        delivery=str(DELIVERY_LABELS[asset.delivery]) if asset.delivery in DELIVERY_LABELS else None,
        areas_served=areas_served or [],
    )
