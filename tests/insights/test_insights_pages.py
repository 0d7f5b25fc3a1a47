"""The insights pages (issue 14): /insights for an area, its table as CSV, the print view, the embed's framing, and
bad input answered with the HTML error page."""

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from app.core.config import get_settings
from app.core.db import get_engine
from app.insights import repository, service, views
from app.insights.charts import Series, bar_chart
from tests.factories import make_asset

pytestmark = pytest.mark.usefixtures("lsoas", "councils")

CARDIFF_COUNCIL, RUTLAND_COUNCIL = "W06000015", "E06000017"


def test_the_page_shows_an_areas_map_table_charts_and_sources(client, cardiff):
    page = client.get("/insights", params={"area": CARDIFF_COUNCIL, "category": "learning", "measure": "searches"})
    assert page.status_code == 200 and page.headers["x-frame-options"] == "DENY"
    html = page.text
    assert "<h1>Where the need is: Cardiff</h1>" in html
    assert "/static/vendor/leaflet/leaflet.js" in html and "/static/js/insights-map.js" in html
    assert "InsightsMap.start(" in html and '"area": "W06000015"' in html
    assert "lsoas.geojson" in html and '"type":"Feature"' not in html  # outlines come by viewport, never in the page
    assert 'class="insights-legend"' in html and "Withheld: fewer than 10 searches, or none" in html
    assert html.count('<tr tabindex="0" data-lsoa="') == 25  # the first 25 of the table; the CSV has them all
    assert "Where to look first" in html and "each nation" not in html.split("Where to look first")[1][:400]
    assert html.count('<svg class="chart"') == 2  # places by decile (Wales only), searches by month
    assert "places within reach by deprivation decile, Wales (WIMD 2019 deciles" in html
    assert "Searches by kind of place and month" in html and "<th scope=\"row\">Learning and libraries</th>" in html
    assert "Welsh Index of Multiple Deprivation 2019" in html and "cannot be compared" in html
    assert f"{service.published_months(service.today())[0]:%B %Y}" in html  # the window's dates
    assert 'selected>Cardiff (W06000015)</option>' in html and "Rutland (E06000017)" in html


def test_the_page_without_an_area_shows_the_chooser_and_a_map(client):
    page = client.get("/insights", params={"area": "", "category": "", "measure": ""})  # an empty form
    assert page.status_code == 200
    assert "Choose a council or region" in page.text and 'id="insights-area"' in page.text
    assert "Where to look first" not in page.text


def test_the_table_sorts_on_the_server_and_downloads_as_csv(client, cardiff):
    params = {"area": CARDIFF_COUNCIL, "category": "learning"}
    answer = client.get("/insights/where-to-look-first.csv", params=params)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert 'filename="where-to-look-first-W06000015-learning.csv"' in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert rows and all(r["deprivation_decile"] in ("1", "2") for r in rows) and all(r["nation"] == "W" for r in rows)
    places = [int(r["places_800m"]) for r in rows]
    assert places == sorted(places)
    by_name = list(csv.DictReader(io.StringIO(client.get("/insights/where-to-look-first.csv",
                                                         params={**params, "sort": "name"}).text)))
    assert [r["name"] for r in by_name] == sorted(r["name"] for r in rows)
    page = client.get("/insights", params={**params, "sort": "name"}).text
    first = sorted(r["name"] for r in rows)[0]
    assert page.index(f"{first} <span") < page.index(f"{sorted(r['name'] for r in rows)[1]} <span")
    assert 'aria-sort="ascending"><a href="/insights?area=W06000015&amp;category=learning&amp;measure=deprivation&amp;sort=name' in page


def test_the_print_view_has_a_drawn_map_the_table_charts_and_sources(client, cardiff):
    page = client.get("/insights/print", params={"area": CARDIFF_COUNCIL, "category": "learning", "measure": "places"})
    assert page.status_code == 200
    html = page.text
    assert '<svg class="print-map"' in html and html.count("<path d=") == 214  # each of Cardiff's LSOAs
    assert "leaflet.js" not in html and "<script" not in html  # nothing to run: it prints as it is
    assert "Where to look first" in html and '<svg class="chart"' in html and "Sources and dates" in html
    assert "figures of" in html and "@page" not in html  # the A4 rules are in insights.css
    css = client.get("/static/css/insights.css").text
    assert "size: A4" in css


def test_the_embed_is_framable_like_the_map_and_needs_an_area(client, cardiff):
    embed = client.get("/insights/embed", params={"area": CARDIFF_COUNCIL, "category": "learning"})
    assert embed.status_code == 200 and "x-frame-options" not in embed.headers
    map_embed = client.get("/embed")
    assert embed.headers["content-security-policy"].split("frame-ancestors")[1] == \
        map_embed.headers["content-security-policy"].split("frame-ancestors")[1]
    assert '<base target="_blank">' in embed.text and "Where to look first" not in embed.text
    missing = client.get("/insights/embed")
    assert missing.status_code == 422 and "Choose an area" in missing.text


@pytest.mark.parametrize(
    ("path", "params", "words"),
    [
        ("/insights", {"area": "X99999999"}, "Unknown area"),
        ("/insights", {"area": "W06000015", "category": "no-such-thing"}, "Unknown category"),
        ("/insights", {"area": "W06000015", "category": "libraries"}, "sub-category of"),
        ("/insights", {"area": "W06000015", "measure": "happiness"}, "measure"),
        ("/insights", {"area": "W06000015", "sort": "colour"}, "sort"),
        ("/insights/print", {}, "Choose an area"),
        ("/insights/where-to-look-first.csv", {"area": "nope!"}, "area"),
    ],
)
def test_bad_input_is_a_clear_4xx_on_the_html_error_page(client, path, params, words):
    answer = client.get(path, params=params)
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("text/html")
    assert "There is a problem with this address" in answer.text and words in answer.text
    assert 'href="/insights">Go to the insights page' in answer.text


def test_text_people_typed_is_escaped(client):
    typed = '<script>alert(1)</script>'
    answer = client.get("/insights", params={"area": "W06000015", "category": typed})
    assert answer.status_code == 422 and typed not in answer.text and "&lt;script&gt;" in answer.text
    chart = bar_chart("<b>Caption</b>", ["<i>"], [Series("<u>", [1], "s-near")], chart_id="c", group_label="x")
    assert "<b>" not in chart and "<i>" not in chart and "<u>" not in chart and "&lt;b&gt;" in chart


def test_charts_mark_withheld_months_and_never_pool_the_nations(client, session):
    make_asset(session, name="Oakham Library", categories=["libraries"], lat=52.6707, lon=-0.7296)
    service.refresh(get_settings())
    page = client.get("/insights", params={"area": RUTLAND_COUNCIL, "category": "learning"}).text
    assert "places within reach by deprivation decile, England (IMD 2019 deciles" in page and "Wales (WIMD" not in page
    assert "no monthly figure is published" in page  # no searches at all: nothing to chart by category
    assert page.count(">withheld</td>") >= 24  # the monthly chart's table: every month withheld


# --- Found in review ------------------------------------------------------------------------------------------------

def test_a_print_view_over_the_cut_off_reads_no_outline(client, cardiff, monkeypatch):
    """An area with more LSOAs than the printed map can draw is counted first: not one outline is read for it."""
    def no_outlines(*args, **kwargs):
        raise AssertionError("outlines read for an area over the cut-off")

    monkeypatch.setattr(views, "PRINT_MAP_MAX_LSOAS", 213)  # Cardiff has 214
    monkeypatch.setattr(repository, "area_outlines_svg", no_outlines)
    page = client.get("/insights/print", params={"area": CARDIFF_COUNCIL, "category": "learning"})
    assert page.status_code == 200 and "too many neighbourhoods to print as one map" in page.text


def test_an_area_report_reads_only_the_rows_it_shows(session, cardiff):
    """The page reads the area's deciles 1 and 2 (all "where to look first" can show), and counts the rest."""
    report = service.area_report(session, CARDIFF_COUNCIL, "learning")
    assert report.lsoas == 214 and 0 < len(report.rows) < 214
    assert {row["deprivation_decile"] for row in report.rows} == {1, 2}
    assert report.nations == ["W"] and not hasattr(report.area, "geometry")


def test_published_figures_say_the_apps_own_rounding(session, cardiff):
    settings = get_settings().model_copy(update={"demand_rounding": 7})
    from app.main import create_app

    with TestClient(create_app(settings)) as own:
        html = own.get("/insights", params={"area": CARDIFF_COUNCIL, "category": "learning"}).text
    assert html.count("rounded to the nearest 7") == 2 and "nearest 5" not in html  # the sources and the chart's note


def test_the_figures_link_needs_an_area(client, cardiff):
    assert "The figures as data" not in client.get("/insights").text
    page = client.get("/insights", params={"area": CARDIFF_COUNCIL.lower(), "category": "learning"}).text
    assert '<a href="/api/v1/insights/areas?area=W06000015&amp;category=learning">The figures as data</a>' in page


def test_the_page_reads_each_figure_once(client, cardiff):
    statements: list[str] = []

    def seen(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    event.listen(get_engine(), "before_cursor_execute", seen)
    try:
        assert client.get("/insights", params={"area": CARDIFF_COUNCIL, "category": "learning"}).status_code == 200
    finally:
        event.remove(get_engine(), "before_cursor_execute", seen)
    repeated = {s for s in statements if statements.count(s) > 1}
    assert statements and not repeated, repeated


def test_two_requests_draw_the_same_charts(client, cardiff):
    """Chart ids are numbered per page, not by a counter in the process."""
    def charts(html: str) -> str:
        return html[html.index('<section class="insights-charts"'):html.index("</section>", html.index('<section class="insights-charts"'))]

    params = {"area": CARDIFF_COUNCIL, "category": "learning"}
    first, second = (charts(client.get("/insights", params=params).text) for _ in range(2))
    assert first == second
    ids = re.findall(r'id="(chart-[^"]+)"', first)
    assert ids and len(ids) == len(set(ids))


def test_the_table_shows_distances_as_the_finder_does(client, cardiff):
    """One rule for a distance in words (app.finder.views.distance_text, the `distance` filter)."""
    page = client.get("/insights", params={"area": CARDIFF_COUNCIL, "category": "learning"}).text
    assert re.search(r"<td>\d+\.\d km \(\d+\.\d miles\)</td>", page)  # the nearest library from a far neighbourhood
