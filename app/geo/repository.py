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
