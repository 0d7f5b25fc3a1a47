"""The map pages in Welsh (issue 15): `?lang=cy` gives `<html lang="cy">` and Welsh headings, labels, messages,
Leaflet's own words and the map's attribution; the embed builder offers the embed in Welsh, in English or with a
switch; an embed keeps the language its address gives it in every link, as a framed page may not get the cookie.

What the pages do in a browser is in tests/e2e/test_embed_language_browser.py.
"""

import json
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from app.assets.display import show
from app.core.config import ATTRIBUTION, OSM_TILE_ATTRIBUTION, get_settings
from app.i18n import use_locale
from app.maps.folium_map import tile_attribution
from app.web.templates import attribution
from tests.factories import make_asset

MANCHESTER = "E08000003"
MONTHS = "Ionawr Chwefror Mawrth Ebrill Mai Mehefin Gorffennaf Awst Medi Hydref Tachwedd Rhagfyr".split()
CHECKED = (datetime.now(UTC) - timedelta(days=10)).replace(hour=12, minute=0)  # midday: the same date in London


def welsh(client, path: str, **params):
    response = client.get(path, params={**params, "lang": "cy"})
    assert re.search(r'<html lang="cy">', response.text), path
    return response


def text_of(html: str) -> str:
    """The page's words, without tags and with entities read."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture
def place(session):
    return make_asset(
        session, name="Canolfan Gymunedol", categories=["community-centres"], free=True, drop_in=True, min_age=18,
        phone="029 2087 1000", accessibility=["step_free", "hearing_loop"],
        schedule=[{"day": "tue", "opens": "10:00", "closes": "12:00"}],
        last_verified_at=CHECKED,
    )


def test_the_map_in_welsh(client):
    html = welsh(client, "/").text
    for words in ("<h1 id=\"map-heading\">Dod o hyd i leoedd cymunedol</h1>", ">Cod post</label>", ">Chwilio</button>",
                  "Lleoedd yn y rhan hon o'r map", "Allwedd i'r map", 'aria-label="Map o leoedd cymunedol"',
                  "Dod o hyd i leoedd cymunedol yn agos atoch chi – Map Asedau Cymunedol</title>"):
        assert words in html, words
    assert "Find community places" not in html and "Key to the map" not in html
    # Leaflet's own words and the basemap's attribution, in the map's script
    assert '"zoomInTitle": "Chwyddo i mewn"' in html and '"zoomOutTitle": "Chwyddo allan"' in html
    assert "Llyfrgell JavaScript ar gyfer mapiau rhyngweithiol" in html
    assert "cyfranwyr \\u003ca href=\\\"https://www.openstreetmap.org/copyright\\\"" in html
    # the page scripts' words (asset-map.js) come with the page
    messages = json.loads(unescape(re.search(r'data-messages="([^"]*)"', html).group(1)))
    assert messages["Show on map"] == "Dangos ar y map" and messages["Tuesday"] == "Dydd Mawrth"
    assert messages["{n} places in this part of the map."] == "{n} o leoedd yn y rhan hon o'r map."


def test_the_map_in_english_keeps_leaflets_own_words(client):
    html = client.get("/").text
    assert '"zoomInTitle": "Zoom in"' in html and "Chwyddo" not in html
    assert "data-messages" not in html  # English scripts show their own text


def test_a_place_page_in_welsh(client, place):
    html = welsh(client, f"/places/{place.id}").text
    words = text_of(html)
    for expected in ("Am ddim", "Galw heibio: dim angen atgyfeirio", "Pryd", "Amseroedd agor", "Dydd Mawrth",
                     "10:00–12:00", "18 oed a hŷn", "Hygyrchedd", "Mynediad heb risiau", "Dolen sain", "Cysylltu",
                     "Ffôn: 029 2087 1000", "Awgrymu newid", "Gweld beth arall sydd gerllaw"):
        assert expected in words, expected
    assert f"Gwiriwyd y manylion ddiwethaf ar {CHECKED.day} {MONTHS[CHECKED.month - 1]} {CHECKED.year}." in words
    assert 'aria-label="Map yn dangos ble mae Canolfan Gymunedol"' in html
    for english in ("Opening times", "Tuesday", "Step-free access", "Suggest a change", "Details last checked"):
        assert english not in words, english


def test_a_place_not_checked_for_a_year_says_so_in_welsh(client, session):
    old = make_asset(session, last_verified_at=datetime.now(UTC) - timedelta(days=400))
    assert "Heb ei ddilysu ers" in welsh(client, f"/places/{old.id}").text
    never = make_asset(session)
    assert "Heb ei wirio eto" in welsh(client, f"/places/{never.id}").text


def test_error_pages_in_welsh(client):
    missing = welsh(client, "/places/not-an-id")
    assert missing.status_code == 404
    assert "<title>Heb ddod o hyd i'r dudalen – Map Asedau Cymunedol</title>" in unescape(missing.text)
    assert "Does dim lle yn y cyfeiriad hwn" in missing.text and "Mynd i'r map" in text_of(missing.text)
    wrong = welsh(client, "/", lat="53.4")
    assert wrong.status_code == 422
    assert "Mae problem gyda'r cyfeiriad hwn" in text_of(wrong.text) and "rhowch lat a lon ill dau" in wrong.text


def test_an_expired_form_is_explained_in_welsh(client):
    response = client.post("/add?lang=cy", data={"name": "x"})
    assert response.status_code == 403
    assert "Mae'r ffurflen hon wedi dod i ben" in text_of(response.text) and '<html lang="cy">' in response.text


def test_the_embed_builder_in_welsh_offers_the_three_languages(client):
    html = welsh(client, "/embed/builder").text
    for words in ("<h1>Rhoi'r map ar eich gwefan</h1>", "<legend>Iaith</legend>", "Rhagolwg", "Copïo'r cod"):
        assert words in html, words
    choices = dict(re.findall(r'<input type="radio" name="lang" id="[^"]+" value="([^"]*)"[^>]*>\s*<label[^>]*>([^<]+)<', html))
    assert choices == {"": "Porwr yr ymwelydd sy'n dewis Cymraeg neu Saesneg", "cy": "Cymraeg", "en": "Saesneg"}
    assert 'id="embed-lang-switch" name="lang_switch"' in html
    # The snippet's title is in the embed's language, whatever the builder's.
    titles = json.loads(unescape(re.search(r'data-titles="([^"]*)"', html).group(1)))
    assert titles == {
        "en": {"everywhere": "Map of community places", "area": "Map of community places in %(area)s"},
        "cy": {"everywhere": "Map o leoedd cymunedol", "area": "Map o leoedd cymunedol yn ardal %(area)s"},
    }


def full_map_link(html: str) -> str:
    return unescape(re.search(r'<a class="embed-full" href="([^"]*)"', html).group(1))


def test_an_embed_in_welsh_keeps_welsh_in_its_links(client, councils):
    response = welsh(client, "/embed", area=MANCHESTER, category="food", postcode="M1 1AE")
    html = response.text
    assert "am_lang" not in response.headers.get("set-cookie", "")  # a council's choice, not the visitor's
    assert "<title>Lleoedd cymunedol yn ardal Manchester – Map Asedau Cymunedol</title>" in html
    assert ">Rhestr o leoedd</button>" in html and "Agor y map llawn" in html
    assert parse_qs(urlsplit(full_map_link(html)).query)["lang"] == ["cy"]
    assert '"lang": "cy"' in html  # asset-map.js adds it to the links to places
    assert '<input type="hidden" name="lang" value="cy">' in html  # the search form (without script) keeps it
    noscript = html[html.index("<noscript>") : html.index("</noscript>")]
    assert 'href="/finder?postcode=M1%201AE&amp;lang=cy"' in noscript
    assert 'class="language-switch"' not in html  # no switch unless asked for


def test_an_embed_in_english_asked_for_so_stays_english(client):
    html = client.get("/embed", headers={"Accept-Language": "cy"}, params={"lang": "en"}).text
    assert '<html lang="en-GB">' in html and "List of places" in html
    assert parse_qs(urlsplit(full_map_link(html)).query)["lang"] == ["en"]


def test_an_embed_with_the_switch_links_to_itself_in_the_other_language(client, councils):
    html = client.get("/embed", params={"area": MANCHESTER, "lang_switch": "1", "controls": "0"},
                      headers={"Accept-Language": "cy"}).text
    assert '<html lang="cy">' in html  # the visitor's browser chose
    switch = re.search(r'<a href="([^"]+)" lang="en" hreflang="en" target="_self">English</a>', html)
    assert switch, "the switch opens in the frame, not in a new tab as the embed's other links"
    path, _, query = unescape(switch.group(1)).partition("?")
    assert path == "/embed"
    assert parse_qs(query) == {"area": [MANCHESTER], "lang_switch": ["1"], "controls": ["0"], "lang": ["en"]}
    english = client.get(unescape(switch.group(1)), headers={"Accept-Language": "cy"}).text
    assert '<html lang="en-GB">' in english and ">Cymraeg</a>" in english
    assert '"lang": "en"' in english  # and its links now carry English


def test_an_embed_without_a_language_in_its_address_is_as_before(client):
    html = client.get("/embed").text
    assert full_map_link(html) == "/" and '"lang": null' in html and "language-switch" not in html


def test_values_are_shown_in_the_pages_language():
    schedule = [{"day": "tue", "opens": "10:00", "closes": "12:00", "note": None}]
    with use_locale("cy"):
        assert (show(True), show(False)) == ("Ie", "Na")
        assert show(schedule, "schedule") == "Dydd Mawrth 10:00–12:00"
        assert show(["step_free", "bsl"], "accessibility") == "Mynediad heb risiau, Iaith Arwyddion Prydain (BSL)"
        assert show("published", "status") == "Wedi'i gyhoeddi"
    with use_locale("en"):
        assert show(schedule, "schedule") == "Tuesday 10:00–12:00"
        assert show("published", "status") == "Published"


def test_the_default_attributions_are_translated_and_an_operators_own_is_shown_as_written():
    settings = get_settings()
    with use_locale("en"):
        assert attribution(settings) == ATTRIBUTION  # the translated text is the configured one, word for word
        assert tile_attribution(settings) == OSM_TILE_ATTRIBUTION
    with use_locale("cy"):
        assert attribution(settings).startswith("Yn cynnwys data'r Arolwg Ordnans")
        assert "cyfranwyr" in tile_attribution(settings)
        own = settings.model_copy(update={"attribution": "Data: Cyngor Sir", "tile_attribution": "Tiles: Example"})
        assert (attribution(own), tile_attribution(own)) == ("Data: Cyngor Sir", "Tiles: Example")


def test_the_footer_attribution_is_welsh_on_welsh_pages(client):
    assert "Hawlfraint y Goron" in welsh(client, "/embed/builder").text


def test_the_csv_export_keeps_english_opening_hours_on_a_welsh_request(client, place):
    body = client.get("/api/v1/export.csv", params={"lang": "cy"}, headers={"Accept-Language": "cy"}).text
    assert "Tue 10:00-12:00" in body and "Maw" not in body


def test_the_api_documentation_says_it_is_in_english_on_a_welsh_visit(client):
    # Swagger UI and the OpenAPI descriptions have no Welsh: the page is marked English, not passed off as Welsh.
    response = client.get("/docs", params={"lang": "cy"})
    assert '<html lang="en-GB">' in response.text and response.headers["content-language"] == "en-GB"
