"""Folium maps whose every script and stylesheet is the app's own copy (see `make frontend`), never a CDN's.

Folium builds the map set-up (Leaflet map, basemap, one marker-cluster layer per top-level category, layer
control); the places themselves are fetched by the browser for the current viewport (`/static/js/asset-map.js`),
so a page's size does not grow with the database.

Leaflet's own words (its zoom buttons' titles, the title of its attribution link) and the OpenStreetMap attribution
are put in the page's language here; the map scripts translate the rest (asset-map.js).
"""

from dataclasses import dataclass
from html import escape
from typing import Any

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import MarkerCluster
from folium.template import Template
from markupsafe import Markup

from app.core.config import OSM_TILE_ATTRIBUTION, Settings
from app.i18n import gettext as _

VENDOR = "/static/vendor"
DOM_JS = "/static/js/dom.js"
ASSET_MAP_JS = "/static/js/asset-map.js"


class LocalMap(folium.Map):
    """A folium.Map that loads only the app's own Leaflet.

    Folium's defaults also pull jQuery, Bootstrap, Font Awesome and awesome-markers from CDNs; these pages use none
    of them. The header macro is dropped too: it adds a viewport tag that stops people zooming the page (a WCAG
    failure) and inline script without the page's CSP nonce. Size and layout come from the site stylesheet.
    """

    default_js = [("leaflet", f"{VENDOR}/leaflet/leaflet.js")]
    default_css = [("leaflet_css", f"{VENDOR}/leaflet/leaflet.css")]
    _template = Template(
        """
        {% macro html(this, kwargs) %}
            <div class="folium-map" id={{ this.get_name()|tojson }}></div>
        {% endmacro %}

        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map(
                {{ this.get_name()|tojson }},
                {center: {{ this.location|tojson }}, crs: L.CRS.{{ this.crs }}, ...{{ this.options|tojavascript }},
                 zoomControl: false}
            );
            L.control.zoom({{ this.zoom_titles|tojavascript }}).addTo({{ this.get_name() }});
            (function (credit) {
                if (credit && credit.options.prefix) credit.setPrefix(credit.options.prefix.replace(
                    "A JavaScript library for interactive maps", {{ this.leaflet_title|tojson }}));
            })({{ this.get_name() }}.attributionControl);
        {% endmacro %}
        """
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Leaflet's own English, in the page's language (the zoom control Leaflet would add, with these titles).
        self.zoom_titles = {"zoom_in_title": _("Zoom in"), "zoom_out_title": _("Zoom out")}
        self.leaflet_title = escape(_("A JavaScript library for interactive maps"))  # an attribute in Leaflet's HTML


class LocalMarkerCluster(MarkerCluster):
    """Folium's MarkerCluster with the app's own copy of Leaflet.markercluster."""

    default_js = [("markerclusterjs", f"{VENDOR}/leaflet.markercluster/leaflet.markercluster.js")]
    default_css = [
        ("markerclustercss", f"{VENDOR}/leaflet.markercluster/MarkerCluster.css"),
        ("markerclusterdefaultcss", f"{VENDOR}/leaflet.markercluster/MarkerCluster.Default.css"),
    ]


class AssetLayers(JSCSSMixin, MacroElement):
    """Hands the map, its category layers and the page's settings to asset-map.js, which fills the layers."""

    default_js = [("dom_js", DOM_JS), ("asset_map_js", ASSET_MAP_JS)]
    _template = Template(
        """
        {% macro script(this, kwargs) %}
            AssetMap.start({{ this._parent.get_name() }}, {
                {%- for slug, layer in this.layers.items() %}
                {{ slug|tojson }}: {{ layer.get_name() }},
                {%- endfor %}
            }, {{ this.config|tojavascript }});
        {% endmacro %}
        """
    )

    def __init__(self, layers: dict[str, LocalMarkerCluster], config: dict[str, Any]):
        super().__init__()
        self._name = "AssetLayers"
        self.layers = layers
        self.config = config


@dataclass(frozen=True)
class Layer:
    """A top-level category shown as one toggleable layer."""

    slug: str
    name: str


@dataclass(frozen=True)
class MapParts:
    """A rendered map, split for the page template: `head` goes in <head>, `html` where the map sits, and `script`
    (plain JavaScript) into a <script> element carrying the CSP nonce."""

    head: Markup
    html: Markup
    script: Markup


def tile_attribution(settings: Settings) -> str:
    """The basemap's attribution (HTML): OpenStreetMap's, in the page's language, or an operator's own as written."""
    return _(OSM_TILE_ATTRIBUTION) if settings.tile_attribution == OSM_TILE_ATTRIBUTION else settings.tile_attribution


def base_map(settings: Settings, lat: float, lon: float, zoom: int, *, attribution: str | None = None) -> LocalMap:
    """A map on the configured basemap. `attribution` (plain text) is added to the map's own attribution line."""
    attributions = tile_attribution(settings) + (f" | {escape(attribution)}" if attribution else "")
    return LocalMap(
        location=[lat, lon],
        zoom_start=zoom,
        tiles=folium.TileLayer(
            tiles=settings.tile_url,
            attr=attributions,
            name="Basemap",
            max_zoom=settings.tile_max_zoom,
            control=False,
        ),
        max_zoom=settings.tile_max_zoom,
    )


def layer_label(layer: Layer) -> str:
    """The layer control's label (Leaflet shows it as HTML, so the name is escaped)."""
    return f'<span class="swatch cat-{layer.slug}" aria-hidden="true"></span>{escape(layer.name)}'


def asset_map(
    settings: Settings,
    *,
    lat: float,
    lon: float,
    zoom: int,
    layers: list[Layer],
    config: dict[str, Any],
    layer_control: bool = True,
    attribution: str | None = None,
    bounds: list[list[float]] | None = None,
) -> LocalMap:
    """The interactive map: one clustered layer per top-level category, filled by asset-map.js from the server.

    `bounds` ([[south, west], [north, east]]) fits the map to an area before the first places are fetched.
    """
    fmap = base_map(settings, lat, lon, zoom, attribution=attribution)
    if bounds:
        fmap.fit_bounds(bounds)
    clusters: dict[str, LocalMarkerCluster] = {}
    for layer in layers:
        cluster = LocalMarkerCluster(
            name=layer_label(layer),
            icon_create_function=f"AssetMap.clusterIcon({folium.template.tojavascript(layer.slug)})",
            show_coverage_on_hover=False,
            disable_clustering_at_zoom=17,
            max_cluster_radius=60,
            chunked_loading=True,
        )
        cluster.add_to(fmap)
        clusters[layer.slug] = cluster
    if layer_control and layers:
        folium.LayerControl(collapsed=True, position="topright").add_to(fmap)
    AssetLayers(clusters, config).add_to(fmap)
    return fmap


def place_map(settings: Settings, lat: float, lon: float, name: str) -> LocalMap:
    """A small map with one marker, for a place's own page."""
    fmap = base_map(settings, lat, lon, 16)
    folium.Marker([lat, lon], alt=name, title=name, keyboard=False).add_to(fmap)
    return fmap


def render(fmap: folium.Map) -> MapParts:
    """Split a Folium map into the pieces a page template places (Folium's documented embedding pattern)."""
    figure = fmap.get_root()
    figure.header._children.pop("meta_http", None)  # the page template already declares the charset
    figure.render()
    return MapParts(
        head=Markup(figure.header.render()),
        html=Markup(figure.html.render()),
        script=Markup(figure.script.render()),
    )
