"""SQL for postcodes and outcodes."""

from typing import Any

from sqlalchemy import Row, text
from sqlmodel import Session

# Plain statements rather than `session.get`: every search by postcode starts here, and the ORM's identity-map
# lookup and object loading cost more CPU than the query itself.


def place_query(key: str, is_outcode: bool) -> tuple[str, dict[str, Any]]:
    """The statement and parameters that read a postcode's (or an outcode's) lat, lon and display form, by its key."""
    if is_outcode:
        return "SELECT lat, lon, outcode FROM outcode WHERE outcode = :key", {"key": key}
    return "SELECT lat, lon, postcode FROM postcode WHERE key = :key", {"key": key}


def find_place(session: Session, key: str, is_outcode: bool) -> Row[Any] | None:
    """The lat, lon and display form of the postcode (or outcode) `key`, or None."""
    statement, params = place_query(key, is_outcode)
    return session.execute(text(statement), params).first()


def count_postcodes(session: Session) -> int:
    return session.execute(text("SELECT count(*) FROM postcode")).scalar_one()


def distance_m(session: Session, lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Metres between two points, on the WGS84 ellipsoid."""
    sql = "SELECT ST_Distance(ST_SetSRID(ST_MakePoint(:lon1, :lat1), 4326)::geography, ST_SetSRID(ST_MakePoint(:lon2, :lat2), 4326)::geography)"
    return session.execute(text(sql), {"lat1": lat1, "lon1": lon1, "lat2": lat2, "lon2": lon2}).scalar_one()
