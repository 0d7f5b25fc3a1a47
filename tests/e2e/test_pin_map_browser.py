"""The pin map of /add in a real browser (issue 12 item 10): it centres on the typed postcode, asks to confirm a pin far
from it, and lets the resident remove the pin; the moderator sees the pin and the postcode's centre on a small map."""

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import text
from sqlmodel import Session

from app.accounts.models import Role
from app.accounts.service import create_user
from tests.e2e.conftest import Guard

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"
MODERATOR = "moderator@council.example"
RUTLAND = "LE15 6RE"  # Oakham, in the test database's postcodes (data/demo's pack)
FAR = re.compile(r"The pin is \d+\.\d km \([\d.]+ miles\) from the centre of LE15 6RE")


def centre_of(locator: Locator) -> tuple[float, float]:
    box = locator.bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def fill_in_a_place(page: Page) -> None:
    page.get_by_label("Name of the place or group (in English)").fill("Oakham Walking Group")
    page.locator("summary", has_text="Arts, music and culture").click()
    page.get_by_label("Arts and crafts").check()


def test_the_pin_map_centres_on_the_typed_postcode(page: Page) -> None:
    page.goto("/add")
    expect(
        page.get_by_text("Click the map to place the pin exactly, or leave it: the postcode's centre is used.")
    ).to_be_visible()
    page.get_by_label("Postcode").fill(RUTLAND)
    centre = page.locator("#pin-map .pin-centre")
    expect(centre).to_have_attribute("title", "Centre of LE15 6RE")
    expect(page.locator("#pin-status")).to_have_text("No pin: the centre of LE15 6RE is used.")
    # the map is centred on Rutland: the postcode's centre is in the middle of the map
    map_x, map_y = centre_of(page.locator("#pin-map"))
    x, y = centre_of(centre)
    assert abs(x - map_x) < 3 and abs(y - map_y) < 3, ((x, y), (map_x, map_y))
    expect(page.locator("#pin-remove")).to_be_hidden()


def test_a_far_pin_must_be_confirmed_and_the_pin_can_be_removed(page: Page, session: Session) -> None:
    page.goto("/add")
    fill_in_a_place(page)
    page.get_by_label("Postcode").fill(RUTLAND)
    expect(page.locator("#pin-map .pin-centre")).to_have_count(1)
    confirm = page.locator("#pin-confirm")
    # a pin next to the postcode's centre needs no confirmation
    map_box = page.locator("#pin-map")
    map_box.scroll_into_view_if_needed()
    map_x, map_y = centre_of(map_box)
    page.mouse.click(map_x + 40, map_y + 20)
    expect(page.locator("#pin-status")).to_have_text(re.compile(r"^The pin is \d+ m from the centre of LE15 6RE\.$"))
    expect(confirm).to_be_hidden()
    # zoomed out, a click far to the west of Rutland
    zoom_out = page.get_by_role("button", name="Zoom out")
    for _ in range(7):
        zoom_out.click()
        page.wait_for_timeout(350)
    map_box.scroll_into_view_if_needed()
    map_x, map_y = centre_of(map_box)
    page.mouse.click(map_x - 200, map_y)
    expect(confirm).to_be_visible()
    expect(page.locator("#pin-distance")).to_contain_text(FAR)
    expect(page.get_by_label("Yes, the place is really here")).not_to_be_checked()
    assert page.locator("#lat").input_value() and page.locator("#lon").input_value()

    # sent without the confirmation, the form comes back asking for it, with the distance
    page.get_by_role("button", name="Send for checking").click()
    expect(page.locator("#position_confirmed-error")).to_contain_text(FAR)
    expect(confirm).to_be_visible()
    assert session.execute(text("SELECT count(*) FROM submission")).scalar_one() == 0

    # "Remove the pin": no pin, no confirmation, the postcode places it
    page.get_by_role("button", name="Remove the pin").click()
    expect(page.locator("#pin-map .leaflet-marker-icon[title='Your pin']")).to_have_count(0)
    expect(page.locator("#pin-status")).to_have_text("No pin: the centre of LE15 6RE is used.")
    expect(confirm).to_be_hidden()
    expect(page.locator("#lat")).to_have_value("")
    expect(page.locator("#lon")).to_have_value("")
    expect(page.locator("#pin-remove")).to_be_hidden()
    page.get_by_role("button", name="Send for checking").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    lat, lon = session.execute(text("SELECT ST_Y(location::geometry), ST_X(location::geometry) FROM submission")).one()
    assert (round(lat, 5), round(lon, 5)) == (52.67273, -0.73417)  # the postcode's centre


def test_a_confirmed_far_pin_is_sent(page: Page, session: Session) -> None:
    page.goto("/add")
    fill_in_a_place(page)
    page.get_by_label("Postcode").fill(RUTLAND)
    expect(page.locator("#pin-map .pin-centre")).to_have_count(1)
    page.locator("summary", has_text="Exact position").click()
    page.get_by_label("Latitude").fill("53.4808")
    page.get_by_label("Longitude").fill("-2.2426")
    page.get_by_label("Longitude").press("Tab")  # a typed position moves the pin too
    expect(page.locator("#pin-distance")).to_contain_text(FAR)
    page.get_by_label("Yes, the place is really here").check()
    page.get_by_role("button", name="Send for checking").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    lat, lon = session.execute(text("SELECT ST_Y(location::geometry), ST_X(location::geometry) FROM submission")).one()
    assert (lat, lon) == (53.4808, -2.2426)


@pytest.fixture
def moderator_page(browser: Browser, live_server: str, guard: Guard, session: Session) -> Iterator[Callable[[], Page]]:
    create_user(session, MODERATOR, PASSWORD, Role.moderator)
    context = guard.watch(browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}))

    def signed_in() -> Page:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto("/login")
        page.get_by_label("Email address").fill(MODERATOR)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()
        return page

    yield signed_in
    context.close()


def test_the_moderator_sees_the_pin_and_the_postcodes_centre(moderator_page: Callable[[], Page]) -> None:
    page = moderator_page()
    sent = page.request.post(
        "/api/v1/submissions",
        data={
            "kind": "new",
            "place": {
                "name": "Oakham Walking Group",
                "categories": ["arts-crafts"],
                "postcode": RUTLAND,
                "lat": 53.4808,
                "lon": -2.2426,
            },
            "position_confirmed": True,
        },
    )
    assert sent.status == 202, sent.text()
    page.reload()
    page.get_by_role("link", name="Oakham Walking Group").click()
    expect(page.locator("#pin-warning")).to_contain_text(
        re.compile(r"the proposed pin is \d+\.\d km \([\d.]+ miles\) from the centre of LE15 6RE, more than 2\.0 km")
    )
    review = page.locator("#review-map")
    pin = review.locator(".leaflet-marker-icon[title='Proposed pin']")
    centre = review.locator(".pin-centre[title='The centre of LE15 6RE']")
    expect(pin).to_be_visible()
    expect(centre).to_be_visible()
    # both are inside the small map, the pin to the north-west of Rutland
    box = review.bounding_box()
    assert box is not None
    for marker in (pin, centre):
        x, y = centre_of(marker)
        assert box["x"] <= x <= box["x"] + box["width"] and box["y"] <= y <= box["y"] + box["height"]
    (pin_x, _), (centre_x, _) = centre_of(pin), centre_of(centre)
    assert pin_x < centre_x
