"""Turning what a person typed as a postcode into a point on the map."""

from dataclasses import dataclass

from sqlmodel import Session

from app.core.errors import Invalid, NotFound
from app.geo import repository
from app.geo.postcodes import parse_postcode
from app.i18n import gettext as _


@dataclass(frozen=True)
class Place:
    postcode: str  # display form: "M1 1AE", or an outcode such as "M1"
    lat: float
    lon: float
    precision: str  # "postcode" or "outcode"


def locate_postcode(session: Session, text: str, field: str = "postcode") -> Place:
    """Raises Invalid (422) for text that is not a postcode, NotFound (404) for one we do not know."""
    parsed = parse_postcode(text)
    if parsed is None:
        message = _("'%(text)s' is not a UK postcode: expected something like 'M1 1AE' or 'M1'.")
        raise Invalid(message % {"text": text.strip()[:20]}, field)
    if parsed.is_outcode:
        outcode = repository.get_outcode(session, parsed.key)
        if outcode is None:
            raise NotFound(_("We do not know the postcode area '%(outcode)s'.") % {"outcode": parsed.display}, field)
        return Place(parsed.display, outcode.lat, outcode.lon, "outcode")
    row = repository.get_postcode(session, parsed.key)
    if row is None:
        message = _("We do not know the postcode '%(postcode)s'. Check it, or try just the first half.")
        raise NotFound(message % {"postcode": parsed.display}, field)
    return Place(row.postcode, row.lat, row.lon, "postcode")
