"""One Open Referral service (fully nested) as the fields of one of our assets: the reverse of mapping.py.

Tolerant of what other directories publish: values we cannot use are dropped and noted, never fatal, except a
service without a name, or with neither a usable location nor a way to reach it from home (a virtual location or a
phone) with a service area we know, which raises Unusable. Text fields given as HTML become clean text
(html_text.py).
"""

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app.areas.service import find_service_areas
from app.assets.types import ACCESSIBILITY_LABELS, WEEKDAYS
from app.categories.service import Taxonomy
from app.core.errors import AppError
from app.core.text import clean_email, clean_url
from app.geo.postcodes import parse_postcode
from app.geo.service import locate_postcode
from app.geo.uk import position_problem
from app.openreferral.html_text import html_to_text
from app.openreferral.schemas import BYDAY

Json = dict[str, Any]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")
# Words that name one of our accessibility features in another directory's free text.
ACCESSIBILITY_WORDS = {
    "step_free": ("step-free", "step free", "wheelchair", "level access", "ramp"),
    "accessible_toilet": ("accessible toilet", "disabled toilet", "accessible wc"),
    "hearing_loop": ("hearing loop", "induction loop"),
    "quiet_space": ("quiet space", "quiet room"),
    "large_print": ("large print",),
    "bsl": ("bsl", "sign language"),
    "accessible_parking": ("accessible parking", "disabled parking", "blue badge"),
    "changing_places": ("changing places",),
    "assistance_dogs": ("assistance dog", "guide dog"),
    "dementia_friendly": ("dementia friendly", "dementia-friendly"),
}


class Unusable(Exception):
    """The service cannot become an asset; the message says why. `failure`: a fault in the record (no name), reported
    as a failure; otherwise it is skipped (nowhere to list it)."""

    def __init__(self, message: str, failure: bool = False):
        super().__init__(message)
        self.failure = failure


@dataclass
class Converted:
    fields: Json
    unmatched_terms: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _text(value: Any, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    cleaned = html_to_text(_CONTROL.sub("", value)).strip()
    return cleaned[:limit] or None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _list(value: Any) -> list[Json]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("&", "and")).strip("-")


def convert(
    session: Session, service: Json, tree: Taxonomy, default_category: str, default_areas: Sequence[str] = ()
) -> Converted:
    """The asset fields for `service` (without source, external id or status). Raises Unusable.

    A service with no usable physical location is delivered online (it has a virtual location) or by phone, and
    found by its service areas (or else `default_areas`, the run's --service-area)."""
    name = _text(service.get("name"), 200)
    if not name:
        raise Unusable("it has no name", failure=True)
    notes: list[str] = []
    areas = find_service_areas(session, _area_texts(service))
    try:
        sal, place = _place(session, service, notes)
        delivery = "location"
    except Unusable as nowhere:
        sal, place, delivery = _nowhere(service, nowhere)
        areas = areas or list(default_areas)
        if not areas:
            raise Unusable(f"{nowhere} and none of its service areas is an area we know (see --service-area)") from None
    location = sal.get("location") or {}
    categories, unmatched = _categories(service, tree)
    sessions, hours_text = _schedules([*_list(service.get("schedules")), *_list(sal.get("schedules"))])
    free, cost_description = _costs(service)
    min_age, max_age = _ages(service, notes)
    organisation = _organisation(service.get("organization"), notes)
    fields: Json = {
        "name": name,
        "name_cy": _text(service.get("alternate_name"), 200),  # where our own feed puts the Welsh name
        "description": _text(service.get("description"), 5000) or "",
        "categories": categories or [default_category],
        "tags": list(dict.fromkeys(_text(t, 60) for t in unmatched if _text(t, 60)))[:30],
        "address": place["address"],
        "postcode": place["postcode"],
        "lat": place["lat"],
        "lon": place["lon"],
        "delivery": delivery,
        "service_areas": areas,
        "phone": _phone(service),
        "email": _checked(clean_email, service.get("email") or _first(service.get("contacts"), "email"), 254, "email", notes),
        "website": _checked(clean_url, service.get("url") or _virtual_url(service), 500, "url", notes),
        "free": free,
        "cost_description": cost_description,
        "accessibility": _accessibility(location),
        "languages": _languages(service),
        "min_age": min_age,
        "max_age": max_age,
        "audience": _text(service.get("eligibility_description"), 300),
        "schedule": sessions[:50],
        "opening_hours_text": hours_text,
        "organisation": organisation,
    }
    assured = _date(service.get("assured_date"))
    if assured:
        fields["last_verified_at"] = assured
    if not categories:
        notes.append(f"no term matched our categories: filed under {default_category}")
    return Converted(fields, unmatched, notes)


def _place(session: Session, service: Json, notes: list[str]) -> tuple[Json, Json]:
    """The first service_at_location whose location has usable coordinates (in the UK, the Isle of Man or the Channel
    Islands: `app.geo.uk`) or a known UK postcode."""
    tried = 0
    for sal in _list(service.get("service_at_locations")):
        location = sal.get("location") if isinstance(sal.get("location"), dict) else {}
        if location.get("location_type") == "virtual":
            continue
        tried += 1
        address = next(iter(_list(location.get("addresses"))), {})
        postcode = parse_postcode(str(address.get("postal_code") or ""))
        lat, lon = _number(location.get("latitude")), _number(location.get("longitude"))
        wrong = position_problem(lat, lon) if lat is not None and lon is not None else None
        if lat is None or lon is None or wrong:
            if postcode is None or postcode.is_outcode:
                continue
            try:
                found = locate_postcode(session, postcode.display)
            except AppError:
                continue
            lat, lon = found.lat, found.lon
            if wrong:
                notes.append(f"{wrong}: placed at its postcode {found.postcode} instead")
        parts = [_text(address.get(k), 200) for k in ("address_1", "address_2", "city", "region", "state_province")]
        return sal, {
            "lat": lat,
            "lon": lon,
            "postcode": postcode.display if postcode and not postcode.is_outcode else None,
            "address": ", ".join(dict.fromkeys(p for p in parts if p))[:300] or None,
        }
    if tried:
        raise Unusable(f"none of its {tried} physical location(s) has valid coordinates or a known UK postcode")
    raise Unusable("it has no physical location")


def _virtual(service: Json) -> list[Json]:
    return [
        sal for sal in _list(service.get("service_at_locations"))
        if isinstance(sal.get("location"), dict) and sal["location"].get("location_type") == "virtual"
    ]


def _virtual_url(service: Json) -> Any:
    return next((s["location"].get("url") for s in _virtual(service) if s["location"].get("url")), None)


def _nowhere(service: Json, why: Unusable) -> tuple[Json, Json, str]:
    """A service without a usable physical location: online when it has a virtual location (or only a website), by
    phone when it has a phone; Unusable otherwise."""
    virtual = _virtual(service)
    place: Json = {"lat": None, "lon": None, "postcode": None, "address": None}
    if virtual:
        return virtual[0], place, "online"
    if _phone(service):
        return {}, place, "phone"
    if _text(service.get("url"), 500):
        return {}, place, "online"
    raise Unusable(f"{why}, no virtual location and no phone")


def _area_texts(service: Json) -> list[str]:
    """What each of the service's areas says of itself: its URI (which may hold an ONS code), its name."""
    texts = []
    for area in _list(service.get("service_areas")):
        for key in ("uri", "name", "service_area", "extent"):
            value = area.get(key)
            if isinstance(value, str) and value.strip() and len(value) < 300:
                texts.append(html_to_text(value))
    return texts


def _categories(service: Json, tree: Taxonomy) -> tuple[list[str], list[str]]:
    """Our category slugs whose name (in English or in Welsh) or slug matches one of the service's taxonomy terms; the
    other terms' names."""
    names = [(name, n.slug) for n in tree.by_slug.values() for name in (n.name_en, n.name_cy) if name]
    ours = {name.lower(): slug for name, slug in names} | {slug: slug for slug in tree.by_slug}
    matched: list[str] = []
    unmatched: list[str] = []
    for attribute in _list(service.get("attributes")):
        term = attribute.get("taxonomy_term") if isinstance(attribute.get("taxonomy_term"), dict) else {}
        labels = [str(term[k]).strip() for k in ("code", "name", "term") if isinstance(term.get(k), str) and term[k].strip()]
        slug = next((ours.get(key) for label in labels for key in (label.lower(), _slug(label)) if key in ours), None)
        if slug:
            matched.append(slug)
        elif labels:
            unmatched.append(str(term.get("name") or labels[0]))
    return list(dict.fromkeys(matched))[:10], unmatched


def clock(value: Any) -> str | None:
    """'10:00', '10:00:00', '10:00:00Z' or '10:00+01:00' as 'HH:MM' (the wall-clock time; an offset is dropped)."""
    match = _CLOCK.match(value.strip()) if isinstance(value, str) else None
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        return None
    return f"{int(match[1]):02d}:{match[2]}"


def _schedules(schedules: list[Json]) -> tuple[list[Json], str | None]:
    """Weekly schedules become sessions; anything else (monthly, fortnightly, untimed) is kept as text."""
    sessions: list[Json] = []
    texts: list[str] = []
    for s in schedules:
        days = [d.strip().upper() for d in str(s.get("byday") or "").split(",") if d.strip()]
        opens, closes = clock(s.get("opens_at")), clock(s.get("closes_at"))
        weekly = str(s.get("freq") or "WEEKLY").upper() == "WEEKLY" and _number(s.get("interval")) in (None, 1)
        note = _text(s.get("description") or s.get("notes"), 200)
        if weekly and days and all(d in BYDAY for d in days) and opens and closes and opens < closes:
            sessions += [{"day": WEEKDAYS[BYDAY.index(d)], "opens": opens, "closes": closes, "note": note} for d in days]
            continue
        described = _text(s.get("description"), 300) or " ".join(
            str(p) for p in (s.get("freq"), s.get("byday"), s.get("bymonthday"), opens and closes and f"{opens}-{closes}") if p
        )
        if described:
            texts.append(described)
    return sessions, ("; ".join(dict.fromkeys(texts))[:500] or None)


def _costs(service: Json) -> tuple[bool | None, str | None]:
    options = _list(service.get("cost_options"))
    amounts = [a for a in (_number(o.get("amount")) for o in options) if a is not None]
    kinds = {str(o.get("option") or "").strip().lower() for o in options}
    if any(a > 0 for a in amounts) or "charge" in kinds:
        free = False
    elif (amounts and all(a == 0 for a in amounts)) or "free" in kinds:
        free = True
    else:
        free = None
    described = [_text(o.get("amount_description"), 300) for o in options]
    description = _text(service.get("fees"), 300) or "; ".join(d for d in described if d)[:300] or None
    return free, description


def _ages(service: Json, notes: list[str]) -> tuple[int | None, int | None]:
    low, high = _number(service.get("minimum_age")), _number(service.get("maximum_age"))
    low = int(low) if low is not None and 0 <= low <= 120 else None
    high = int(high) if high is not None and 0 <= high <= 120 else None
    if low is not None and high is not None and low > high:
        notes.append(f"age range {low}-{high} is reversed: ignored")
        return None, None
    return low, high


def _checked(check: Callable[[str], str | None], value: Any, limit: int, label: str, notes: list[str]) -> str | None:
    text = _text(value, limit)
    if not text:
        return None
    try:
        return check(text)
    except ValueError:
        notes.append(f"{label} {text[:60]!r} is not valid: left out")
        return None


def _first(items: Any, key: str) -> Any:
    return next((i[key] for i in _list(items) if i.get(key)), None)


def _phone(service: Json) -> str | None:
    phones = [*_list(service.get("phones")), *(p for c in _list(service.get("contacts")) for p in _list(c.get("phones")))]
    return _text(_first(phones, "number"), 40)


def _accessibility(location: Json) -> list[str]:
    text = " ".join(
        str(a.get(k)).lower() for a in _list(location.get("accessibility")) for k in ("accessibility", "description", "details") if a.get(k)
    )
    words = {code: (*phrases, ACCESSIBILITY_LABELS[code].lower()) for code, phrases in ACCESSIBILITY_WORDS.items()}
    return [code for code, phrases in words.items() if any(p in text for p in phrases)]


# Welsh's ISO 639 codes (639-1, 639-2/T, 639-2/B): a language given only by one of them is named Welsh.
WELSH_CODES = ("cy", "cym", "wel")


def _languages(service: Json) -> list[str]:
    names = [
        _text(lang.get("name") or ("Welsh" if str(lang.get("code")).lower() in WELSH_CODES else lang.get("code")), 60)
        for lang in _list(service.get("languages"))
    ]
    return list(dict.fromkeys(n for n in names if n))[:20]


def _organisation(org: Any, notes: list[str]) -> Json | None:
    if not isinstance(org, dict) or not _text(org.get("name"), 200):
        return None
    return {
        "name": _text(org.get("name"), 200),
        "external_id": _text(org.get("id"), 120),
        "website": _checked(clean_url, org.get("website") or org.get("url"), 500, "organization website", notes),
        "email": _checked(clean_email, org.get("email"), 254, "organization email", notes),
        "phone": _text(_first(org.get("phones"), "number"), 40),
    }


def _date(value: Any) -> dt.datetime | None:
    try:
        day = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
