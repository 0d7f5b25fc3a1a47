"""The insights pages in Welsh (issue 15): the page, its chooser, legend, table, charts (Welsh month names), sources,
print view and embed, and the error page; the CSV for councils keeps its English column names."""

import csv
import io
import json
import re
from html import unescape

import pytest
from babel.dates import format_date

from app.insights import service
from tests.insights.test_insights_pages import CARDIFF_COUNCIL

pytestmark = pytest.mark.usefixtures("lsoas", "councils")
WELSH = '<html lang="cy">'
CARDIFF = {"area": CARDIFF_COUNCIL, "category": "learning", "lang": "cy"}


def shown(html: str) -> str:
    """The page's text as read, without the script messages (<body data-messages>: English keys, Welsh values)."""
    return unescape(re.sub(r' data-messages="[^"]*"', "", html))


def test_the_page_is_in_welsh(client, cardiff):
    page = client.get("/insights", params={**CARDIFF, "measure": "searches"})
    assert page.status_code == 200 and WELSH in page.text
    html = shown(page.text)
    assert "<h1>Ble mae'r angen: Caerdydd</h1>" in html  # the council's Welsh name (app/areas/welsh_names.py)
    assert '<label for="insights-area">Cyngor neu ranbarth</label>' in html and '<optgroup label="Cynghorau">' in html
    assert "Wedi'i ddal yn ôl: llai na 10 chwiliad, neu ddim" in html  # the legend
    assert '<h2 id="look-first-heading">Ble i edrych gyntaf</h2>' in html and "mynegai Cymru, MALlC 2019" in html
    assert "lleoedd o fewn cyrraedd yn ôl degradd amddifadedd, Cymru (degraddau MALlC 2019, 1 = mwyaf difreintiedig)" in html
    assert "<h2 id=\"sources-heading\">Ffynonellau a dyddiadau</h2>" in html and "Y ffigurau fel data" in html
    assert "Ni ellir cymharu degradd yn Lloegr â degradd yng Nghymru." in html  # each nation ranks its own LSOAs
    months = service.published_months(service.today())
    assert format_date(months[0], "MMMM y", locale="cy") in html  # the window, in Welsh months
    assert f">{format_date(months[-1], 'MMM yy', locale='cy')}</text>" in html  # the chart's axis
    assert "Where to look first" not in html and "Sources and dates" not in html and "withheld" not in html


def test_the_map_script_gets_its_text_in_welsh(client, cardiff):
    page = client.get("/insights", params=CARDIFF).text
    messages = json.loads(unescape(re.search(r'data-messages="([^"]*)"', page).group(1)))
    assert messages["{n} neighbourhoods in view."] == "{n} cymdogaeth yn y golwg."
    assert '"unit": "degradd"' in page and '"missing": "Dim degradd"' in page  # the measure handed to the script


def test_the_print_view_and_the_embed_are_in_welsh(client, cardiff):
    printed = client.get("/insights/print", params={**CARDIFF, "measure": "places"})
    assert printed.status_code == 200 and WELSH in printed.text
    html = shown(printed.text)
    assert "Yn ôl i'r dudalen ryngweithiol" in html and 'aria-label="Map o gymdogaethau (ACEHI) Caerdydd wedi' in html
    assert "<h2 id=\"print-map-heading\">Map: lleoedd ar gyfer " in html and "Darpariaeth a galw" in html
    embed = client.get("/insights/embed", params=CARDIFF)
    assert embed.status_code == 200 and WELSH in embed.text and "Agor y mewnwelediadau llawn" in shown(embed.text)


def test_a_page_without_an_area_and_the_error_page_are_in_welsh(client):
    chooser = shown(client.get("/insights", params={"lang": "cy"}).text)
    assert "Dewiswch gyngor neu ranbarth uchod" in chooser and "Y ffigurau fel data" not in chooser
    missing = client.get("/insights/print", params={"lang": "cy"})
    assert missing.status_code == 422 and WELSH in missing.text
    html = shown(missing.text)
    assert "Mae problem gyda'r cyfeiriad hwn" in html and "Dewiswch ardal" in html and "Mynd i'r dudalen mewnwelediadau" in html


def test_the_csv_keeps_its_english_column_names(client, cardiff):
    """Data for councils: the same columns in both languages (docs/insights.md)."""
    answer = client.get("/insights/where-to-look-first.csv", params=CARDIFF)
    assert answer.status_code == 200
    assert next(csv.reader(io.StringIO(answer.text))) == list(service.PROPERTIES)


def test_the_apis_notes_and_errors_follow_accept_language(client, cardiff):
    answer = client.get("/api/v1/insights/areas", params={"area": CARDIFF_COUNCIL, "category": "learning"},
                        headers={"Accept-Language": "cy"})
    assert answer.headers["content-language"] == "cy" and "Accept-Language" in answer.headers["vary"]
    welsh = answer.json()
    assert "Ni ellir cymharu degradd" in welsh["notes"]["deprivation"] and "talgrynnu" in welsh["notes"]["searches"]
    assert list(welsh["features"][0]["properties"]) == list(service.PROPERTIES)
    wrong = client.get("/api/v1/insights/areas", params={"area": CARDIFF_COUNCIL, "category": "libraries"},
                       headers={"Accept-Language": "cy"})
    assert wrong.status_code == 422 and "yn is-gategori o 'learning'" in wrong.json()["detail"]
