"""The map pages ask for the layer at the current data version (app/maps/data_version.py) in real Chromium, and move
to a new version after an edit."""

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from app.assets.schemas import AssetUpdate
from app.assets.service import update_asset
from app.core.config import get_settings
from app.maps import data_version
from tests.factories import make_asset

pytestmark = pytest.mark.browser

CENTRE = "lat=53.4808&lon=-2.2426&zoom=16"
MAP = "Object.values(window).find(v => v instanceof L.Map)"


def layer_versions(page: Page) -> list[str | None]:
    """The `v` of every GeoJSON layer request the page makes (filled as it makes them)."""
    versions: list[str | None] = []

    def seen(request) -> None:
        url = urlsplit(request.url)
        if url.path == "/api/v1/assets.geojson":
            versions.append(parse_qs(url.query).get("v", [None])[0])

    page.on("request", seen)
    return versions


def test_the_map_asks_for_the_current_version_and_moves_to_a_new_one_after_an_edit(page: Page, session, reads):
    place = make_asset(session, name="Tuesday Singers", lat=53.4808, lon=-2.2426)
    versions = layer_versions(page)
    page.goto(f"/?{CENTRE}")
    expect(page.locator("#results-list .result")).to_have_count(1)
    session.commit()
    first = data_version.current(reads, get_settings())
    assert versions and set(versions) == {first}

    update_asset(session, place.id, AssetUpdate(name="Wednesday Singers"), actor="tests")
    session.commit()
    second = data_version.current(reads, get_settings())
    assert second != first
    page.evaluate(f"{MAP}.panBy([40, 0], {{animate: false}})")
    # The old version's URL answers with the current data, and tells the page the new version.
    expect(page.locator("#results-list .result h3")).to_have_text("Wednesday Singers")
    page.evaluate(f"{MAP}.panBy([-40, 0], {{animate: false}})")
    page.wait_for_function("v => performance.getEntriesByType('resource').some(e => e.name.includes('v=' + v))", arg=second)
    assert versions[-1] == second


def test_the_embed_asks_for_the_current_version(page: Page, session, reads):
    make_asset(session, name="Tuesday Singers", lat=53.4808, lon=-2.2426)
    versions = layer_versions(page)
    page.goto(f"/embed?{CENTRE}")
    expect(page.locator(".asset-marker")).to_have_count(1)
    session.commit()
    current = data_version.current(reads, get_settings())
    assert versions and set(versions) == {current}
