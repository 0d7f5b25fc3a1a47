"""The places the finder's tests search among (English and Welsh pages)."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import make_asset

RECENT = datetime.now(UTC) - timedelta(days=10)


@pytest.fixture
def places(session):
    """Around M1 1AE (53.48348, -2.23118), in the order the search ranks them (the stale one is last in its band)."""
    return {
        "singers": make_asset(session, name="Tuesday Singers", categories=["choirs-music"], lat=53.4836, lon=-2.2320,
                              free=True, drop_in=True, accessibility=["step_free", "hearing_loop"], min_age=18,
                              phone="0161 000 0001", address="1 Piccadilly", languages=["Polish"], postcode="M1 1AE", last_verified_at=RECENT,
                              schedule=[{"day": "tue", "opens": "10:00", "closes": "12:00", "note": "not in August"}]),
        "food": make_asset(session, name="Food Bank", categories=["food-banks"], lat=53.4850, lon=-2.2312, free=False,
                           drop_in=False, carers_welcome=True, last_verified_at=RECENT,
                           schedule=[{"day": "fri", "opens": "09:00", "closes": "11:00"}]),
        "youth": make_asset(session, name="Youth Club", categories=["community-centres"], lat=53.4865, lon=-2.2312,
                            free=True, drop_in=True, max_age=18, accessibility=["step_free"],
                            last_verified_at=datetime.now(UTC) - timedelta(days=500),
                            schedule=[{"day": "tue", "opens": "18:00", "closes": "20:00"}]),
        "far": make_asset(session, name="Far Garden", categories=["community-centres"], lat=53.5200, lon=-2.2312),
    }
