"""Turning what a person typed as a postcode into a point on the map.

Each process keeps the postcodes it has looked up for `CACHE_S`: every search by postcode starts here, and the lookup
was one of its three round trips to the database. The postcode table changes only when it is reloaded (the ONS
publishes it quarterly), so a place is at most `CACHE_S` old after a reload in another process; a reload in this one
forgets them at once (`forget_places`). Postcodes that are not found are not kept."""

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session
from starlette.types import Scope

from app.core.async_reads import AsyncReads
from app.core.errors import Invalid, NotFound
from app.geo import repository
from app.geo.postcodes import ParsedPostcode, parse_postcode
from app.i18n import gettext as _


@dataclass(frozen=True)
class Place:
    postcode: str  # display form: "M1 1AE", or an outcode such as "M1"
    lat: float
    lon: float
    precision: str  # "postcode" or "outcode"


CACHE_S = 600
CACHE_SIZE = 20_000
_places: dict[str, tuple[float, Place]] = {}  # by the parsed key: (when it expires, the place)
_lock = threading.Lock()


def forget_places() -> None:
    """Forgets the places looked up: the postcode or outcode table has just been reloaded."""
    with _lock:
        _places.clear()


def _remember(key: str, place: Place) -> Place:
    with _lock:
        _places.pop(key, None)
        if len(_places) >= CACHE_SIZE:
            _places.pop(next(iter(_places)))  # the oldest
        _places[key] = (time.monotonic() + CACHE_S, place)
    return place


def locate_postcode(session: Session, text: str, field: str = "postcode") -> Place:
    """Raises Invalid (422) for text that is not a postcode, NotFound (404) for one we do not know."""
    parsed = _parse(text, field)
    return _kept(parsed) or _found(parsed, repository.find_place(session, parsed.key, parsed.is_outcode), field)


async def fetch_postcode(reads: AsyncReads, scope: Scope, text: str, field: str = "postcode") -> Place:
    """`locate_postcode` on the event loop, through the async reads: a search by a postcode this process has not yet
    looked up needs no worker thread for it (app.core.async_reads)."""
    parsed = _parse(text, field)
    if (kept := _kept(parsed)) is not None:
        return kept
    return _found(parsed, await reads.first_row(scope, *repository.place_query(parsed.key, parsed.is_outcode)), field)


def _parse(text: str, field: str) -> ParsedPostcode:
    parsed = parse_postcode(text)
    if parsed is None:
        message = _("'%(text)s' is not a UK postcode: expected something like 'M1 1AE' or 'M1'.")
        raise Invalid(message % {"text": text.strip()[:20]}, field)
    return parsed


def _kept(parsed: ParsedPostcode) -> Place | None:
    kept = _places.get(parsed.key)
    return kept[1] if kept is not None and kept[0] > time.monotonic() else None


def _found(parsed: ParsedPostcode, row: Sequence[Any] | None, field: str) -> Place:
    """The place of the row read for `parsed`, kept; NotFound when there was none."""
    if row is None and parsed.is_outcode:
        raise NotFound(_("We do not know the postcode area '%(outcode)s'.") % {"outcode": parsed.display}, field)
    if row is None:
        message = _("We do not know the postcode '%(postcode)s'. Check it, or try just the first half.")
        raise NotFound(message % {"postcode": parsed.display}, field)
    lat, lon, display = row
    return _remember(parsed.key, Place(display, lat, lon, "outcode" if parsed.is_outcode else "postcode"))
