"""The map pages as HTTP: status codes, escaping, local-only scripts and the security headers.

What they do in a browser is in tests/e2e/.
"""

import re
import uuid
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.core.config import PROJECT_ROOT, Settings, get_settings
from app.main import create_app
from tests.factories import make_asset

PAGES = ["/", "/embed", "/embed/builder", "/docs"]
RESOURCE = re.compile(r"<(?:script|link|img|iframe)\b[^>]*?\b(?:src|href)=\"([^\"]*)\"", re.I)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)


def resources(html: str) -> list[str]:
    return RESOURCE.findall(html)


@pytest.fixture
def place(session):
    return make_asset(
        session,
        name="<img src=x onerror=alert(1)>",
        categories=["food-banks", "community-centres"],
        address="Town Hall, Albert Square",
        postcode="M2 5DB",
        phone="0161 234 5000",
        website="https://example.org/food",
        free=True,
        drop_in=True,
        accessibility=["step_free", "hearing_loop"],
        schedule=[{"day": "tue", "opens": "10:00", "closes": "12:00", "note": "bring <ID>"}],
        last_verified_at=datetime.now(UTC) - timedelta(days=10),
    )


@pytest.mark.parametrize("path", PAGES)
def test_pages_load_only_local_scripts_and_styles(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.text
    urls = resources(response.text)
    assert urls, "the page loads its scripts and styles"
    for url in urls:
        if url.startswith(("http:", "https:", "//")):
            pytest.fail(f"{path} loads {url} from another site")
    assert "cdn" not in response.text.lower()


def test_vendored_files_are_served(client):
    html = client.get("/").text
    for url in resources(html):
        if url.startswith("/static/"):
            assert client.get(url).status_code == 200, f"{url} is missing: run make frontend"


def test_place_page_shows_everything_escaped(client, place):
    response = client.get(f"/places/{place.id}")
    assert response.status_code == 200
    html = response.text
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "bring &lt;ID&gt;" in html
    for text in ("Food banks, Community centres and halls", "Town Hall, Albert Square, M2 5DB", "Tuesday",
                 "10:00–12:00",
                 "Step-free access", "Hearing loop", "0161 234 5000", "https://example.org/food", "Free", "Drop in"):
        assert text in html, text
    assert f'href="/places/{place.id}/suggest"' in html
    assert f'href="/places/{place.id}/report"' in html
    assert "Details last checked on" in html
    assert "Not verified since" not in html and "Not yet checked" not in html
    assert "leaflet.js" in html


def test_place_page_flags_details_not_checked_for_a_year(client, session):
    checked = datetime.now(UTC) - timedelta(days=400)
    old = make_asset(session, last_verified_at=checked)
    html = client.get(f"/places/{old.id}").text
    assert f"Not verified since {checked:%-d %B %Y}" in html
    assert "Details last checked on" not in html
    never = make_asset(session)
    assert "Not yet checked" in client.get(f"/places/{never.id}").text


@pytest.mark.parametrize("kind", ["unknown", "pending", "archived", "malformed"])
def test_missing_places_get_an_html_404(client, session, kind):
    asset_id = {
        "unknown": lambda: uuid.uuid4(),
        "pending": lambda: make_asset(session, status="pending").id,
        "archived": lambda: make_asset(session, status="archived").id,
        "malformed": lambda: "not-an-id",
    }[kind]()
    response = client.get(f"/places/{asset_id}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Page not found" in response.text


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("lat=95&lon=0", 422, "lat: must be at most 90"),
        ("lat=53.4", 422, "give both lat and lon"),
        ("zoom=40&lat=53&lon=-2", 422, "zoom: must be at most 19"),
        ("category=no-such-thing", 422, "Unknown category"),
    ],
)
def test_bad_map_addresses_get_an_html_error(client, query, status, message):
    for path in ("/", "/embed"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == status
        assert response.headers["content-type"].startswith("text/html")
        assert message in response.text


def test_map_shows_only_the_layers_of_chosen_categories(client):
    html = client.get("/embed?category=food-banks&category=libraries").text
    assert html.count("L.markerClusterGroup(") == 2
    assert "AssetMap.clusterIcon(\"food\")" in html and "AssetMap.clusterIcon(\"learning\")" in html


def test_the_map_page_does_not_grow_with_the_data(client, session):
    before = len(client.get("/").content)
    for i in range(30):
        make_asset(session, name=f"Place {i} with a long name to take up room in the page")
    assert len(client.get("/").content) < before + 200  # the nonce and Folium's element ids vary a little


def test_every_inline_script_carries_the_requests_nonce(client, place):
    for path in [*PAGES, f"/places/{place.id}"]:
        response = client.get(path)
        nonce = re.search(r"'nonce-([^']+)'", response.headers["content-security-policy"]).group(1)
        for attrs in SCRIPT_TAG.findall(response.text):
            assert "src=" in attrs or f'nonce="{nonce}"' in attrs, f"{path}: inline <script{attrs}> without the nonce"


def test_pages_refuse_to_be_framed_and_send_hardening_headers(client, place):
    for path in ["/", "/embed/builder", f"/places/{place.id}", "/api/v1/categories"]:
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    csp = client.get("/").headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "img-src 'self' data: https://tile.openstreetmap.org" in csp


def _client(**overrides) -> TestClient:
    return TestClient(create_app(get_settings().model_copy(update=overrides)))


def test_any_site_may_frame_the_embed_unless_an_allow_list_is_set():
    # The embed is read-only, so by default any site may show it: a council's site must not need a setting first.
    default = _client().get("/embed").headers
    assert default["content-security-policy"].endswith("frame-ancestors *")
    assert "x-frame-options" not in default
    listed = _client(embed_allowed_origins=["https://www.council.gov.uk"]).get("/embed").headers
    assert listed["content-security-policy"].endswith("frame-ancestors 'self' https://www.council.gov.uk")
    assert "x-frame-options" not in listed
    only_itself = _client(embed_allowed_origins=[]).get("/embed").headers
    assert only_itself["content-security-policy"].endswith("frame-ancestors 'self'")


def test_no_page_but_the_embed_may_be_framed_whatever_the_setting(place):
    client = _client()
    assert client.get("/embed").status_code == 200
    for path in ["/", "/embed/builder", "/embed/", "/finder", f"/places/{place.id}", "/moderate", "/login",
                 "/api/v1/categories", "/static/css/site.css", "/healthz"]:
        headers = client.get(path, follow_redirects=False).headers
        assert headers["content-security-policy"].endswith("frame-ancestors 'none'"), path
        assert headers["x-frame-options"] == "DENY", path


@pytest.mark.parametrize("value", ["", " "])
def test_an_empty_embed_origins_setting_lets_only_the_app_frame_the_embed(monkeypatch, value):
    monkeypatch.setenv("EMBED_ALLOWED_ORIGINS", value)
    assert Settings().embed_allowed_origins == []


def test_the_embed_origins_setting_allows_any_site_by_default(monkeypatch):
    monkeypatch.delenv("EMBED_ALLOWED_ORIGINS", raising=False)
    assert Settings(_env_file=None).embed_allowed_origins == ["*"]


def test_tile_url_setting_drives_the_basemap_and_the_image_policy():
    client = _client(tile_url="https://{s}.tiles.example.org/{z}/{x}/{y}.png", tile_attribution="Tiles by Example")
    response = client.get("/")
    assert "https://{s}.tiles.example.org/{z}/{x}/{y}.png" in response.text
    assert "Tiles by Example" in response.text
    assert "img-src 'self' data: https://*.tiles.example.org" in response.headers["content-security-policy"]
    local = _client(tile_url="/static/blank-tile.png").get("/")
    assert "img-src 'self' data:;" in local.headers["content-security-policy"]


@pytest.mark.parametrize("value", ["https://a.gov.uk/path", "a.gov.uk", "https://a.gov.uk; script-src *", "'self'"])
def test_embed_origins_setting_accepts_origins_only(monkeypatch, value):
    monkeypatch.setenv("EMBED_ALLOWED_ORIGINS", value)
    with pytest.raises(ValidationError):
        Settings()


def test_embed_origins_setting_reads_a_comma_separated_list(monkeypatch):
    monkeypatch.setenv("EMBED_ALLOWED_ORIGINS", "https://A.gov.uk, http://127.0.0.1:8131")
    assert Settings().embed_allowed_origins == ["https://a.gov.uk", "http://127.0.0.1:8131"]


def test_blank_tile_for_offline_use_is_shipped():
    assert (PROJECT_ROOT / "app" / "static" / "blank-tile.png").read_bytes().startswith(b"\x89PNG")


def test_every_top_level_category_has_a_colour(session):
    # How far apart the colours are, and their contrast with white: tests/maps/test_palette.py.
    from app.categories.service import get_taxonomy
    from app.maps.palette import COLOURS

    roots = {node.slug for node in get_taxonomy(session).roots}
    assert roots <= COLOURS.keys(), f"no colour for {roots - COLOURS.keys()}"


def test_embed_fits_to_a_council_and_limits_its_layers_to_it(client, councils):
    response = client.get("/embed?area=e08000003")
    assert response.status_code == 200
    assert "<title>Community places in Manchester" in response.text
    assert '"area": "E08000003"' in response.text  # the layers ask for this council's places only
    assert ".fitBounds(" in response.text


def full_map_link(html: str) -> str:
    match = re.search(r'<a class="embed-full" href="([^"]*)"', html)
    assert match, "the embed has no link to the full map"
    return match.group(1)


def test_embeds_link_to_the_full_map_opens_it_as_the_embed_starts(client, councils):
    assert full_map_link(client.get("/embed").text) == "/"
    params = {"area": "e08000003", "category": ["food", "libraries"], "q": 'tea & "cake" <b>', "postcode": "M1 1AE"}
    html = client.get("/embed", params=params).text
    link = full_map_link(html)
    assert "<b>" not in link and "&amp;" in link  # URL-encoded, then escaped for the attribute
    path, _, query = unescape(link).partition("?")
    assert path == "/"
    assert parse_qs(query) == {"area": ["E08000003"], "category": ["food", "libraries"], "q": ['tea & "cake" <b>'],
                               "postcode": ["M1 1AE"]}
    full = client.get(unescape(link))
    assert full.status_code == 200 and '"area": "E08000003"' in full.text


@pytest.mark.parametrize(("area", "status"), [("E99999999", 404), ("E08000003;DROP", 422)])
def test_embed_with_an_unknown_or_malformed_area_explains(client, councils, area, status):
    response = client.get("/embed", params={"area": area})
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")


def test_without_javascript_the_map_search_leads_to_the_finders_plain_list(client):
    page = client.get("/", params={"postcode": "M1 1AE"}).text
    noscript = page[page.index("<noscript>") : page.index("</noscript>")]
    assert 'href="/finder?postcode=M1%201AE"' in noscript
    finder = client.get("/finder", params={"postcode": "M1 1AE"})
    assert finder.status_code == 200 and "M1 1AE" in finder.text
