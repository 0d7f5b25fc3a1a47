"""Freshness on the map in real headless Chromium: popups and the nearest-places list say when a place is stale."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_asset

pytestmark = pytest.mark.browser


def test_popups_and_the_list_say_when_a_place_was_last_verified(page: Page, session, guard):
    make_asset(session, name="Checked last month", lat=53.4795, lon=-2.2450, last_verified_at=datetime.now(UTC) - timedelta(days=30))
    make_asset(session, name="Checked long ago", lat=53.4822, lon=-2.2400, last_verified_at=datetime(2023, 3, 14, 12, tzinfo=UTC))
    make_asset(session, name="Never checked", lat=53.4808, lon=-2.2426)
    page.goto("/?lat=53.4808&lon=-2.2426&zoom=16")
    expect(page.locator(".asset-marker")).to_have_count(3)
    popup = page.locator(".leaflet-popup .asset-popup")
    expected = {"Checked last month": [], "Checked long ago": ["Not verified since 14 March 2023"], "Never checked": ["Not yet checked"]}
    for name, freshness in expected.items():
        page.locator(f'.asset-marker[title="{name}"]').click()
        expect(popup.locator("h2")).to_have_text(name)
        expect(popup.locator(".freshness")).to_have_text(freshness)
        page.keyboard.press("Escape")
        expect(popup).to_have_count(0)

    page.get_by_label("Postcode", exact=True).fill("M2 5PD")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#results-list .result h3")).to_have_count(3)
    for name, freshness in expected.items():
        expect(page.locator("#results-list .result", has_text=name).locator(".freshness")).to_have_text(freshness)
