"""The embed's language in real headless Chromium (issue 15): the builder writes the embed in Welsh, in English or
with a switch; an embed on a council's site keeps the language its address gives it, in its text, in Leaflet's own
words and in every link, whatever the visitor's language cookie says; the switch changes the language inside the frame.
"""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_embed_browser import MANCHESTER, iframe_page
from tests.factories import make_asset

pytestmark = pytest.mark.browser


@pytest.fixture
def hall(session, councils):
    return make_asset(session, name="Manchester Community Hall", categories=["community-centres"], lat=53.4808,
                      lon=-2.2426, schedule=[{"day": "tue", "opens": "10:00", "closes": "12:00"}])


def snippet_src(page: Page) -> str:
    return page.locator("#snippet").input_value().split('src="', 1)[1].split('"', 1)[0].replace("&amp;", "&")


def test_the_builder_writes_the_embed_in_welsh_in_english_or_with_a_switch(page: Page, live_server, hall):
    page.goto("/embed/builder")
    page.get_by_label("Council name or code").fill("Manchester")
    page.get_by_role("button", name="Find council").click()
    expect(page.get_by_label(f"Manchester ({MANCHESTER})")).to_be_checked()
    expect(page.get_by_label("The visitor's browser chooses Welsh or English")).to_be_checked()

    page.get_by_label("Welsh", exact=True).check()
    expect(page.locator("#snippet")).to_have_value(
        f'<iframe src="{live_server}/embed?area={MANCHESTER}&amp;lang=cy" title="Map o leoedd cymunedol yn ardal Manchester" '
        'width="100%" height="500" style="border:0" loading="lazy"></iframe>')
    preview = page.frame_locator("#preview")
    expect(preview.locator("html")).to_have_attribute("lang", "cy")
    expect(preview.get_by_role("button", name="Rhestr o leoedd")).to_be_visible()

    page.get_by_label("English", exact=True).check()
    expect(page.locator("#snippet")).to_have_value(re.compile('title="Map of community places in Manchester"'))
    assert snippet_src(page) == f"{live_server}/embed?area={MANCHESTER}&lang=en"
    expect(preview.locator("html")).to_have_attribute("lang", "en-GB")

    page.get_by_label("Show a link in the map to switch between Welsh and English").check()
    assert snippet_src(page) == f"{live_server}/embed?area={MANCHESTER}&lang=en&lang_switch=1"
    expect(preview.locator(".language-switch a")).to_have_text("Cymraeg")

    page.get_by_label("The visitor's browser chooses Welsh or English").check()
    assert snippet_src(page) == f"{live_server}/embed?area={MANCHESTER}&lang_switch=1"
    # Choosing the preview's language did not change the builder's own
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")


def test_the_builder_in_welsh_names_the_embed_in_the_language_chosen(page: Page, live_server, hall):
    page.goto("/embed/builder?lang=cy")
    page.get_by_label("Enw neu god y cyngor").fill("Manchester")
    page.get_by_role("button", name="Dod o hyd i'r cyngor").click()
    expect(page.locator("#area-status")).to_have_text("Wedi dod o hyd i 1 cyngor.")
    expect(page.locator("#snippet")).to_have_value(re.compile('title="Map o leoedd cymunedol yn ardal Manchester"'))
    page.get_by_label("Saesneg", exact=True).check()
    expect(page.locator("#snippet")).to_have_value(re.compile('title="Map of community places in Manchester"'))
    page.get_by_label("Uchder mewn picseli").fill("100")
    expect(page.locator("#height-error")).to_have_text("Rhowch uchder rhwng 250 a 1200 picsel.")


def test_a_welsh_embed_on_a_councils_site_stays_welsh_whatever_the_visitors_cookie(
    browser: Browser, guard, other_site, live_server, hall
):
    context = guard.watch(browser.new_context(locale="en-GB"))
    context.add_cookies([{"name": "am_lang", "value": "en", "url": live_server}])  # the visitor chose English
    page = context.new_page()
    src = f"{live_server}/embed?area={MANCHESTER}&lang=cy"
    page.goto(other_site.put("/cymraeg.html", iframe_page(
        "Cyngor", f'<iframe id="map" title="Map" src="{src}" width="900" height="600"></iframe>')))
    frame = page.frame_locator("#map")
    expect(frame.locator("html")).to_have_attribute("lang", "cy")
    expect(frame.locator(".leaflet-control-zoom-in")).to_have_attribute("title", "Chwyddo i mewn")
    expect(frame.locator(".leaflet-control-zoom-out")).to_have_attribute("title", "Chwyddo allan")
    expect(frame.locator(".leaflet-control-layers-toggle")).to_have_attribute("title", "Haenau")
    expect(frame.locator(".leaflet-control-attribution")).to_contain_text("cyfranwyr")
    expect(frame.locator(".embed-full")).to_have_attribute("href", f"/?area={MANCHESTER}&lang=cy")

    frame.locator(".asset-marker[title='Manchester Community Hall']").click()
    popup = frame.locator(".leaflet-popup")
    expect(popup.locator("h3")).to_have_text("Amseroedd agor")
    expect(popup.locator(".schedule li")).to_have_text(["Dydd Mawrth 10:00–12:00"])
    expect(popup.locator("h2 a")).to_have_attribute("href", f"/places/{hall.id}?lang=cy")
    expect(popup.locator(".leaflet-popup-close-button")).to_have_attribute("aria-label", "Cau")

    frame.get_by_role("button", name="Rhestr o leoedd").click()
    expect(frame.locator("#results-status")).to_have_text("1 lle yn y rhan hon o'r map.")
    frame.get_by_label("Cod post", exact=True).fill("M2 5DB")
    frame.get_by_role("button", name="Chwilio", exact=True).click()
    expect(frame.locator("#results-heading")).to_have_text("Agosaf at M2 5DB")
    expect(frame.locator("#results-list .distance")).to_contain_text("i ffwrdd")

    with context.expect_page() as opened:  # a place's page opens in a new tab, in Welsh
        frame.locator("#results-list .result h3 a").click()
    place = opened.value
    expect(place.locator("html")).to_have_attribute("lang", "cy")
    expect(place.get_by_role("heading", name="Pryd")).to_be_visible()
    cookies = {c["name"]: c["value"] for c in context.cookies(live_server)}
    assert cookies["am_lang"] == "cy"  # the full site, in a tab of its own, remembers the language it was opened in
    context.close()


def test_the_embed_does_not_change_the_visitors_language(browser: Browser, guard, other_site, live_server, hall):
    context = guard.watch(browser.new_context(locale="en-GB"))
    context.add_cookies([{"name": "am_lang", "value": "en", "url": live_server}])
    page = context.new_page()
    page.goto(f"{live_server}/embed?lang=cy")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    assert {c["name"]: c["value"] for c in context.cookies(live_server)}["am_lang"] == "en"
    page.goto(f"{live_server}/")
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")
    context.close()


def test_the_switch_changes_the_embeds_language_inside_the_frame(browser: Browser, guard, other_site, live_server, hall):
    context = guard.watch(browser.new_context(locale="cy-GB"))  # the visitor's browser asks for Welsh
    page = context.new_page()
    src = f"{live_server}/embed?area={MANCHESTER}&lang_switch=1"
    page.goto(other_site.put("/switch.html", iframe_page(
        "Council", f'<iframe id="map" title="Map" src="{src}" width="900" height="600"></iframe>')))
    frame = page.frame_locator("#map")
    expect(frame.locator("html")).to_have_attribute("lang", "cy")
    frame.get_by_role("link", name="English").click()
    expect(frame.locator("html")).to_have_attribute("lang", "en-GB")
    expect(frame.get_by_role("button", name="List of places")).to_be_visible()
    expect(frame.locator(".embed-full")).to_have_attribute("href", f"/?area={MANCHESTER}&lang=en")
    assert len(context.pages) == 1, "the switch stays in the frame"
    frame.get_by_role("link", name="Cymraeg").click()
    expect(frame.locator("html")).to_have_attribute("lang", "cy")
    context.close()
