"""SQL for postcodes and outcodes."""

from sqlalchemy import text
from sqlmodel import Session

from app.geo.models import Outcode, Postcode


def get_postcode(session: Session, key: str) -> Postcode | None:
    return session.get(Postcode, key)


def get_outcode(session: Session, outcode: str) -> Outcode | None:
    return session.get(Outcode, outcode)


def count_postcodes(session: Session) -> int:
    return session.execute(text("SELECT count(*) FROM postcode")).scalar_one()
