"""Whether a position can be a place on this map: in the UK, the Isle of Man or the Channel Islands.

A coarse outline drawn by hand (a few kilometres out to sea, the Irish border to within a few kilometres), enough to
catch what goes wrong in source files: 0,0 ("Null Island"), latitude and longitude swapped, a sign lost (a place in
the North Sea or Belgium), a place abroad. It needs no data loaded, so every importer uses it the same way.
"""

from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry import Polygon

# (lon, lat) outlines. Great Britain with its islands (Scilly to Shetland, St Kilda, the Isle of Man) and a margin of
# sea, kept off Ireland's east coast and north of France and Belgium.
_GREAT_BRITAIN = [
    (-6.8, 49.8), (-5.0, 49.8), (-1.0, 50.5), (1.0, 50.82), (1.6, 51.02), (2.0, 51.3), (2.0, 53.0), (0.5, 54.4),
    (-0.5, 55.9), (-1.0, 57.8), (-0.4, 60.2), (-0.5, 61.0), (-2.5, 61.0), (-5.5, 59.5), (-8.9, 58.2), (-8.0, 56.6),
    (-6.6, 55.6), (-5.6, 54.6), (-5.0, 54.0), (-4.95, 53.25), (-5.5, 51.9), (-5.9, 51.2), (-6.8, 50.3),
]
# Northern Ireland, its border with Ireland by a dozen points.
_NORTHERN_IRELAND = [
    (-6.9, 55.45), (-5.3, 55.45), (-5.3, 54.2), (-6.1, 54.0), (-6.65, 54.05), (-7.0, 54.38), (-7.3, 54.12),
    (-7.9, 54.25), (-8.2, 54.47), (-7.85, 54.7), (-7.5, 54.85), (-7.25, 55.07), (-6.95, 55.2),
]
# Jersey, Guernsey, Alderney and Sark, kept off the French coast.
_CHANNEL_ISLANDS = [(-2.8, 49.15), (-1.98, 49.15), (-1.98, 49.8), (-2.8, 49.8)]

_OUTLINES = [Polygon(ring) for ring in (_GREAT_BRITAIN, _NORTHERN_IRELAND, _CHANNEL_ISLANDS)]
shapely.prepare(_OUTLINES)

WHERE = "the UK, the Isle of Man and the Channel Islands"


def position_problem(lat: float, lon: float) -> str | None:
    """Why a source's latitude/longitude cannot place a UK place, or None when they can."""
    return position_problems([(lat, lon)])[0]


def position_problems(positions: Sequence[tuple[float, float]]) -> list[str | None]:
    """`position_problem` for each (lat, lon), the outlines tested once for all of them. Shapely releases the GIL for
    each test it makes, so an import whose threads tested their rows one by one spent most of the test waiting to
    take the GIL back from the other thread."""
    if not positions:
        return []
    lat, lon = np.array(positions, dtype=float).T
    inside = np.zeros(len(positions), dtype=bool)
    for outline in _OUTLINES:
        inside |= shapely.contains_xy(outline, lon, lat)
    return [_problem(y, x, ok) for (y, x), ok in zip(positions, inside.tolist(), strict=True)]


def _problem(lat: float, lon: float, inside: bool) -> str | None:
    if lat == 0 and lon == 0:
        return "latitude/longitude 0, 0 are no position (a missing value written as zero)"
    return None if inside else f"latitude/longitude {lat:g}, {lon:g} lie outside {WHERE}"
