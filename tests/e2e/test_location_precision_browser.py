"""A resident asks for their group to be shown only roughly, in real Chromium: the public sees the centre of its grid
square and "address given on contact"; the moderator who approved it sees where it is and its address."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_moderation_browser import moderator, new_person, sign_in_and_open  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

EXACT = {"lat": "53.47950", "lon": "-2.24210"}


def test_a_group_asks_to_be_shown_roughly_and_the_public_never_sees_where_it_meets(new_person, moderator) -> None:  # noqa: F811
    resident: Page = new_person()
    resident.goto("/add")
    resident.get_by_label("Name of the place or group (in English)").fill("Tuesday Circle")
    resident.get_by_label("What is it? (in English)").fill("A peer support group that meets in a member's home.")
    resident.locator("summary", has_text="Social connection").click()
    resident.get_by_label("Befriending").check()
    # chosen before the postcode and the pin, which move the pin map (and the form below it) as they load
    precision = resident.get_by_role("group", name="How precisely should the map show where it is?")
    expect(precision.get_by_label("Exactly, with its address")).to_be_checked()  # the default
    precision.get_by_label("Roughly, within about 250 metres, without the address").check()
    resident.get_by_label("Yes, link workers may see the address").check()
    resident.locator("#address").fill("12 Quiet Close")
    resident.get_by_label("Postcode").fill("M1 1AE")
    resident.locator("summary", has_text="Exact position").click()
    resident.get_by_label("Latitude").fill(EXACT["lat"])
    resident.get_by_label("Longitude").fill(EXACT["lon"])
    expect(resident.locator("input[name=location_precision][value=approximate]")).to_be_checked()
    resident.get_by_role("button", name="Send for checking").click()
    expect(resident.get_by_role("heading", name="Thank you")).to_be_visible()

    moderator_page = new_person()
    sign_in_and_open(moderator_page, "Tuesday Circle")
    expect(moderator_page.get_by_role("cell", name="12 Quiet Close")).to_be_visible()
    moderator_page.get_by_role("button", name="Approve and publish").click()
    expect(moderator_page.get_by_role("status")).to_contain_text("Approved")

    found = resident.request.get("/api/v1/assets/nearby", params={"postcode": "M1 1AE", "radius_m": 2000}).json()
    [item] = [i for i in found["items"] if i["name"] == "Tuesday Circle"]
    assert item["location_precision"] == "approximate" and item["address"] is None
    assert f"{item['lat']:.5f}" != EXACT["lat"] and f"{item['lon']:.5f}" != EXACT["lon"]

    resident.goto(f"/places/{item['id']}")
    expect(resident.get_by_text("Location shown approximately, within about 250 metres.")).to_be_visible()
    expect(resident.get_by_text("Address given on contact")).to_be_visible()
    expect(resident.get_by_text("12 Quiet Close")).to_have_count(0)
    assert EXACT["lat"] not in resident.content()

    moderator_page.goto(f"/places/{item['id']}")
    expect(moderator_page.get_by_text("12 Quiet Close, M1 1AE")).to_be_visible()
    expect(moderator_page.get_by_role("link", name="See what else is nearby")).to_have_attribute(
        "href", f"/?lat={EXACT['lat']}&lon={EXACT['lon']}&zoom=16"
    )
