"""The finder's layout at a typical laptop size and a phone size: after a search the results are in view, and the
map never covers the shortlist, wherever the page is scrolled."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.factories import make_asset

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = None  # set to a folder (a pathlib.Path) to keep screenshots while working on the layout


@pytest.fixture
def many_places(session):
    """Thirty places north of M1 1AE, so the results are far longer than the screen."""
    return [make_asset(session, name=f"Group {i:02d}", categories=["community-centres"], lat=53.4836 + i * 0.0004,
                       lon=-2.2312, address=f"{i} Market Street", postcode="M1 1AE") for i in range(30)]


def _search(page: Page) -> None:
    page.goto("/finder")
    page.get_by_label("Postcode").fill("M1 1AE")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#result-count")).to_contain_text("found near")


def _box(page: Page, selector: str) -> dict:
    return page.locator(selector).evaluate(
        "e => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; }"
    )


def _overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def _shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


@pytest.mark.parametrize(("size", "name"), [(LAPTOP, "laptop"), (PHONE, "phone")])
def test_after_a_search_the_results_are_in_view(browser: Browser, live_server, guard, many_places, size, name):
    context = guard.watch(browser.new_context(base_url=live_server, viewport=size))
    page = context.new_page()
    _search(page)
    page.wait_for_timeout(300)
    _shot(page, f"finder-{name}-after-search")
    height = page.evaluate("innerHeight")
    count = _box(page, "#result-count")
    assert 0 <= count["top"] and count["bottom"] <= height, f"the result count is out of view: {count}"
    first = _box(page, "#result-1 h3")
    assert first["bottom"] <= height, f"the first result is out of view: {first}"
    context.close()


def test_the_map_never_covers_the_shortlist_on_a_laptop(browser: Browser, live_server, guard, many_places):
    context = guard.watch(browser.new_context(base_url=live_server, viewport=LAPTOP))
    page = context.new_page()
    _search(page)
    for number in (1, 2, 3, 4):
        page.locator(f"#result-{number} .add-to-shortlist").click()
    expect(page.locator("#shortlist-items > li")).to_have_count(4)
    height = page.evaluate("innerHeight")
    for step in range(8):
        page.mouse.wheel(0, 400)
        page.wait_for_timeout(150)
        _shot(page, f"finder-laptop-scrolled-{step}")
        shortlist, map_panel = _box(page, "#shortlist-panel"), _box(page, ".finder-map-panel")
        assert not _overlap(shortlist, map_panel), f"after {step + 1} scrolls the map covers the shortlist"
        # while results scroll by, the shortlist's heading and Share button stay reachable on screen
        heading = _box(page, "#shortlist-heading")
        assert 0 <= heading["top"] < height, f"after {step + 1} scrolls the shortlist is off screen"
    page.get_by_role("button", name="Share", exact=True).scroll_into_view_if_needed()
    expect(page.get_by_role("button", name="Share", exact=True)).to_be_in_viewport()
    expect(page.locator("#shortlist-items > li .name").first).to_have_text(re.compile("^1. Group 00"))
    context.close()


def test_the_map_and_shortlist_do_not_overlap_on_a_phone(browser: Browser, live_server, guard, many_places):
    context = guard.watch(browser.new_context(base_url=live_server, viewport=PHONE))
    page = context.new_page()
    _search(page)
    page.locator("#result-1 .add-to-shortlist").click()
    page.locator("#shortlist-panel").scroll_into_view_if_needed()
    _shot(page, "finder-phone-shortlist")
    assert not _overlap(_box(page, "#shortlist-panel"), _box(page, ".finder-map-panel"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()
