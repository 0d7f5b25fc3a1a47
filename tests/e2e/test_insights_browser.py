"""The insights choropleth in real headless Chromium (issue 14): the legend, a tooltip on hover, keyboard focus reaching
a neighbourhood's figures (an outline, and a row of the table), the embed on a council's site, and the print view on
at most two A4 pages."""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from app.core.config import get_settings
from app.insights import service
from tests.factories import make_asset

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("lsoas", "councils")]

CARDIFF = "W06000015"
PAGE = f"/insights?area={CARDIFF}&category=learning&measure=deprivation"


@pytest.fixture
def figures(session):
    make_asset(session, name="Central Library", categories=["libraries"], lat=51.4785, lon=-3.1760)
    last_month = service.published_months(service.today())[-1]
    rows = [{"d": last_month, "l": "W01001941"} for _ in range(12)]
    session.execute(text("INSERT INTO search_demand (day, lsoa_code, categories, found) VALUES (:d, :l, '{libraries}', 0)"), rows)
    session.commit()
    service.refresh(get_settings())


def test_the_choropleth_has_a_legend_tooltips_and_keyboard_access(page: Page, figures):
    page.goto(PAGE)
    expect(page.locator("#insights-legend")).to_be_visible()
    expect(page.locator("#insights-legend li")).to_have_count(11)  # ten deciles and "No decile"
    outlines = page.locator(".leaflet-overlay-pane path[data-lsoa]")
    expect(outlines).to_have_count(214)  # Cardiff's LSOAs, fetched for the view
    expect(page.locator("#insights-status")).to_have_text("214 neighbourhoods in view.")

    # Hover: a tooltip with the neighbourhood's figures.
    centre = page.locator("path[data-lsoa='W01001941']")
    centre.hover(force=True)
    tooltip = page.locator(".lsoa-tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("Deprivation decile")
    expect(tooltip).to_contain_text("Wales (WIMD 2019)")

    # Keyboard: Tab from the top of the page reaches an outline, whose figures are shown beside the map.
    page.mouse.move(0, 0)
    page.locator("body").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.tagName.toLowerCase() === 'path'"):
            break
    focused = page.evaluate("() => document.activeElement.getAttribute('data-lsoa')")
    assert focused and focused.startswith("W01"), "Tab never reached a neighbourhood on the map"
    assert "Deprivation decile" in page.evaluate("() => document.activeElement.getAttribute('aria-label')")
    expect(page.locator("#insights-figures")).to_contain_text(focused)

    # A row of "where to look first", focused, highlights its neighbourhood and shows its figures.
    row = page.locator("tr[data-lsoa]").first
    code = row.get_attribute("data-lsoa")
    row.focus()
    expect(page.locator("#insights-figures")).to_contain_text(code)
    expect(page.locator(".lsoa-tooltip", has_text=code)).to_be_visible()
    expect(page.locator(".lsoa-tooltip")).to_have_count(1)  # the others closed


def test_the_measure_changes_the_colours_and_the_form_works_without_script(page: Page, figures):
    page.goto(PAGE)
    page.get_by_label("Colour the map by").select_option("searches")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"measure=searches"))
    expect(page.locator("#insights-legend")).to_contain_text("Withheld: fewer than 10 searches, or none")
    searched = page.locator("path[data-lsoa='W01001941']")
    expect(searched).to_have_attribute("fill", "#fdd49e")  # 12 searches, published as 10: the first band
    expect(page.locator("path[data-lsoa='W01001942']")).to_have_attribute("fill", "#bdbdbd")  # withheld


def test_the_insights_embed_works_on_a_councils_site(page: Page, other_site, live_server, figures):
    src = f"{live_server}/insights/embed?area={CARDIFF}&category=learning&measure=places"
    page.goto(other_site.put("/insights.html", f'<!doctype html><html lang=en><title>Council</title>'
                                               f'<iframe id="map" title="Need" src="{src}" width="900" height="600"></iframe></html>'))
    frame = page.frame_locator("#map")
    expect(frame.locator("#insights-legend")).to_contain_text("Places for Learning and libraries within 800 m")
    expect(frame.locator(".leaflet-overlay-pane path[data-lsoa]")).to_have_count(214)


def test_the_print_view_renders_on_at_most_two_a4_pages(page: Page, figures):
    page.goto(f"/insights/print?area={CARDIFF}&category=learning&measure=places")
    expect(page.locator("svg.print-map")).to_be_visible()
    expect(page.locator("svg.print-map path")).to_have_count(214)
    expect(page.locator("#insights-legend")).to_be_visible()
    expect(page.get_by_role("heading", name="Where to look first")).to_be_visible()
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.get_by_role("heading", name="Sources and dates")).to_be_visible()
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    assert 1 <= pages <= 2, f"the print view takes {pages} A4 pages"
