"""Mapbox Vector Tiles of published assets: the tile grid's rules; the SQL is in maps/repository.py."""

from app.core.errors import Invalid
from app.i18n import gettext as _

MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
MAX_ZOOM = 22


def check_tile(z: int, x: int, y: int) -> None:
    """Invalid unless z/x/y names a tile of the Web Mercator (XYZ) grid."""
    if not 0 <= z <= MAX_ZOOM:
        raise Invalid(_("There is no zoom level %(z)s: tiles go from zoom 0 to %(max)s.") % {"z": z, "max": MAX_ZOOM}, "z")
    last = (1 << z) - 1
    for name, value in (("x", x), ("y", y)):
        if not 0 <= value <= last:
            message = _("There is no tile %(z)s/%(x)s/%(y)s: at zoom %(z)s, %(name)s runs from 0 to %(last)s.")
            raise Invalid(message % {"z": z, "x": x, "y": y, "name": name, "last": last}, name)
