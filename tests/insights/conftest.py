"""Shared by the insights pages' tests (English and Welsh)."""

import pytest
from sqlalchemy import text

from app.core.config import get_settings
from app.insights import service
from tests.factories import make_asset

CARDIFF_032G = "W01001941"


@pytest.fixture
def cardiff(session):
    """A library in Cardiff's city centre, a month of searches from its LSOA, and a refresh."""
    make_asset(session, name="Central Library", categories=["libraries"], lat=51.4785, lon=-3.1760)
    last_month = service.published_months(service.today())[-1]
    rows = [{"d": last_month, "l": CARDIFF_032G} for _ in range(12)]
    session.execute(text("INSERT INTO search_demand (day, lsoa_code, categories, found) VALUES (:d, :l, '{libraries}', 0)"), rows)
    session.commit()
    service.refresh(get_settings())
