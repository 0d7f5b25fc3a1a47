"""The finder and shortlists in real headless Chromium: a link worker's whole journey, print, keyboard only, a phone
width and JavaScript off. The `page` fixture's guard fails a test if any request leaves the app's origin, a script
error or a CSP violation happens, or a dialog opens."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.factories import make_asset

pytestmark = pytest.mark.browser

RECENT = datetime.now(UTC) - timedelta(days=20)
XSS = '<img src=x onerror="alert(1)">'


@pytest.fixture
def places(session):
    """Five places around M1 1AE (53.48348, -2.23118), in the order the search ranks them (the stale Walking Group
    is last of the three in the first 400 m band anyway)."""
    specs = [
        ("Piccadilly Choir", "choirs-music", 53.4836, -2.2320, {"phone": "0161 000 0001", "free": True}),
        ("Lunch Club", "community-centres", 53.4850, -2.2312, {}),
        ("Walking Group", "community-centres", 53.4865, -2.2312,
         {"email": "walk@example.org", "last_verified_at": datetime.now(UTC) - timedelta(days=400)}),
        ("Food Bank", "food-banks", 53.4880, -2.2312, {}),
        ("Book Club", "community-centres", 53.4895, -2.2312, {}),
    ]
    out = []
    for name, category, lat, lon, extra in specs:
        fields = {"last_verified_at": RECENT, "address": f"{name} House", "postcode": "M1 1AE", **extra}
        schedule = [{"day": "wed", "opens": "10:00", "closes": "12:00"}]
        out.append(make_asset(session, name=name, categories=[category], lat=lat, lon=lon, schedule=schedule, **fields))
    return out


def search(page: Page, postcode: str = "M1 1AE") -> None:
    page.goto("/finder")
    page.get_by_label("Postcode").fill(postcode)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#result-count")).to_contain_text("found near")


def result(page: Page, name: str):
    return page.locator(".finder-result", has=page.get_by_role("link", name=name, exact=True))


def test_link_worker_searches_picks_reorders_notes_and_shares(page: Page, places):
    search(page)
    expect(page.locator(".finder-result")).to_have_count(5)
    expect(page.locator("#result-count")).to_have_text("5 places found near M1 1AE, nearest first.")
    expect(page.locator(".finder-map .finder-pin")).to_have_count(5)  # one marker per listed result
    expect(result(page, "Walking Group")).to_contain_text("Not verified since")
    expect(result(page, "Lunch Club")).to_contain_text("Verified")
    expect(page.locator("#nojs-share")).to_be_hidden()

    for name in ("Piccadilly Choir", "Lunch Club", "Walking Group"):
        result(page, name).get_by_role("button", name=re.compile("^Add to shortlist")).click()
    expect(page.locator("#shortlist-status")).to_contain_text("Walking Group added to the shortlist. 3 places on it.")
    items = page.locator("#shortlist-items > li .name")
    expect(items).to_have_text(["1. Piccadilly Choir", "2. Lunch Club", "3. Walking Group"])

    page.get_by_role("button", name="Move Walking Group up").click()
    expect(page.get_by_role("button", name="Move Walking Group up")).to_be_focused()
    page.get_by_role("button", name="Move Walking Group up").click()
    expect(items).to_have_text(["1. Walking Group", "2. Piccadilly Choir", "3. Lunch Club"])
    page.get_by_role("button", name="Move Piccadilly Choir down").click()
    expect(items).to_have_text(["1. Walking Group", "2. Lunch Club", "3. Piccadilly Choir"])
    page.get_by_label("Note about Lunch Club").fill("Ask for Sam <b>at the door</b>")
    page.locator("#shortlist-panel").get_by_label("Title for the list").fill("Ideas for Wednesday")

    page.reload()  # the shortlist is kept in sessionStorage while the tab is open
    expect(items).to_have_text(["1. Walking Group", "2. Lunch Club", "3. Piccadilly Choir"])
    expect(page.get_by_label("Note about Lunch Club")).to_have_value("Ask for Sam <b>at the door</b>")

    page.get_by_role("button", name="Share", exact=True).click()
    link = page.locator("#shortlist-link")
    expect(link).to_have_text(re.compile(r"^http://127\.0\.0\.1:\d+/s/[A-Za-z0-9_-]{16}$"))
    expect(page.locator("#shortlist-result")).to_be_focused()
    qr = page.locator("#shortlist-qr")
    expect(qr).to_have_attribute("src", re.compile(r"^/s/[A-Za-z0-9_-]{16}/qr\.svg$"))
    # decode() waits for the image (wait_for_function would poll with eval, which the page's CSP refuses)
    assert qr.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0

    link.click()
    expect(page).to_have_url(re.compile(r"/s/[A-Za-z0-9_-]{16}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ideas for Wednesday")
    expect(page.locator(".listed-place h2")).to_have_text(["1. Walking Group", "2. Lunch Club", "3. Piccadilly Choir"])
    lunch = page.locator(".listed-place").nth(1)
    expect(lunch.locator(".place-note")).to_have_text("Note: Ask for Sam <b>at the door</b>")
    expect(page.locator(".listed-place").nth(0)).to_contain_text("Not verified since")
    expect(lunch).not_to_contain_text("Not verified since")
    expect(page.locator(".listed-place").nth(2)).to_contain_text("0161 000 0001")
    expect(page.locator(".listed-place").nth(0)).to_contain_text("Wednesday 10:00–12:00")
    assert page.locator(".shortlist-qr img").evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    expect(page.locator(".shortlist-privacy")).to_have_text("This list holds no personal data.")


def test_print_hides_the_map_and_navigation(page: Page, places, session):
    search(page)
    page.emulate_media(media="print")
    expect(page.locator(".finder-map-panel")).to_be_hidden()
    expect(page.locator(".site-header nav")).to_be_hidden()

    busy = {"phone": "0161 000 0002", "email": "hello@example.org", "website": "https://example.org/group",
            "accessibility": ["step_free", "hearing_loop", "accessible_toilet"], "free": True, "drop_in": True,
            "schedule": [{"day": d, "opens": "10:00", "closes": "12:00", "note": "term time"} for d in ("mon", "wed", "fri")]}
    more = [make_asset(session, name=f"Busy Group {n}", address=f"{n} Long Street, Manchester", postcode="M1 1AE", **busy)
            for n in range(3)]
    items = [{"asset_id": str(p.id), "note": "Ask at the front desk for the group; bring a friend if you like"}
             for p in [*places, *more]]
    response = page.request.post("/api/v1/shortlists", data={"title": "Eight places", "items": items})
    page.goto(response.json()["url"])
    expect(page.locator(".listed-place")).to_have_count(8)
    expect(page.locator(".site-header nav")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.locator("#print-list")).to_be_hidden()
    expect(page.locator(".shortlist-qr img")).to_be_visible()
    pdf = page.pdf(format="A4", print_background=False)
    assert 1 <= len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) <= 2  # eight places fit on one or two A4 pages


def tab_to(page: Page, selector: str, limit: int = 300) -> None:
    """Presses Tab until the focused element matches `selector` (only the keyboard moves the focus)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_only(page: Page, places):
    page.goto("/finder")
    tab_to(page, "#postcode")
    page.keyboard.type("M1 1AE")
    page.keyboard.press("Enter")
    expect(page.locator("#result-count")).to_contain_text("5 places found")

    tab_to(page, "#result-2 .add-to-shortlist")
    page.keyboard.press("Enter")
    tab_to(page, "#result-1 .add-to-shortlist")
    page.keyboard.press("Space")
    expect(page.locator("#shortlist-items > li .name")).to_have_text(["1. Lunch Club", "2. Piccadilly Choir"])
    tab_to(page, "[aria-label='Move Piccadilly Choir up']")
    page.keyboard.press("Enter")
    expect(page.locator("#shortlist-items > li .name")).to_have_text(["1. Piccadilly Choir", "2. Lunch Club"])
    tab_to(page, "#shortlist-note-0")
    page.keyboard.type("Bring a friend")
    tab_to(page, "#shortlist-send")
    page.keyboard.press("Enter")
    expect(page.locator("#shortlist-result")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#shortlist-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".listed-place h2")).to_have_text(["1. Piccadilly Choir", "2. Lunch Club"])
    expect(page.locator(".place-note")).to_have_text("Note: Bring a friend")

    # the map's markers can be reached and opened from the keyboard too
    page.go_back()
    tab_to(page, ".finder-pin")
    page.keyboard.press("Enter")
    expect(page.locator(".leaflet-popup-content a")).to_have_text("1. Piccadilly Choir")


def test_focus_is_visible(page: Page, places):
    page.goto("/finder")
    tab_to(page, "#postcode")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_usable_at_phone_width(browser: Browser, live_server, guard, places, session):
    make_asset(session, name=XSS, lat=53.4910, lon=-2.2312, last_verified_at=RECENT)
    context = guard.watch(browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740}))
    page = context.new_page()
    search(page)
    result(page, "Food Bank").get_by_role("button", name=re.compile("^Add to shortlist")).click()
    page.locator("#result-6 .add-to-shortlist").click()
    expect(page.locator("#shortlist-items > li .name")).to_have_text(["1. Food Bank", f"2. {XSS}"])
    expect(page.get_by_label(f"Note about {XSS}")).to_be_visible()
    assert page.locator("#shortlist-items img").count() == 0
    page.get_by_role("button", name="Share", exact=True).click()
    page.locator("#shortlist-link").click()
    expect(page.locator(".listed-place h2")).to_have_text(["1. Food Bank", f"2. {XSS}"])
    page.wait_for_timeout(200)  # an injected script would have run by now; the guard checks no dialog opened
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.go_back()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()


def test_with_javascript_off(browser: Browser, live_server, guard, places):
    context = guard.watch(
        browser.new_context(base_url=live_server, java_script_enabled=False, viewport={"width": 1280, "height": 800})
    )
    page = context.new_page()
    page.goto("/finder")
    page.get_by_label("Postcode").fill("M1 1AE")
    page.get_by_label("Free only").check()
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator(".finder-result")).to_have_count(1)
    expect(page.locator("#result-count")).to_have_text("1 place found near M1 1AE, nearest first.")

    page.get_by_label("Free only").uncheck()
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator(".finder-result")).to_have_count(5)
    expect(page.locator("#use-location")).to_be_hidden()
    page.get_by_label("Add to shortlist: Walking Group").check()
    page.get_by_label("Add to shortlist: Food Bank").check()
    page.locator("#nojs-share").get_by_label("Title for the list").fill("Two to try")
    page.get_by_role("button", name="Make a shortlist of the ticked places").click()
    expect(page).to_have_url(re.compile(r"/s/[A-Za-z0-9_-]{16}$"))
    expect(page.locator(".listed-place h2")).to_have_text(["1. Walking Group", "2. Food Bank"])

    page.goto("/finder?postcode=nowhere")
    expect(page.locator("#postcode-error")).to_contain_text("postcode")
    context.close()


def test_use_my_location(browser: Browser, live_server, guard, places):
    context = guard.watch(browser.new_context(
        base_url=live_server, geolocation={"latitude": 53.4895, "longitude": -2.2312}, permissions=["geolocation"]
    ))
    page = context.new_page()
    page.goto("/finder")
    page.get_by_role("button", name="Use my location").click()
    expect(page.locator("#result-count")).to_have_text("5 places found near your location, nearest first.")
    expect(page.locator(".finder-result h3 a").first).to_have_text("Book Club")
    context.close()


def test_errors_are_shown_inline_and_the_summary_takes_focus(page: Page, places):
    page.goto("/finder")
    page.get_by_label("Postcode").fill("M99 9ZZ")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#postcode-error")).to_contain_text("M99 9ZZ")
    expect(page.get_by_label("Postcode")).to_have_attribute("aria-invalid", "true")
    page.locator("#error-summary a").click()
    expect(page.get_by_label("Postcode")).to_be_focused()
    expect(page.locator(".finder-result")).to_have_count(0)


def test_sharing_a_place_that_has_since_closed_names_it(page: Page, places, session):
    from app.assets.service import archive_asset

    search(page)
    result(page, "Food Bank").get_by_role("button", name=re.compile("^Add to shortlist")).click()
    archive_asset(session, places[3].id, actor="tests")
    page.get_by_role("button", name="Share", exact=True).click()
    expect(page.locator("#shortlist-error")).to_have_text(f"Food Bank: No published place has the id {places[3].id}.")
    expect(page.locator("#shortlist-result")).to_be_hidden()
    page.get_by_role("button", name="Remove Food Bank from the shortlist").click()
    expect(page.get_by_role("button", name="Share", exact=True)).to_be_disabled()
