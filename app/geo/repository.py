"""SQL for postcodes and outcodes."""

from typing import Any

from sqlalchemy import Row, text
from sqlmodel import Session

# Plain statements rather than `session.get`: every search by postcode starts here, and the ORM's identity-map
# lookup and object loading cost more CPU than the query itself.


def get_postcode(session: Session, key: str) -> Row[Any] | None:
    """The postcode's display form, lat and lon."""
    return session.execute(text("SELECT postcode, lat, lon FROM postcode WHERE key = :key"), {"key": key}).first()


def get_outcode(session: Session, outcode: str) -> Row[Any] | None:
    """The outcode's lat and lon."""
    return session.execute(text("SELECT lat, lon FROM outcode WHERE outcode = :outcode"), {"outcode": outcode}).first()


def count_postcodes(session: Session) -> int:
    return session.execute(text("SELECT count(*) FROM postcode")).scalar_one()


def distance_m(session: Session, lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Metres between two points, on the WGS84 ellipsoid."""
    sql = "SELECT ST_Distance(ST_SetSRID(ST_MakePoint(:lon1, :lat1), 4326)::geography, ST_SetSRID(ST_MakePoint(:lon2, :lat2), 4326)::geography)"
    return session.execute(text(sql), {"lat1": lat1, "lon1": lon1, "lat2": lat2, "lon2": lon2}).scalar_one()
