"""The map pages in real headless Chromium: markers, popups, layers, postcode search, place pages.

Every test runs under the `page` fixture's guard: no request may leave the app's origin, no dialog may open, no
script error or CSP violation may happen.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_asset

pytestmark = pytest.mark.browser

XSS_NAME = "<img src=x onerror=alert(1)>"
CENTRE = "lat=53.4808&lon=-2.2426&zoom=16"
MAP = "Object.values(window).find(v => v instanceof L.Map)"  # the page's Leaflet map, in page JavaScript


@pytest.fixture
def places(session):
    """Three places around Manchester town hall, each in a different top-level category, 150+ m apart."""
    return {
        "singers": make_asset(session, name="Tuesday Singers", categories=["choirs-music"], lat=53.4795, lon=-2.2450,
                              address="Central Library, St Peter's Square", postcode="M2 5PD", free=True, drop_in=True,
                              schedule=[{"day": "tue", "opens": "10:00", "closes": "12:00", "note": "not in August"}]),
        "food": make_asset(session, name="Albert Square Food Bank", categories=["food-banks"], lat=53.4822, lon=-2.2400,
                           opening_hours_text="Fridays, by referral"),
        "xss": make_asset(session, name=XSS_NAME, categories=["community-centres"], lat=53.4808, lon=-2.2426,
                          address="<b>1 Bold Street</b>", free=False, drop_in=True),
    }


def marker(page: Page, name: str):
    return page.locator(f".asset-marker[title=\"{name}\"]")


def test_map_shows_markers_and_escaped_popups(page: Page, places, guard):
    page.goto(f"/?{CENTRE}")
    expect(page.locator(".asset-marker")).to_have_count(3)
    for asset in places.values():
        expect(marker(page, asset.name)).to_have_count(1)

    marker(page, XSS_NAME).click()
    popup = page.locator(".leaflet-popup .asset-popup")
    expect(popup.locator("h2")).to_have_text(XSS_NAME)
    expect(popup.locator("h2 a")).to_have_attribute("href", f"/places/{places['xss'].id}")
    expect(popup.locator(".categories")).to_have_text("Community centres and halls")
    expect(popup.locator(".address")).to_have_text("<b>1 Bold Street</b>")
    expect(popup.locator(".badge")).to_have_text(["Drop in"])
    expect(popup).to_contain_text("Not recorded")
    assert page.locator("img[src=x], .leaflet-popup b").count() == 0
    assert page.evaluate("document.title").startswith("Find community places")

    page.keyboard.press("Escape")  # Leaflet closes the popup from the keyboard
    expect(popup).to_have_count(0)
    marker(page, "Tuesday Singers").click()
    expect(popup.locator("h2")).to_have_text("Tuesday Singers")
    expect(popup.locator(".badge")).to_have_text(["Free", "Drop in"])
    expect(popup.locator(".schedule li")).to_have_text(["Tuesday 10:00–12:00 (not in August)"])
    page.wait_for_timeout(300)  # a script injected by a popup would have run by now; the guard checks no dialog opened


def test_toggling_a_category_layer_hides_its_markers(page: Page, places):
    page.goto(f"/?{CENTRE}")
    expect(page.locator(".asset-marker")).to_have_count(3)
    expect(page.locator("#results-list .result")).to_have_count(3)

    page.get_by_role("button", name="Layers: choose which kinds of places to show").focus()
    page.keyboard.press("Enter")  # the layer control opens from the keyboard too
    expect(page.locator(".leaflet-control-layers")).to_have_class(re.compile(r"\bleaflet-control-layers-expanded\b"))
    # Leaflet ignores clicks in the control until a zero-delay timer set on opening has run (its _expandSafely); a
    # timer set now runs after it, so the Space below cannot land in that window on a slow machine.
    page.evaluate("() => new Promise(resolve => setTimeout(resolve))")
    food = page.locator(".leaflet-control-layers-overlays label", has_text="Food").locator("input")
    food.focus()
    page.keyboard.press("Space")
    expect(food).not_to_be_checked()
    expect(page.locator(".asset-marker.cat-food")).to_have_count(0)
    expect(page.locator(".asset-marker")).to_have_count(2)
    expect(page.locator("#results-list .result", has_text="Albert Square Food Bank")).to_have_count(0)

    page.keyboard.press("Space")
    expect(marker(page, "Albert Square Food Bank")).to_have_count(1)


def test_postcode_search_recentres_and_lists_nearest_first(page: Page, places):
    page.goto("/?lat=53.40&lon=-2.10&zoom=13")  # somewhere else entirely
    expect(page.locator("#results-status")).to_contain_text("No places")

    page.get_by_label("Postcode", exact=True).fill("M2 5PD")  # St Peter's Square, by the library
    page.get_by_role("button", name="Search", exact=True).click()
    items = page.locator("#results-list .result h3")
    expect(items).to_have_text(["Tuesday Singers", XSS_NAME, "Albert Square Food Bank"])
    expect(page.locator("#results-status")).to_contain_text("3 places near M2 5PD, nearest first")
    distances = page.locator("#results-list .distance").all_inner_texts()
    metres = [float(d.split()[0]) for d in distances]
    assert metres == sorted(metres)
    centre = page.evaluate(f"({MAP}).getCenter()")
    assert centre["lat"] == pytest.approx(53.4785, abs=0.003) and centre["lng"] == pytest.approx(-2.2440, abs=0.003)
    assert "postcode=M2+5PD" in page.url or "postcode=M2%205PD" in page.url
    expect(page.locator(".asset-marker")).to_have_count(3)

    page.locator("#results-list .result", has_text="Albert Square Food Bank").get_by_role("button").click()
    expect(page.locator(".leaflet-popup h2")).to_have_text("Albert Square Food Bank")

    page.reload()  # the search is in the address, so the link can be shared
    expect(page.locator("#results-list .result h3").first).to_have_text("Tuesday Singers")


def test_keyboard_users_can_reach_markers_and_open_popups(page: Page, places):
    page.goto(f"/?{CENTRE}")
    singers = marker(page, "Tuesday Singers")
    expect(singers).to_have_attribute("tabindex", "0")
    expect(singers).to_have_attribute("aria-label", "Tuesday Singers (Arts, music and culture)")
    singers.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".leaflet-popup h2")).to_have_text("Tuesday Singers")
    page.keyboard.press("Escape")
    expect(page.locator(".leaflet-popup")).to_have_count(0)
    assert page.evaluate("document.activeElement.title") == "Tuesday Singers"


def test_postcode_search_explains_a_postcode_it_cannot_find(page: Page):
    page.goto(f"/?{CENTRE}")
    page.get_by_label("Postcode", exact=True).fill("ZZ99 9ZZ")
    page.get_by_role("button", name="Search", exact=True).click()
    error = page.locator("#map-search-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("ZZ99")
    expect(page.get_by_label("Postcode", exact=True)).to_have_attribute("aria-invalid", "true")


def test_place_page_shows_details_and_a_small_map(page: Page, places):
    page.goto(f"/places/{places['xss'].id}")
    expect(page.locator("h1")).to_have_text(XSS_NAME)
    expect(page.locator(".place-map .leaflet-marker-icon")).to_have_count(1)
    url = f"/places/{places['xss'].id}"
    expect(page.get_by_role("link", name="Suggest a change")).to_have_attribute("href", f"{url}/suggest")
    expect(page.get_by_role("link", name="Report closed or wrong")).to_have_attribute("href", f"{url}/report")


def test_map_page_works_on_a_phone(browser, live_server, places, guard):
    phone = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}
    context = guard.watch(browser.new_context(base_url=live_server, **phone))
    phone = context.new_page()
    try:
        phone.goto(f"/?{CENTRE}")
        expect(phone.locator(".asset-marker")).to_have_count(3)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, "the page scrolls sideways on a phone"
        box = phone.locator(".folium-map").bounding_box()
        assert box and box["height"] > 300
    finally:
        context.close()


def test_moving_the_map_refetches_once_it_settles(page: Page, places):
    page.goto(f"/?{CENTRE}")
    expect(page.locator(".asset-marker")).to_have_count(3)
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url) if "assets.geojson" in request.url else None)
    page.evaluate(f"() => {{ const map = {MAP}; for (let i = 0; i < 6; i++) map.panBy([40, 0], {{animate: false}}); }}")
    page.wait_for_timeout(1000)
    assert len(fetched) == 1, fetched
    assert "bbox=" in fetched[0]
