"""How a place is shown to a link worker, in the finder and on a shared shortlist.

The rules (also in docs/finder.md):
- walking time: the straight-line distance at 80 metres a minute (4.8 km/h), rounded up; real routes are longer.
- next meeting: the first weekly session that has not yet ended, from the current time in Europe/London, looking a
  week ahead; a session on now says so. Notes such as "first Tuesday of the month" are shown with it.
- stale: `app.assets.freshness.is_stale` (not verified for over a year, or never).
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from app.assets.freshness import is_stale
from app.assets.schemas import AssetPublic
from app.assets.types import ACCESSIBILITY_LABELS, DAY_NAMES, WEEKDAYS, SchedulePublic
from app.core.dates import LONDON, local_date, uk_date
from app.i18n import gettext as _

WALKING_M_PER_MIN = 80


def distance_text(metres: float) -> str:
    """To the nearest 10 m below a kilometre (rounded first, so 996 m is "1.0 km", not "1000 m")."""
    rounded = max(10, round(metres / 10) * 10)
    if rounded < 1000:
        return f"{rounded} m"
    return _("%(km)s km (%(miles)s miles)") % {"km": f"{metres / 1000:.1f}", "miles": f"{metres / 1609.344:.1f}"}


def walking_minutes(metres: float) -> int:
    return max(1, math.ceil(metres / WALKING_M_PER_MIN))


def next_meeting(schedule: list[SchedulePublic], now: datetime | None = None, dated: bool = False) -> str | None:
    """When the place next meets, in words: "On now, until 12:00", "Today 18:00–20:00", "Tomorrow …", "Friday …";
    `dated`, for a list that may be printed and read another day: "Tuesday 3 June 10:00–12:00"."""
    local = (now or datetime.now(UTC)).astimezone(LONDON)
    for ahead in range(8):
        day = local.date() + timedelta(days=ahead)
        sessions = sorted((s for s in schedule if s.day == WEEKDAYS[day.weekday()]), key=lambda s: s.opens)
        for s in sessions:
            opens, closes = time.fromisoformat(s.opens), time.fromisoformat(s.closes)
            if ahead == 0 and closes <= local.time().replace(tzinfo=None):
                continue
            note = f" ({s.note})" if s.note else ""
            if dated:
                return f"{DAY_NAMES[s.day]} {local_date(day, 'd MMMM')} {s.opens}–{s.closes}{note}"
            if ahead == 0 and opens <= local.time().replace(tzinfo=None):
                return _("On now, until %(time)s") % {"time": s.closes} + note
            when = _("Today") if ahead == 0 else _("Tomorrow") if ahead == 1 else DAY_NAMES[s.day]
            return f"{when} {s.opens}–{s.closes}{note}"
    return None


def cost_text(asset: AssetPublic) -> str:
    if asset.free:
        return _("Free: %(details)s") % {"details": asset.cost_description} if asset.cost_description else _("Free")
    if asset.cost_description:
        return asset.cost_description
    return _("There is a charge: ask the organiser") if asset.free is False else _("Cost not recorded")


def age_text(asset: AssetPublic) -> str | None:
    if asset.min_age is not None and asset.max_age is not None:
        return _("Ages %(min)s to %(max)s") % {"min": asset.min_age, "max": asset.max_age}
    if asset.min_age is not None:
        return _("Ages %(min)s and over") % {"min": asset.min_age}
    if asset.max_age is not None:
        return _("Ages up to %(max)s") % {"max": asset.max_age}
    return None


@dataclass(frozen=True)
class PlaceSummary:
    """One place as a link worker sees it."""

    asset: AssetPublic
    number: int
    distance: str | None
    walk_minutes: int | None
    next_meeting: str | None
    cost: str
    ages: str | None
    accessibility: list[str]
    schedule: list[tuple[str, str, str | None]]
    verified: str | None
    stale: bool
    note: str | None = None


def summarise(
    asset: AssetPublic,
    number: int,
    distance_m: float | None = None,
    note: str | None = None,
    now: datetime | None = None,
    dated: bool = False,
) -> PlaceSummary:
    verified_at = asset.last_verified_at
    return PlaceSummary(
        asset=asset,
        number=number,
        distance=distance_text(distance_m) if distance_m is not None else None,
        walk_minutes=walking_minutes(distance_m) if distance_m is not None else None,
        next_meeting=next_meeting(asset.schedule, now, dated),
        cost=cost_text(asset),
        ages=age_text(asset),
        accessibility=[str(ACCESSIBILITY_LABELS.get(a, a.replace("_", " "))) for a in asset.accessibility],
        schedule=[(str(DAY_NAMES[s.day]), f"{s.opens}–{s.closes}", s.note) for s in asset.schedule],
        verified=uk_date(verified_at) if verified_at else None,
        stale=is_stale(verified_at, now),
        note=note,
    )
