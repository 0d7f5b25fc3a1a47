"""A place's Welsh and English text in the map's popups and list, in real headless Chromium: the page's language
where the place has it, or else the other one with its `lang`."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_asset

pytestmark = pytest.mark.browser

CENTRE = "lat=53.4808&lon=-2.2426&zoom=16"


@pytest.fixture
def places(session):
    return {
        "both": make_asset(session, name="Treorchy Male Choir", name_cy="Côr Meibion Treorci", categories=["choirs-music"],
                           lat=53.4795, lon=-2.2450, opening_hours_text="Tuesday evenings"),
        "english": make_asset(session, name="Albert Square Food Bank", categories=["food-banks"], lat=53.4822, lon=-2.2400,
                              opening_hours_text_cy="Dydd Gwener"),
    }


def test_popups_and_the_list_show_the_page_language_and_mark_the_other(page: Page, places, guard):
    page.goto(f"/?{CENTRE}&lang=cy")
    popup = page.locator(".leaflet-popup .asset-popup")
    page.locator('.asset-marker[title="Côr Meibion Treorci"]').click()
    expect(popup.locator("h2")).to_have_text("Côr Meibion Treorci")
    assert popup.locator("h2").get_attribute("lang") is None  # Welsh, like the page
    expect(popup.locator(".schedule li[lang=en]")).to_have_text("Tuesday evenings")  # no Welsh: the English, said so
    expect(page.locator("#results-list h3[lang=en]")).to_have_text(["Albert Square Food Bank"])

    page.goto(f"/?{CENTRE}&lang=en")
    page.locator('.asset-marker[title="Albert Square Food Bank"]').click()
    expect(popup.locator("h2")).to_have_text("Albert Square Food Bank")
    assert popup.locator("h2").get_attribute("lang") is None
    expect(popup.locator(".schedule li[lang=cy]")).to_have_text("Dydd Gwener")
    expect(page.locator("#results-list h3", has_text="Treorchy Male Choir")).to_have_count(1)
    expect(page.locator("#results-list h3[lang]")).to_have_count(0)
