"""Parsing `bbox=minlon,minlat,maxlon,maxlat` query parameters."""

from dataclasses import dataclass

from app.core.errors import Invalid
from app.i18n import gettext as _


@dataclass(frozen=True)
class BBox:
    minlon: float
    minlat: float
    maxlon: float
    maxlat: float

    def params(self) -> dict[str, float]:
        return {"minlon": self.minlon, "minlat": self.minlat, "maxlon": self.maxlon, "maxlat": self.maxlat}


def parse_bbox(text: str) -> BBox:
    parts = text.split(",")
    example = {"example": "bbox=-2.30,53.46,-2.20,53.50"}
    if len(parts) != 4:
        raise Invalid(_("bbox needs four numbers, minlon,minlat,maxlon,maxlat (for example %(example)s).") % example, "bbox")
    try:
        minlon, minlat, maxlon, maxlat = (float(p) for p in parts)
    except ValueError:
        raise Invalid(_("bbox must be four numbers separated by commas (for example %(example)s).") % example, "bbox") from None
    if not (-180 <= minlon <= 180 and -180 <= maxlon <= 180):
        raise Invalid(_("bbox longitudes must be between -180 and 180."), "bbox")
    if not (-90 <= minlat <= 90 and -90 <= maxlat <= 90):
        raise Invalid(_("bbox latitudes must be between -90 and 90."), "bbox")
    if minlon >= maxlon or minlat >= maxlat:
        message = _("bbox is inverted or empty: the minimum must come before the maximum (for example %(example)s).")
        raise Invalid(message % example, "bbox")
    return BBox(minlon, minlat, maxlon, maxlat)
