"""Embedding in real headless Chromium: the map on a council's site (a second local origin), framing refused for
every other page, the embed builder's snippet pasted into a page, and the API docs without a CDN."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_asset

pytestmark = pytest.mark.browser

MANCHESTER = "E08000003"


@pytest.fixture
def council_places(session, councils):
    """One place in Manchester, one just over the border in Salford (inside Manchester's bounding box)."""
    return {
        "in": make_asset(session, name="Manchester Community Hall", categories=["community-centres"], lat=53.4808,
                         lon=-2.2426),
        "out": make_asset(session, name="Salford Community Hall", categories=["community-centres"], lat=53.4890,
                          lon=-2.2930),
        "food": make_asset(session, name="Manchester Food Bank", categories=["food-banks"], lat=53.4500, lon=-2.2000),
    }


def iframe_page(title: str, iframe: str) -> str:
    return f"<!doctype html><html lang=en><title>{title}</title><h1>{title}</h1>{iframe}</html>"


def test_embed_on_another_site_shows_only_the_councils_places(page: Page, other_site, live_server, council_places):
    url = other_site.put("/council.html", iframe_page(
        "Manchester City Council",
        f'<iframe id="map" title="Community places" src="{live_server}/embed?area={MANCHESTER}" '
        'width="900" height="600"></iframe>',
    ))
    page.goto(url)
    frame = page.frame_locator("#map")
    expect(frame.locator(".asset-marker[title='Manchester Community Hall']")).to_have_count(1)
    expect(frame.locator(".asset-marker[title='Manchester Food Bank']")).to_have_count(1)
    expect(frame.locator(".asset-marker, .asset-cluster")).to_have_count(2)  # Salford's hall is not shown at all
    expect(frame.locator(".leaflet-overlay-pane path")).to_have_count(2)  # the council's outline, the mask outside it
    bounds = frame.locator("body").evaluate(
        "() => { const m = Object.values(window).find(v => v instanceof L.Map); const b = m.getBounds();"
        " return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]; }"
    )
    south, west, north, east = bounds
    assert south < 53.35 and north > 53.54 and west < -2.31 and east > -2.15, "the map is fitted to Manchester"
    assert north - south < 0.6, "and not zoomed far out"

    frame.locator(".asset-marker[title='Manchester Community Hall']").click()
    link = frame.locator(".leaflet-popup h2 a")
    expect(link).to_have_attribute("target", "_blank")  # a place's page refuses framing, so it opens in a new tab


def test_embed_controls_can_be_hidden_and_filtered_by_category(page: Page, other_site, live_server, council_places):
    src = f"{live_server}/embed?area={MANCHESTER}&category=food&q=bank&controls=0"
    page.goto(other_site.put("/bare.html", iframe_page("Food", f'<iframe id="map" title="Food" src="{src}"></iframe>')))
    frame = page.frame_locator("#map")
    expect(frame.locator(".asset-marker[title='Manchester Food Bank']")).to_have_count(1)
    expect(frame.locator(".asset-marker, .asset-cluster")).to_have_count(1)
    expect(frame.locator(".embed-bar, .leaflet-control-layers, #map-search")).to_have_count(0)
    expect(frame.locator(".leaflet-control-attribution")).to_contain_text("OpenStreetMap")


def test_embed_list_and_search_work_inside_the_frame(page: Page, other_site, live_server, council_places):
    src = f"{live_server}/embed?area={MANCHESTER}"
    iframe = f'<iframe id="map" title="Map" src="{src}" width="700" height="600"></iframe>'
    page.goto(other_site.put("/list.html", iframe_page("List", iframe)))
    frame = page.frame_locator("#map")
    frame.get_by_role("button", name="List of places").click()
    expect(frame.locator("#results-list .result")).to_have_count(2)
    frame.get_by_label("Postcode", exact=True).fill("M2 5DB")
    frame.get_by_role("button", name="Search", exact=True).click()
    results = frame.locator("#results-list .result h3")
    expect(results).to_have_text(["Manchester Community Hall", "Manchester Food Bank"])


def test_pages_other_than_the_embed_refuse_to_be_framed(page: Page, other_site, live_server, council_places, guard):
    place = council_places["in"].id
    page.goto(other_site.put("/framing.html", iframe_page(
        "Framing",
        f'<iframe id="embed" title="a" src="{live_server}/embed"></iframe>'
        f'<iframe id="home" title="b" src="{live_server}/"></iframe>'
        f'<iframe id="place" title="c" src="{live_server}/places/{place}"></iframe>',
    )))
    expect(page.frame_locator("#embed").locator(".folium-map")).to_have_count(1)
    page.wait_for_function("() => document.querySelectorAll('iframe').length === 3")
    for frame_id in ("home", "place"):
        frame = page.locator(f"#{frame_id}").content_frame
        page.wait_for_timeout(200)
        assert frame is not None
        assert frame.locator(".folium-map, .site-name").count() == 0, f"{frame_id} was shown inside another site"
    blocked = [v for v in guard.csp_violations if "frame-ancestors 'none'" in v]
    assert len(blocked) == 2, guard.csp_violations
    guard.csp_violations.clear()  # these refusals are the point of the test


def test_builder_snippet_pasted_into_a_page_works(page: Page, other_site, live_server, council_places):
    page.goto("/embed/builder")
    page.get_by_label("Council name or code").fill("Manchester")
    page.get_by_role("button", name="Find council").click()
    expect(page.get_by_label(f"Manchester ({MANCHESTER})")).to_be_checked()
    page.get_by_label("Community spaces", exact=True).check()
    page.get_by_label("Height in pixels").fill("450")
    snippet = page.locator("#snippet")
    expect(snippet).to_have_value(f'<iframe src="{live_server}/embed?area={MANCHESTER}&amp;category=community-spaces" '
                                  'title="Map of community places in Manchester" width="100%" height="450" '
                                  'style="border:0" loading="lazy"></iframe>')
    preview = page.frame_locator("#preview")
    expect(preview.locator(".asset-marker[title='Manchester Community Hall']")).to_have_count(1)

    page.goto(other_site.put("/pasted.html", iframe_page("Our map", snippet.input_value())))
    frame = page.frame_locator("iframe")
    expect(frame.locator(".asset-marker[title='Manchester Community Hall']")).to_have_count(1)
    expect(frame.locator(".asset-marker, .asset-cluster")).to_have_count(1)
    assert page.locator("iframe").bounding_box()["height"] == 450


def test_builder_forgets_the_council_when_a_new_search_picks_none(page: Page, live_server, councils):
    page.goto("/embed/builder")
    page.get_by_label("Council name or code").fill("Manchester")
    page.get_by_role("button", name="Find council").click()
    expect(page.get_by_label(f"Manchester ({MANCHESTER})")).to_be_checked()
    page.get_by_label("Council name or code").fill("North")  # several councils, none called just "North"
    page.get_by_role("button", name="Find council").click()
    expect(page.locator("#area-status")).to_contain_text("councils found")
    expect(page.get_by_label("Everywhere (no council area)")).to_be_checked()
    expect(page.locator("#snippet")).to_have_value(f'<iframe src="{live_server}/embed" title="Map of community places" '
                                                   'width="100%" height="500" style="border:0" loading="lazy"></iframe>')
    expect(page.locator("#preview")).to_have_attribute("src", "/embed")


def test_builder_explains_an_area_it_cannot_find(page: Page, councils):
    page.goto("/embed/builder")
    page.get_by_label("Council name or code").fill("Atlantis")
    page.get_by_role("button", name="Find council").click()
    expect(page.locator("#area-error")).to_contain_text("No council matches")


def test_api_docs_load_without_a_cdn(page: Page):
    page.goto("/docs")
    expect(page.locator(".opblock").first).to_be_visible()


def test_an_area_embed_says_where_it_found_nothing(page: Page, live_server, council_places):
    # No libraries in Manchester: the messages name the council the embed is limited to.
    page.goto(f"{live_server}/embed?area={MANCHESTER}&category=libraries")
    page.get_by_role("button", name="List of places").click()
    status = page.locator("#results-status")
    expect(status).to_contain_text("No places in Manchester in this part of the map.")
    page.get_by_label("Postcode", exact=True).fill("M2 5DB")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(status).to_contain_text("No places found in Manchester within")
    expect(status).to_contain_text("of M2 5DB.")
