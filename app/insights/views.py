"""What the insights pages show (/insights, its embed and print view): the query, the measures and their legends, the
Folium choropleth (filled by the browser by viewport, /static/js/insights-map.js), the printed map, and the charts."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import urlencode

from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template
from markupsafe import Markup, escape
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from app.areas.schemas import AreaSummary
from app.areas.service import find_areas
from app.categories.service import CategoryNode, Taxonomy
from app.core.config import Settings
from app.core.dates import local_date
from app.i18n import gettext as _
from app.insights import repository, service
from app.insights.charts import Series, bar_chart
from app.maps import folium_map
from app.maps.folium_map import DOM_JS, MapParts

INSIGHTS_MAP_JS = "/static/js/insights-map.js"
LAYER_URL = "/api/v1/insights/lsoas.geojson"
TABLE_ROWS = 25  # rows of "where to look first" on the page; the CSV has them all
PRINT_TABLE_ROWS = 15  # … in print, so that map, table, charts and sources fit two A4 pages
PRINT_MAP_MAX_LSOAS = 5000  # a printed map of more (a country) would be too heavy to draw; councils and regions print
PRINT_WIDTH = 680  # px of the printed map's SVG viewBox across
Measure = Literal["deprivation", "places", "searches", "unmet"]
Sort = Literal["places", "unmet", "decile", "name"]


class InsightsQuery(BaseModel):
    """What an insights page shows (its query parameters): the area, the top-level category, the map's measure and the
    table's order. Unknown values are a 422 on the HTML error page."""

    model_config = ConfigDict(extra="ignore")

    area: str | None = Field(None, max_length=20, pattern=r"^[A-Za-z0-9]+$")
    category: str = Field("social-connection", max_length=60)
    measure: Measure = "deprivation"
    sort: Sort = "places"

    def url(self, path: str, **changes: str) -> str:
        """`path` with this query's parameters, some changed (the sort links, the embed and print links)."""
        params = {**self.model_dump(exclude_none=True), **changes}
        return f"{path}?{urlencode(params)}"


@dataclass(frozen=True)
class Band:
    """One legend entry: values from `low` to `high` (None: unbounded) are drawn in `colour`."""

    label: str
    colour: str
    low: int
    high: int | None


@dataclass(frozen=True)
class MeasureView:
    key: str
    title: str  # the legend's heading
    prop: str  # the LSOA property it shows
    bands: list[Band]
    missing: str  # what a null means, drawn in MISSING_COLOUR
    unit: str  # after a value in tooltips ("places within 800 m")


MISSING_COLOUR = "#bdbdbd"
# Deprivation deciles, 1 (most deprived tenth) dark to 10 light (viridis: readable in greyscale and for colour-blind
# readers); places within reach, none red to many blue; searches, light to dark orange.
DECILE_COLOURS = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"]
PLACE_BANDS = [(0, 0, "#b2182b"), (1, 1, "#ef8a62"), (2, 3, "#fddbc7"), (4, 7, "#92c5de"), (8, None, "#2166ac")]
DEMAND_COLOURS = ["#fdd49e", "#fc8d59", "#e34a33", "#b30000"]


def _range_label(low: int, high: int | None) -> str:
    if high is None:
        return _("%(low)s or more") % {"low": f"{low:,}"}
    return f"{low:,}" if low == high else _("%(low)s to %(high)s") % {"low": f"{low:,}", "high": f"{high:,}"}


def _decile_label(decile: int) -> str:
    if decile == 1:
        return _("%(decile)s (most deprived)") % {"decile": decile}
    return _("%(decile)s (least deprived)") % {"decile": decile} if decile == 10 else str(decile)


def measures(settings: Settings, category: CategoryNode) -> dict[str, MeasureView]:
    """The four measures the map can show, with legends (in the request's language); demand bands start at the privacy
    threshold."""
    t = settings.demand_threshold
    demand_edges = [(t, 2 * t - 1), (2 * t, 5 * t - 1), (5 * t, 10 * t - 1), (10 * t, None)]
    demand = [Band(_range_label(lo, hi), c, lo, hi) for (lo, hi), c in zip(demand_edges, DEMAND_COLOURS, strict=True)]
    withheld = _("Withheld: fewer than %(threshold)s searches, or none") % {"threshold": t}
    name = {"category": category.name}
    return {
        "deprivation": MeasureView(
            "deprivation", _("Deprivation decile (each nation's own)"), "deprivation_decile",
            [Band(_decile_label(d), c, d, d) for d, c in enumerate(DECILE_COLOURS, start=1)],
            _("No decile"), _("decile"),
        ),
        "places": MeasureView(
            "places", _("Places for %(category)s within 800 m") % name, "places_800m",
            [Band(_range_label(lo, hi), c, lo, hi) for lo, hi, c in PLACE_BANDS],
            _("Not computed yet"), _("places within 800 m"),
        ),
        "searches": MeasureView(
            "searches", _("Searches for %(category)s, last 12 months") % name, "searches", demand, withheld, _("searches"),
        ),
        "unmet": MeasureView(
            "unmet", _("Unmet searches for %(category)s, last 12 months") % name, "unmet_searches", demand, withheld,
            _("searches that found fewer than %(n)s places") % {"n": settings.unmet_below},
        ),
    }


def colour_of(view: MeasureView, value: int | None) -> str:
    if value is None:
        return MISSING_COLOUR
    for band in view.bands:
        if band.low <= value and (band.high is None or value <= band.high):
            return band.colour
    return MISSING_COLOUR


# --- The interactive map ----------------------------------------------------------------------------------------

class InsightsLayer(JSCSSMixin, MacroElement):
    """Hands the map and the page's settings to insights-map.js, which fetches the LSOAs in view and colours them."""

    default_js = [("dom_js", DOM_JS), ("insights_map_js", INSIGHTS_MAP_JS)]
    _template = Template(
        """
        {% macro script(this, kwargs) %}
            InsightsMap.start({{ this._parent.get_name() }}, {{ this.config|tojavascript }});
        {% endmacro %}
        """
    )

    def __init__(self, config: dict[str, Any]):
        super().__init__()
        self._name = "InsightsLayer"
        self.config = config


def insights_map(settings: Settings, view: MeasureView, area: AreaSummary | None,
                 category: CategoryNode, *, embed: bool = False) -> MapParts:
    """The choropleth: a Folium map fitted to the area (else the configured centre) whose LSOAs the browser fetches by
    viewport from LAYER_URL, coloured by the measure."""
    attribution = _("Deprivation: MHCLG IoD 2019, Welsh Government WIMD 2019; LSOAs: ONS")
    fmap = folium_map.base_map(settings, settings.map_lat, settings.map_lon, 12 if area else settings.map_zoom,
                               attribution=attribution)
    if area:
        west, south, east, north = area.bbox
        fmap.fit_bounds([[south, west], [north, east]])
    config = {
        "url": LAYER_URL,
        "category": category.slug,
        "area": area.code if area else None,
        "measure": {"prop": view.prop, "unit": view.unit, "missing": view.missing, "missingColour": MISSING_COLOUR,
                    "bands": [{"low": b.low, "high": b.high, "colour": b.colour} for b in view.bands]},
        "categoryName": category.name,
        "unmetBelow": settings.unmet_below,
        "threshold": settings.demand_threshold,
        "limit": service.LAYER_LIMIT,
        "embed": embed,
    }
    InsightsLayer(config).add_to(fmap)
    return folium_map.render(fmap)


# --- The printed map --------------------------------------------------------------------------------------------

def print_map(session: Session, report: service.AreaReport, view: MeasureView) -> Markup | None:
    """The area's LSOAs as an SVG choropleth drawn on the server (the print view needs no script or tiles); None when
    the area has more than PRINT_MAP_MAX_LSOAS (counted first: no outline is read for them) or none with an outline."""
    if report.lsoas > PRINT_MAP_MAX_LSOAS:
        return None
    area = report.area
    west, _south, east, _north = area.bbox
    rows = repository.area_outlines_svg(session, area.code, report.category.id, tolerance=(east - west) / PRINT_WIDTH / 2)
    if not rows:
        return None
    x0, y0, x1, y1 = repository.grid_extent(session, area.code)
    margin = (x1 - x0) * 0.01
    box = f"{x0 - margin:.0f} {-y1 - margin:.0f} {x1 - x0 + 2 * margin:.0f} {y1 - y0 + 2 * margin:.0f}"
    paths = "".join(
        f'<path d="{escape(row["path"])}" fill="{colour_of(view, row[view.prop])}">'
        f"<title>{escape(row['name'])}: {escape(_figure(row[view.prop], view))}</title></path>"
        for row in rows
    )
    label = _("Map of %(area)s's neighbourhoods (LSOAs) coloured by %(measure)s") % {"area": area.name, "measure": view.title.lower()}
    return Markup(
        f'<svg class="print-map" viewBox="{box}" role="img" aria-label="{escape(label)}" '
        f'xmlns="http://www.w3.org/2000/svg"><g class="lsoas">{paths}</g></svg>'
    )


def _figure(value: int | None, view: MeasureView) -> str:
    return view.missing if value is None else f"{value:,} {view.unit}"


# --- Charts -----------------------------------------------------------------------------------------------------

def decile_charts(report: service.AreaReport) -> list[Markup]:
    """Places within reach by deprivation decile: one chart per nation in the area (never pooled)."""
    charts = []
    for nation in report.nations:
        rows = {r["decile"]: r for r in report.by_decile if r["nation"] == nation}
        deciles = list(range(1, 11))
        series = [
            Series(_("Mean places within 800 m"), [rows[d]["mean_800m"] if d in rows else None for d in deciles], "s-near"),
            Series(_("Mean places within 1,600 m"), [rows[d]["mean_1600m"] if d in rows else None for d in deciles], "s-far"),
        ]
        counts = ", ".join(f"{d}: {rows[d]['lsoas']}" for d in deciles if d in rows)
        caption = _("%(category)s: places within reach by deprivation decile, %(nation)s (%(index)s deciles, 1 = most deprived)")
        charts.append(bar_chart(
            caption % {"category": report.category.name, "nation": service.NATIONS[nation], "index": service.INDEXES[nation]},
            [str(d) for d in deciles], series, group_label=_("Decile"), digits=1, missing=_("no LSOAs"),
            note=_("Neighbourhoods (LSOAs) per decile — %(counts)s. A dash: no LSOA of that decile here.") % {"counts": counts},
            chart_id=f"chart-deciles-{nation}",
        ))
    return charts


def month_label(month: date) -> str:
    return local_date(month, "MMM y")


def monthly_chart(report: service.AreaReport, rounding: int) -> Markup:
    """Searches and unmet searches for the chosen category, by month (published figures rounded to `rounding`)."""
    figures = report.monthly.get(report.category.id, {})
    note = _("A dash: withheld (fewer than the threshold, or none). Published figures are rounded to the nearest %(rounding)s.")
    return bar_chart(
        _("Searches for %(category)s from %(area)s, by month") % {"category": report.category.name, "area": report.area.name},
        [month_label(m) for m in report.months],
        ticks=[local_date(m, "MMM yy") for m in report.months],
        series=[Series(_("Searches"), [figures.get(m, (None, None))[0] for m in report.months], "s-searches"),
                Series(_("Unmet searches"), [figures.get(m, (None, None))[1] for m in report.months], "s-unmet")],
        group_label=_("Month"),
        note=note % {"rounding": rounding},
        chart_id="chart-months",
    )


def category_months(report: service.AreaReport, taxonomy: Taxonomy) -> list[dict[str, Any]]:
    """Searches and unmet searches by top-level category and month, for the categories with any published month."""
    rows = []
    for node in taxonomy.roots:
        figures = report.monthly.get(node.id)
        if figures:
            rows.append({"category": node, "cells": [figures.get(m, (None, None)) for m in report.months]})
    return rows


# --- Sources and dates --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sources:
    as_of: datetime | None
    deprivation_loaded: datetime | None
    months: list[date]

    @property
    def window(self) -> str:
        return _("%(first)s to %(last)s") % {"first": local_date(self.months[0], "MMMM y"), "last": local_date(self.months[-1], "MMMM y")}


def area_choices(session: Session) -> dict[str, list[AreaSummary]]:
    """Every loaded area for the chooser, by level: councils, then regions and countries."""
    councils, regions, countries = _("Councils"), _("Regions"), _("Countries")
    groups: dict[str, list[AreaSummary]] = {councils: [], regions: [], countries: []}
    for area in find_areas(session, None, None, 5000):
        groups[{"region": regions, "country": countries}.get(area.level, councils)].append(area)
    return {name: areas for name, areas in groups.items() if areas}


def page_context(session: Session, settings: Settings, taxonomy: Taxonomy, query: InsightsQuery, *,
                 embed: bool = False, printed: bool = False) -> dict[str, Any]:
    """Everything an insights template shows, for the query (raises Invalid for an unknown area or category). Each
    figure is read once."""
    report = service.area_report(session, query.area, query.category) if query.area else None
    category = report.category if report else service.top_level(session, query.category)
    all_measures = measures(settings, category)
    view = all_measures[query.measure]
    rows = service.look_first(report.rows, query.sort) if report else []
    context: dict[str, Any] = {
        "query": query,
        "category": category,
        "roots": taxonomy.roots,
        "measures": all_measures,
        "view": view,
        "report": report,
        "look_first": rows[:PRINT_TABLE_ROWS if printed else TABLE_ROWS],
        "look_first_total": len(rows),
        "missing_colour": MISSING_COLOUR,
        "decile_note": service.DECILE_NOTE,
        "unmet_below": settings.unmet_below,
        "threshold": settings.demand_threshold,
        "rounding": settings.demand_rounding,
        "nations": service.NATIONS,
    }
    if report:
        as_of, months = report.as_of, report.months
    else:
        last = repository.last_refresh(session)
        as_of, months = (last["finished_at"] if last else None), service.published_months(service.today())
    context["sources"] = Sources(as_of=as_of, deprivation_loaded=repository.deprivation_loaded(session), months=months)
    if printed:
        context["print_map"] = print_map(session, report, view) if report else None
    else:
        context["map"] = insights_map(settings, view, report.area if report else None, category, embed=embed)
    if report and not embed:
        context["decile_charts"] = decile_charts(report)
        context["monthly_chart"] = monthly_chart(report, settings.demand_rounding)
        context["category_months"] = category_months(report, taxonomy)
        context["month_labels"] = [month_label(m) for m in report.months]
    if not embed and not printed:
        context["areas"] = area_choices(session)
    return context
