"""Services without a place (issue 19) in the finder, in real headless Chromium: listed apart under "By phone or
online", without a distance or a number, never as pins on the results map; filters apply to them; Welsh too."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_asset

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("councils")]
XSS = '<img src=x onerror="alert(1)">'


@pytest.fixture
def services(session):
    make_asset(session, name="Piccadilly Choir", categories=["choirs-music"], lat=53.4836, lon=-2.2320, free=True)
    make_asset(session, name="Befriending line", name_cy="Llinell gyfeillio", delivery="phone", service_areas=["E08000003"], phone="0161 000 2222",
               free=True, lat=None, lon=None, categories=["befriending"])
    make_asset(session, name=f"Online peer group {XSS}", delivery="online", service_areas=["UK"], free=False,
               lat=None, lon=None, website="https://peer.example.org", categories=["befriending"])
    make_asset(session, name="Cardiff home visits", delivery="home", service_areas=["W06000015"], lat=None, lon=None)


def test_the_finder_lists_services_by_phone_or_online_apart_and_not_as_pins(page: Page, services):
    page.goto("/finder")
    page.get_by_label("Postcode").fill("M1 1AE")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#result-count")).to_have_text("1 place found near M1 1AE, nearest first.")
    remote = page.locator(".finder-remote")
    expect(remote.get_by_role("heading", name="By phone or online")).to_be_visible()
    expect(remote.locator(".remote-result")).to_have_count(2)  # not the Cardiff home visits
    line = remote.locator(".remote-result", has=page.get_by_role("link", name="Befriending line"))
    expect(line).to_contain_text("By phone: for people in Manchester")
    expect(line.get_by_role("link", name="0161 000 2222")).to_have_attribute("href", "tel:01610002222")
    expect(line).not_to_contain_text("away")
    group = remote.locator(".remote-result", has=page.get_by_role("link", name=f"Online peer group {XSS}"))
    expect(group).to_contain_text("Online: for people in the whole UK")
    expect(page.locator(".finder-map .finder-pin")).to_have_count(1)  # only the choir is on the map

    page.get_by_label("Free only").check()
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator(".finder-remote .remote-result")).to_have_count(1)
    expect(page.locator(".finder-remote")).to_contain_text("Befriending line")


def test_in_welsh(page: Page, services):
    page.goto("/finder?lang=cy&postcode=M1+1AE")
    remote = page.locator(".finder-remote")
    expect(remote.get_by_role("heading", name="Dros y ffôn neu ar-lein")).to_be_visible()
    expect(remote).to_contain_text("Ar-lein: i bobl yn y Deyrnas Unedig gyfan")
    expect(remote).to_contain_text("Llinell gyfeillio")

    page.goto("/?lang=cy&postcode=M1+1AE")  # the map searches the postcode it was given
    items = page.locator("#remote-section li")
    expect(items).to_have_text(["Llinell gyfeillio – Dros y ffôn", f"Online peer group {XSS} – Ar-lein"])
    expect(items.first.get_by_role("link")).not_to_have_attribute("lang", "en")


def test_the_map_lists_them_after_a_postcode_search_and_pins_only_places(page: Page, services):
    page.goto("/?lat=53.48&lon=-2.24&zoom=15")
    expect(page.locator("#remote-section")).to_be_hidden()
    page.get_by_label("Postcode", exact=True).fill("M1 1AE")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#results-list .result h3")).to_have_text(["Piccadilly Choir"])
    remote = page.locator("#remote-section")
    expect(remote.get_by_role("heading", name="By phone or online")).to_be_visible()
    expect(remote.locator("li")).to_have_text(["Befriending line – By phone", f"Online peer group {XSS} – Online"])
    expect(page.locator(".asset-marker")).to_have_count(1)  # the choir; the services are not pins
    page.get_by_role("button", name="Clear the postcode search").click()
    expect(remote).to_be_hidden()
