"""Insights: where the need is. Deprivation by LSOA (loaded by app/imports/deprivation.py), access to places from
each LSOA and anonymised search demand (refreshed here), and an area's figures for the API.

What is recorded of a search, what is published and for how long raw rows are kept: docs/privacy.md. How the figures
are computed: docs/insights.md.
"""

import csv
import io
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from typing import Any

from fastapi import Request
from sqlmodel import Session

from app.areas.schemas import AreaSummary
from app.areas.service import area_summary, require_area
from app.assets.filters import Criteria
from app.categories.service import CategoryNode, get_taxonomy
from app.core.config import Settings
from app.core.dates import LONDON
from app.core.db import get_engine
from app.core.errors import Invalid
from app.geo.bbox import BBox
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.insights import recorder, repository
from app.maps.geojson import limited_collection
from app.web.transport import is_head

log = logging.getLogger(__name__)
PUBLISHED_MONTHS = 12  # published demand counts the searches of the last 12 whole calendar months
PROPERTIES = repository.PROPERTIES
NATIONS = {"E": _l("England"), "W": _l("Wales")}
INDEXES = {"E": _l("IMD 2019"), "W": _l("WIMD 2019")}  # each nation's own index of deprivation
DECILE_NOTE = _l(
    "deprivation_decile is each nation's own: the English Index of Multiple Deprivation 2019 for English LSOAs, the "
    "Welsh Index of Multiple Deprivation 2019 for Welsh ones (1 = the most deprived tenth of that nation's LSOAs). "
    "An English and a Welsh decile cannot be compared."
)


def today() -> date:
    return datetime.now(LONDON).date()


# --- Recording a search ---------------------------------------------------------------------------------------------

def demand_record(criteria: Criteria, found: int, lat: float, lon: float) -> dict[str, Any]:
    """What a search leaves behind: the day (no time), the category slugs asked for, the *names* of the other filters
    used (never their values: no words, age, postcode or area code), and how many places it found. `lat`/`lon` only
    place it in an LSOA (repository.RECORD) and are not stored."""
    used = sorted(
        f.name for f in fields(Criteria)
        if f.name not in ("category", "bbox") and getattr(criteria, f.name) not in (None, (), [], "")
    )
    return {"day": today(), "categories": sorted(set(criteria.category)), "filters": used, "found": int(found),
            "lat": lat, "lon": lon}


def records_searches(request: Request) -> bool:
    """Whether this request's search is recorded: the serving app's RECORD_SEARCHES, and a real GET (a HEAD answers
    the same but is nobody's search)."""
    return request.app.state.settings.record_searches and not is_head(request)


def record_search(criteria: Criteria, found: int, lat: float, lon: float) -> None:
    """Records one nearby search's demand (the nearby search calls this once per search, app/search/service.py, when
    the serving app's RECORD_SEARCHES is on). Never raises and never waits for the database (app/insights/recorder.py)."""
    try:
        recorder.submit(demand_record(criteria, found, lat, lon))
    except Exception:
        log.warning("search demand: could not record a search", exc_info=False)


# --- The refresh ----------------------------------------------------------------------------------------------------

def refresh(settings: Settings, wait: bool = True, older_than_minutes: float | None = None) -> dict[str, Any] | None:
    """Recomputes access for every LSOA and top-level category and the published demand, and purges raw searches
    past their retention, in one transaction under the refresh's advisory lock (one refresh at a time, over every
    worker and the command). Returns the refresh's record; None when `wait` is false and another refresh holds the
    lock, or when the last refresh is younger than `older_than_minutes`."""
    with Session(get_engine()) as session:
        if not repository.lock_refresh(session, wait):
            return None
        if older_than_minutes is not None:
            age = repository.minutes_since_refresh(session)
            if age is not None and age < older_than_minutes:
                session.rollback()
                return None
        refresh_id = repository.start_refresh(session)
        started = datetime.now(LONDON)
        counts = repository.refresh(
            session, today(), settings.demand_threshold, settings.demand_rounding, settings.unmet_below,
            PUBLISHED_MONTHS, settings.search_retention_months,
        )
        seconds = (datetime.now(LONDON) - started).total_seconds()
        counts["seconds"] = round(seconds)
        message = (
            f"Refreshed {counts['access_rows']:,} access figures ({counts['lsoas']:,} LSOAs) and "
            f"{counts['demand_rows']:,} published demand figures in {seconds:.1f} s; "
            f"{counts['searches_purged']:,} searches older than {settings.search_retention_months} months deleted."
        )
        repository.finish_refresh(session, refresh_id, counts, message)
        session.commit()
        return repository.last_refresh(session)


def purge_searches(settings: Settings) -> int:
    """Deletes raw searches older than SEARCH_RETENTION_MONTHS; how many."""
    with Session(get_engine()) as session:
        purged = repository.purge_searches(session, today(), settings.search_retention_months)
        session.commit()
    return purged


# --- An area's figures ----------------------------------------------------------------------------------------------

def top_level(session: Session, slug: str) -> CategoryNode:
    """The top-level category with this slug; Invalid (422) for an unknown slug or one below the top level, saying
    where to find valid ones."""
    taxonomy = get_taxonomy(session)
    node = taxonomy.require([slug])[0]
    if node.parent_slug is not None:
        tops = ", ".join(n.slug for n in taxonomy.roots)
        message = _("'%(slug)s' is a sub-category of '%(top)s'; insights are by top-level category (%(tops)s). See /api/v1/categories.")
        raise Invalid(message % {"slug": slug, "top": taxonomy.root_of(slug).slug, "tops": tops}, "category")
    return node


def area_insights(session: Session, area: str, category: str, settings: Settings) -> dict[str, Any]:
    """The area's LSOAs (those whose centroid lies inside it) as a GeoJSON FeatureCollection with their figures for
    the top-level category; a count withheld for privacy is null."""
    code = require_area(session, area)
    node = top_level(session, category)
    rows = repository.area_lsoas(session, code, node.id)
    last = repository.last_refresh(session)
    features = [
        {
            "type": "Feature",
            "id": row["lsoa"],
            "geometry": json.loads(row["geometry"]) if row["geometry"] else None,
            "properties": {k: row[k] for k in PROPERTIES},
        }
        for row in rows
    ]
    return {
        "type": "FeatureCollection",
        "area": code,
        "category": node.slug,
        "as_of": last["finished_at"].astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if last else None,
        "notes": {
            "deprivation": str(DECILE_NOTE),
            "access": _("Published places within 800 m and 1,600 m of the LSOA's population-weighted centroid, straight "
                        "line on the WGS84 ellipsoid, and the distance in metres to the nearest (null: none published)."),
            "searches": _("Nearby searches for the category from the LSOA in the last %(months)s whole calendar months "
                          "(not the current one); unmet: those that found fewer than %(unmet_below)s places within their "
                          "radius. Counts below %(threshold)s are null (withheld), the rest rounded to the nearest "
                          "%(rounding)s.") % {"months": PUBLISHED_MONTHS, "unmet_below": settings.unmet_below,
                                              "threshold": settings.demand_threshold, "rounding": settings.demand_rounding},
        },
        "features": features,
    }


def as_csv(collection: dict[str, Any]) -> str:
    """The FeatureCollection's properties as CSV, one LSOA a row (no outlines); withheld counts are empty cells."""
    return rows_csv([feature["properties"] for feature in collection["features"]])


def rows_csv(rows: list[dict[str, Any]]) -> str:
    """LSOAs' figures (PROPERTIES) as CSV, one a row; withheld counts are empty cells."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(PROPERTIES)
    for row in rows:
        writer.writerow(["" if row[k] is None else row[k] for k in PROPERTIES])
    return out.getvalue()


# --- The page's figures ---------------------------------------------------------------------------------------------

LOOK_FIRST_DECILES = (1, 2)  # "where to look first": each nation's most deprived fifth
LAYER_LIMIT = 2000  # LSOAs per map viewport; beyond it, those nearest the centre and `truncated` (zoom in)


def published_months(today: date, months: int = PUBLISHED_MONTHS) -> list[date]:
    """The first days of the whole calendar months a refresh on `today` publishes: the `months` before today's month,
    oldest first (repository.WINDOW)."""
    index = today.year * 12 + today.month - 1  # today's month, counted from year 0
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - months, index)]


@dataclass(frozen=True)
class AreaReport:
    """What the insights page shows of one area and top-level category."""

    area: AreaSummary
    category: CategoryNode
    rows: list[dict[str, Any]]  # the area's LSOAs in "where to look first" (LOOK_FIRST_DECILES), with PROPERTIES
    as_of: datetime | None  # the last refresh; None before the first
    months: list[date]  # the published months, oldest first
    monthly: dict[int, dict[date, tuple[int | None, int | None]]]  # category id -> month -> (searches, unmet)
    by_decile: list[dict[str, Any]]  # per nation and decile (None: without one): lsoas, mean_800m, mean_1600m

    @property
    def nations(self) -> list[str]:
        return sorted({row["nation"] for row in self.by_decile})

    @property
    def lsoas(self) -> int:
        """How many LSOAs the area has (the API's and the CSV's rows)."""
        return sum(row["lsoas"] for row in self.by_decile)


def look_first_rows(session: Session, area: str, category: CategoryNode) -> list[dict[str, Any]]:
    """The area's LSOAs in each nation's deciles 1–2, with their figures for the category: all the "where to look
    first" table and its CSV can show. A fifth of the area's LSOAs, read without their outlines: about 6,600 for
    England, the largest area."""
    return repository.area_lsoas(session, area, category.id, outlines=False, deciles=LOOK_FIRST_DECILES)


def area_report(session: Session, area: str, category: str) -> AreaReport:
    """The area's figures for the page; Invalid (422) for an unknown area or category, or a sub-category."""
    summary = area_summary(session, area)
    node = top_level(session, category)
    last = repository.last_refresh(session)
    monthly: dict[int, dict[date, tuple[int | None, int | None]]] = {}
    for row in repository.area_months(session, summary.code):
        monthly.setdefault(row["category_id"], {})[row["month"]] = (row["searches"], row["unmet_searches"])
    return AreaReport(
        area=summary,
        category=node,
        rows=look_first_rows(session, summary.code, node),
        as_of=last["finished_at"] if last else None,
        months=published_months(last["started_at"].astimezone(LONDON).date() if last else today()),
        monthly=monthly,
        by_decile=repository.access_by_decile(session, summary.code, node.id),
    )


def _missing_last(value: int | None, descending: bool = False) -> tuple[bool, int]:
    """A sort key putting unknown (None: withheld, or before the first refresh) after every number."""
    return (value is None, 0 if value is None else (-value if descending else value))


# How the "where to look first" table can be ordered (`sort=`); each ends with the LSOA code, so ties are stable.
LOOK_FIRST_ORDER: dict[str, Callable[[dict[str, Any]], tuple[Any, ...]]] = {
    "places": lambda r: (*_missing_last(r["places_800m"]), *_missing_last(r["places_1600m"]),
                         *_missing_last(r["unmet_searches"], descending=True), r["deprivation_decile"], r["lsoa"]),
    "unmet": lambda r: (*_missing_last(r["unmet_searches"], descending=True), *_missing_last(r["places_800m"]),
                        r["lsoa"]),
    "decile": lambda r: (r["nation"], r["deprivation_decile"], *_missing_last(r["places_800m"]), r["lsoa"]),
    "name": lambda r: (r["name"], r["lsoa"]),
}


def look_first(rows: list[dict[str, Any]], sort: str = "places") -> list[dict[str, Any]]:
    """"Where to look first" (look_first_rows) in the order asked for: by default those with the fewest places of the
    category within 800 m first (then 1,600 m, then the most unmet searches)."""
    return sorted(rows, key=LOOK_FIRST_ORDER[sort])


def look_first_csv(session: Session, area: str, category: str, sort: str) -> tuple[str, str]:
    """The file name and text of "where to look first" as CSV: every row (the page shows the first 25), in the page's
    order; Invalid (422) for an unknown area or category."""
    code, node = require_area(session, area), top_level(session, category)
    return f"where-to-look-first-{code}-{node.slug}.csv", rows_csv(look_first(look_first_rows(session, code, node), sort))


def simplify_for(zoom: int) -> tuple[float, int]:
    """Outline simplification for a map zoom: a tolerance of about half a screen pixel (in degrees of longitude at the
    equator, so less in Britain) and the decimals that keep that precision."""
    pixel = 360 / (256 * 2**zoom)
    digits = 3 if zoom <= 8 else 4 if zoom <= 12 else 5
    return pixel / 2, digits


def lsoa_layer(session: Session, box: BBox, zoom: int, category: str, area: str | None, limit: int = LAYER_LIMIT) -> bytes:
    """The LSOAs in a map viewport, as a GeoJSON FeatureCollection (UTF-8) with their figures for the top-level
    category (PROPERTIES) and simplified outlines: at most `limit`, nearest the box's centre, with `truncated`."""
    node = top_level(session, category)
    code = require_area(session, area) if area else None
    tolerance, digits = simplify_for(zoom)
    return limited_collection(repository.lsoa_features(session, box.params(), node.id, code, tolerance, digits, limit + 1), limit)
