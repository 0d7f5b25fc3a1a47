"""Each process keeps the postcodes it looked up for a while (app/geo/service.py), forgets them when the postcode
table is reloaded, and does not keep postcodes it did not find."""

import pytest
from sqlalchemy import text

from app.core.db import get_engine
from app.geo import service


def _move(key: str, by: float) -> None:
    with get_engine().begin() as conn:
        conn.execute(text("UPDATE postcode SET lat = lat + :by WHERE key = :key"), {"by": by, "key": key})


def _lat(client, postcode: str) -> float:
    return client.get(f"/api/v1/postcodes/{postcode}").json()["lat"]


def test_a_postcode_looked_up_is_kept_until_forgotten(client) -> None:
    service.forget_places()
    before = _lat(client, "M1 1AE")
    _move("M11AE", 1)
    try:
        assert _lat(client, "m11ae") == pytest.approx(before)  # the same key, however typed
        service.forget_places()
        assert _lat(client, "M1 1AE") == pytest.approx(before + 1)
    finally:
        _move("M11AE", -1)
        service.forget_places()


def test_a_kept_postcode_expires(client, monkeypatch) -> None:
    monkeypatch.setattr(service, "CACHE_S", 0)
    first = _lat(client, "M1 1AE")
    _move("M11AE", 1)
    try:
        assert _lat(client, "M1 1AE") == pytest.approx(first + 1)
    finally:
        _move("M11AE", -1)
        service.forget_places()


def test_a_postcode_not_found_is_not_kept(client) -> None:
    assert client.get("/api/v1/postcodes/ZZ9 9ZZ").status_code == 404
    with get_engine().begin() as conn:
        conn.execute(text("INSERT INTO postcode (key, postcode, lat, lon) VALUES ('ZZ99ZZ', 'ZZ9 9ZZ', 51.5, -0.1)"))
    try:
        assert client.get("/api/v1/postcodes/ZZ9 9ZZ").json()["lat"] == pytest.approx(51.5)
    finally:
        with get_engine().begin() as conn:
            conn.execute(text("DELETE FROM postcode WHERE key = 'ZZ99ZZ'"))
        service.forget_places()


def test_the_oldest_is_let_go_when_full(client, monkeypatch) -> None:
    service.forget_places()
    monkeypatch.setattr(service, "CACHE_SIZE", 2)
    for postcode in ("M1 1AE", "M1", "CF10 1EP"):
        assert client.get(f"/api/v1/postcodes/{postcode}").status_code == 200
    assert set(service._places) == {"M1", "CF101EP"}
    service.forget_places()
