"""Which language a request is served in: ?lang (remembered in a cookie), the cookie, Accept-Language, English."""

import re

import pytest
from starlette.datastructures import QueryParams

from app.i18n.locales import from_accept_language
from app.i18n.middleware import lang_in_query

HTML_LANG = re.compile(r'<html lang="([^"]+)">')


def _lang(response) -> str:
    return HTML_LANG.search(response.text).group(1)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("cy", "cy"),
        ("cy-GB,en;q=0.8", "cy"),
        ("en-GB,en;q=0.9,cy;q=0.8", "en"),
        ("fr, cy;q=0.5", "cy"),
        ("en;q=0.2, cy;q=0.7", "cy"),
        ("cy;q=0, en", "en"),
        ("fr, de", None),
        ("", None),
        ("cy;q=bad, en", "en"),
    ],
)
def test_accept_language_picks_the_best_language_we_serve(header, expected):
    assert from_accept_language(header) == expected


def test_a_first_visit_follows_the_browser_and_english_is_the_default(client):
    assert _lang(client.get("/finder")) == "en-GB"
    welsh = client.get("/finder", headers={"Accept-Language": "cy-GB, en;q=0.5"})
    assert _lang(welsh) == "cy" and welsh.headers["content-language"] == "cy"
    assert "Dod o hyd i gymorth" in welsh.text
    assert {"Accept-Language", "Cookie"} <= {v.strip() for v in welsh.headers["vary"].split(",")}
    assert "am_lang" not in welsh.headers.get("set-cookie", "")  # a browser's preference is not a choice


def test_lang_in_the_query_chooses_and_is_remembered_over_the_browser(client):
    chosen = client.get("/finder?lang=cy", headers={"Accept-Language": "en"})
    assert _lang(chosen) == "cy"
    assert re.search(r"am_lang=cy;.*Max-Age=31536000;.*SameSite=Lax", chosen.headers["set-cookie"])
    # The cookie now decides, whatever the browser says, until another ?lang.
    assert _lang(client.get("/", headers={"Accept-Language": "en"})) == "cy"
    assert _lang(client.get("/finder?lang=en")) == "en-GB"
    assert _lang(client.get("/finder", headers={"Accept-Language": "cy"})) == "en-GB"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lang=cy", "cy"),
        ("%6Cang=cy", "cy"),  # a percent-escaped name is still `lang`
        ("l%61ng=cy&lang=en", "en"),  # the last one counts
        ("lang=%63y", "cy"),
        ("language=cy", None),
        ("postcode=CF10+1EP&radius=1600", None),
        ("postcode=CF10%201EP", None),
        ("postcode=CF10%201EP&%6C%61%6E%67=cy", "cy"),
        ("q=%E2%9C%93&%6Cang=en", "en"),
        ("x=%ZZ&lang=cy", "cy"),
        ("", None),
    ],
)
def test_lang_is_read_from_the_query_as_starlette_reads_it(query, expected):
    assert lang_in_query(query.encode()) == expected == QueryParams(query).get("lang")


def test_every_page_links_to_itself_in_the_other_language_keeping_its_query(client):
    page = client.get("/finder?postcode=CF10+1EP&radius=1600&lang=cy")
    switch = re.search(r'<a href="([^"]+)" lang="en" hreflang="en">English</a>', page.text)
    assert switch and switch.group(1) == "/finder?postcode=CF10+1EP&amp;radius=1600&amp;lang=en"
    english = client.get("/finder?postcode=CF10+1EP&radius=1600&lang=en")
    assert '<a href="/finder?postcode=CF10+1EP&amp;radius=1600&amp;lang=cy" lang="cy" hreflang="cy">Cymraeg</a>' in english.text


def test_the_api_follows_accept_language_and_never_a_cookie(client):
    client.get("/finder?lang=cy")  # the browser's cookie says Welsh
    api = client.get("/api/v1/categories")
    assert api.headers["content-language"] == "en-GB"
    assert "Cookie" not in api.headers["vary"] and "Accept-Language" in api.headers["vary"]
    assert client.get("/api/v1/categories", headers={"Accept-Language": "cy"}).headers["content-language"] == "cy"
    assert client.get("/api/v1/categories?lang=cy").headers["content-language"] == "cy"


def test_files_without_interface_text_do_not_vary_by_language(client):
    css = client.get("/static/css/site.css", headers={"Accept-Language": "cy"})
    assert "content-language" not in css.headers and "Accept-Language" not in css.headers.get("vary", "")


def test_a_garbled_cookie_or_language_is_english(client):
    page = client.get("/finder?lang=xx", headers={"Cookie": 'am_lang="; bad', "Accept-Language": ";;q=,"})
    assert page.status_code == 200 and _lang(page) == "en-GB"


def test_the_remembered_choice_is_a_cookie_scripts_cannot_read_and_secure_over_https(client):
    cookie = client.get("/finder?lang=cy").headers["set-cookie"]
    assert re.search(r"am_lang=cy; Max-Age=31536000; Path=/; HttpOnly; SameSite=Lax(,|$)", cookie)
    secure = client.get("https://testserver/finder?lang=cy").headers["set-cookie"]
    assert re.search(r"am_lang=cy; Max-Age=31536000; Path=/; HttpOnly; SameSite=Lax; Secure", secure)


def test_programs_paths_never_follow_the_cookie_and_english_only_documents_say_so(client):
    client.get("/finder?lang=cy")
    openapi = client.get("/openapi.json", headers={"Accept-Language": "cy"})
    assert openapi.headers["content-language"] == "en-GB"  # the OpenAPI document is written in English only
    health = client.get("/healthz")
    assert health.headers.get("content-language", "en-GB") == "en-GB" and "Cookie" not in health.headers.get("vary", "")


def test_a_page_answering_a_form_links_to_the_home_page_in_the_other_language(client):
    answered = client.post("/finder/shortlist?lang=cy", data={})
    links = re.findall(r'<a href="([^"]+)" lang="en" hreflang="en">English</a>', answered.text)
    assert links == ["/?lang=en"]
    assert client.get(links[0].replace("&amp;", "&")).status_code == 200
