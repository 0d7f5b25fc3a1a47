"""The one filter builder: what a listing asks for (`Criteria`), as SQL conditions on `asset a` with their bound
parameters. The nearby API, the finder, Open Referral, the map layers, the asset list and the exports all describe
their filters as a Criteria and build them here; the SQL itself is in assets/repository.py."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.areas.service import area_filter, serves_area_filter, serves_point_filter
from app.assets import repository
from app.assets.language import language_names
from app.categories.service import get_taxonomy
from app.core.text import checked_text
from app.geo.bbox import BBox


@dataclass(frozen=True)
class Criteria:
    """Every filter a listing can ask for; what is left None or empty does not filter."""

    bbox: BBox | None = None
    # (lat, lon): only services delivered by phone, online or at home whose service areas hold this point
    served_at: tuple[float, float] | None = None
    category: Sequence[str] = ()  # slugs: any of them, or a category below one
    q: str | None = None  # words in the name, description or tags, in English or in Welsh
    area: str | None = None  # an area code: inside it (with served_at: serving people in it, SERVES_AREA_FILTER)
    free: bool | None = None
    drop_in: bool | None = None
    carers_welcome: bool | None = None
    accessibility: Sequence[str] = ()  # all of them
    language: str | None = None  # offered in this language (any case; Welsh as "Welsh" or "Cymraeg")
    age: int | None = None  # inside the age range
    minimum_age: float | None = None  # the minimum age (none: 0) is at least this (Open Referral's meaning)
    maximum_age: float | None = None  # the maximum age is at most this (Open Referral's meaning)
    # One weekly session that meets all of these:
    weekday: int | None = None  # 0 = Monday
    open_at: dt.time | None = None
    starts_from: dt.time | None = None
    ends_by: dt.time | None = None


def filters_for(session: Session, criteria: Criteria) -> tuple[list[str], dict[str, Any]]:
    """The conditions and parameters for `criteria`; Invalid (422) for an unknown category or area, or control
    characters in the words."""
    filters: list[str] = []
    params: dict[str, Any] = {}

    def add(condition: str, **values: Any) -> None:
        filters.append(condition)
        params.update(values)

    c = criteria
    if c.bbox:
        add(repository.BBOX_FILTER, **c.bbox.params())
    if c.served_at:
        condition, served_params = serves_point_filter(*c.served_at)
        add(condition, **served_params)
    if c.category:
        add(repository.CATEGORY_FILTER, category_ids=get_taxonomy(session).subtree_ids(list(c.category)))
    if c.q and (q := checked_text(c.q, "q")):
        add(repository.TEXT_FILTER, q=q)
    if c.area and c.area.strip():
        # places inside it; services by phone, online or at home (the listing of those serving a point) serving it
        condition, area_params = (serves_area_filter if c.served_at else area_filter)(session, c.area)
        add(condition, **area_params)
    if c.free is not None:
        add(repository.FREE_FILTER, free=c.free)
    if c.drop_in is not None:
        add(repository.DROP_IN_FILTER, drop_in=c.drop_in)
    if c.carers_welcome is not None:
        add(repository.CARERS_WELCOME_FILTER, carers_welcome=c.carers_welcome)
    if c.language and (language := checked_text(c.language, "language")):
        add(repository.LANGUAGE_FILTER, language_names=language_names(language))
    if c.accessibility:
        add(repository.ACCESSIBILITY_FILTER, accessibility=list(c.accessibility))
    if c.age is not None:
        add(repository.AGE_FILTER, age=c.age)
    if c.minimum_age is not None:
        add(repository.MINIMUM_AGE_FILTER, minimum_age=c.minimum_age)
    if c.maximum_age is not None:
        add(repository.MAXIMUM_AGE_FILTER, maximum_age=c.maximum_age)
    meets = {name: getattr(c, name) for name in repository.SESSION_CONDITIONS if getattr(c, name) is not None}
    if meets:
        add(repository.session_filter([repository.SESSION_CONDITIONS[name] for name in meets]), **meets)
    return filters, params
