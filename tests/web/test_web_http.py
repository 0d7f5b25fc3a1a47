"""What every response shares, whatever the page or endpoint: hardening headers, compression and HEAD.

(The content security policy and framing rules are in tests/maps/test_map_pages.py.)
"""

import gzip

import pytest
from fastapi.testclient import TestClient

from app.core.config import get_settings
from app.main import create_app


def _client(base_url: str = "http://testserver", **overrides) -> TestClient:
    return TestClient(create_app(get_settings().model_copy(update=overrides)), base_url=base_url)


EVERYWHERE = ["/", "/embed", "/finder", "/api/v1/categories", "/healthz", "/static/css/site.css", "/no-such-page",
              "/oruk/services"]


@pytest.mark.parametrize("path", EVERYWHERE)
def test_every_response_carries_a_permissions_policy(client, path):
    policy = client.get(path).headers["permissions-policy"]
    features = dict(part.strip().split("=", 1) for part in policy.split(","))
    assert features["geolocation"] == "(self)"  # the finder's "Use my location"
    for feature in ("camera", "microphone", "payment", "usb", "display-capture", "browsing-topics"):
        assert features[feature] == "()", feature


@pytest.mark.parametrize("path", ["/", "/embed", "/api/v1/categories", "/healthz", "/static/css/site.css"])
def test_https_responses_carry_hsts_and_plain_http_ones_do_not(path):
    secure = _client("https://map.example.org").get(path)
    assert secure.headers["strict-transport-security"] == "max-age=31536000"
    plain = _client("http://map.example.org").get(path)
    assert "strict-transport-security" not in plain.headers


def test_hsts_follows_the_scheme_uvicorn_reports_not_a_header_anyone_can_send():
    # Behind a trusted proxy uvicorn's proxy_headers turn X-Forwarded-Proto into the request's scheme; from anyone
    # else the header is only a header, and a plain-http answer must not claim HTTPS.
    plain = _client("http://map.example.org").get("/", headers={"X-Forwarded-Proto": "https"})
    assert "strict-transport-security" not in plain.headers


# ---- Compression ------------------------------------------------------------------------------------------------

GZIP = {"Accept-Encoding": "gzip, deflate, br"}  # what Chromium sends
LEAFLET = "/static/vendor/leaflet/leaflet.js"


def _raw(client: TestClient, path: str, headers: dict[str, str]) -> tuple[dict, bytes]:
    with client.stream("GET", path, headers=headers) as response:
        assert response.status_code == 200, path
        return response.headers, b"".join(response.iter_raw())


@pytest.mark.parametrize(("path", "media_type"), [
    ("/", "text/html"), ("/finder?postcode=M1%201AE", "text/html"), ("/embed", "text/html"),
    ("/api/v1/categories", "application/json"), ("/openapi.json", "application/json"),
    (LEAFLET, "text/javascript"), ("/static/css/site.css", "text/css"), ("/oruk/openapi.json", "application/json"),
])
def test_pages_json_and_static_files_are_gzipped_when_the_client_accepts_it(client, path, media_type):
    headers, raw = _raw(client, path, GZIP)
    assert headers["content-encoding"] == "gzip", path
    assert headers["content-type"].startswith(media_type)
    assert "accept-encoding" in headers["vary"].lower()
    assert int(headers.get("content-length", len(raw))) == len(raw)  # files are streamed: no length
    plain_headers, plain = _raw(client, path, {"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain_headers
    assert gzip.decompress(raw) == plain or path != LEAFLET  # pages carry a fresh nonce each time
    assert len(raw) < len(plain) / 2


def test_the_leaflet_file_shrinks_and_its_etag_still_revalidates(client):
    headers, raw = _raw(client, LEAFLET, GZIP)
    assert len(raw) < 60_000  # 147 KB plain
    etag = headers["etag"]
    assert etag.startswith('W/"')  # the gzipped bytes differ from the file's: not the file's strong tag
    assert client.get(LEAFLET, headers={**GZIP, "If-None-Match": etag}).status_code == 304
    plain_etag = client.get(LEAFLET, headers={"Accept-Encoding": "identity"}).headers["etag"]
    assert not plain_etag.startswith("W/")
    assert client.get(LEAFLET, headers={"Accept-Encoding": "identity", "If-None-Match": plain_etag}).status_code == 304


def test_static_files_may_be_kept_for_an_hour_then_revalidated(client):
    first = client.get("/static/css/site.css")
    assert first.status_code == 200 and first.headers["cache-control"] == "public, max-age=3600"
    again = client.get("/static/css/site.css", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.headers["cache-control"] == "public, max-age=3600"


@pytest.mark.parametrize("accept", ["identity", "gzip;q=0, br", ""])
def test_nothing_is_gzipped_for_a_client_that_refuses_it(client, accept):
    for path in ["/", LEAFLET, "/api/v1/categories"]:
        headers, _ = _raw(client, path, {"Accept-Encoding": accept})
        assert "content-encoding" not in headers, (path, accept)


def test_a_response_vary_names_accept_encoding_once(client):
    for path in ["/", LEAFLET, "/api/v1/categories"]:
        for accept in ("gzip", "identity"):
            vary = [v.strip().lower() for v in client.get(path, headers={"Accept-Encoding": accept}).headers["vary"].split(",")]
            assert vary.count("accept-encoding") == 1, (path, accept, vary)


def test_streamed_exports_are_gzipped_as_they_stream(client, session):
    from tests.factories import make_asset

    for i in range(450):  # more than two of the export's chunks
        make_asset(session, name=f"Lunch club {i}", lat=53.48 + i / 10_000, lon=-2.24)
    headers, raw = _raw(client, "/api/v1/export.csv", GZIP)
    assert headers["content-encoding"] == "gzip" and headers["content-type"].startswith("text/csv")
    assert headers["content-disposition"].startswith("attachment;")
    assert "content-length" not in headers  # streamed, not buffered
    text = gzip.decompress(raw).decode("utf-8-sig")
    assert text.count("Lunch club") == 450


def test_map_layers_keep_their_own_gzip_content_type_and_etag(client, session):
    from tests.factories import make_asset
    from tests.maps.test_layers import BOX, MANCHESTER, tile_url

    for i in range(40):
        make_asset(session, name=f"Choir {i}", lat=MANCHESTER["lat"] + i / 5000, lon=MANCHESTER["lon"])
    url = tile_url(12, MANCHESTER["lon"], MANCHESTER["lat"])
    for path in (url, f"/api/v1/assets.geojson?bbox={BOX}"):
        plain = client.get(path, headers={"Accept-Encoding": "identity"})
        headers, raw = _raw(client, path, GZIP)
        assert headers["content-encoding"] == "gzip"
        assert gzip.decompress(raw) == plain.content  # gzipped once, not twice
        assert headers["content-type"] == plain.headers["content-type"]
        assert headers["etag"].endswith('-gzip"') and not headers["etag"].startswith("W/")
        assert client.get(path, headers={**GZIP, "If-None-Match": headers["etag"]}).status_code == 304
        assert plain.headers["vary"] == "Accept-Encoding"


def test_signed_in_pages_are_not_compressed(app, session):
    # A signed-in moderator's pages hold the session's CSRF token (and submitters' details); compressing them beside
    # text an attacker can put in the page (a submission, a search) would let the response's length leak them
    # (BREACH). Static files hold no secret.
    from tests.people import browser, make_user, sign_in

    moderator = browser(app)
    sign_in(moderator, make_user(session).email)
    for path in ["/moderate", "/", "/api/v1/categories", LEAFLET]:
        response = moderator.get(path, headers=GZIP)
        assert response.status_code == 200
        assert ("content-encoding" in response.headers) == (path == LEAFLET), path



def test_moderation_sign_in_and_history_are_never_cached(app, session, client):
    from tests.factories import make_asset
    from tests.people import browser, make_user, sign_in

    moderator = browser(app)
    user = make_user(session)
    asset = make_asset(session)
    assert client.get("/login").headers["cache-control"] == "no-store"
    sign_in(moderator, user.email)
    for path in ["/moderate", "/moderate/stale", f"/moderate/assets/{asset.id}/history", "/api/v1/moderation/submissions"]:
        response = moderator.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store", path
    assert "cache-control" not in client.get("/").headers  # public pages are not affected

# ---- HEAD -------------------------------------------------------------------------------------------------------

def test_head_answers_like_get_without_the_body(client, session):
    from tests.factories import make_asset

    place = make_asset(session, name="Knit and natter")
    for path in ["/", "/embed", "/embed/builder", "/finder", f"/places/{place.id}", "/healthz", "/api/v1/categories",
                 "/docs", LEAFLET, "/add"]:
        for accept in ("gzip", "identity"):
            get = client.get(path, headers={"Accept-Encoding": accept})
            head = client.head(path, headers={"Accept-Encoding": accept})
            assert head.status_code == get.status_code == 200, (path, head.status_code)
            assert head.content == b""
            assert head.headers["content-type"] == get.headers["content-type"]
            assert head.headers.get("content-encoding") == get.headers.get("content-encoding")
            if path in ("/healthz", "/api/v1/categories"):  # pages differ by their fresh nonce; files stream
                assert head.headers["content-length"] == get.headers["content-length"], path


def test_head_is_not_a_way_round_other_methods(client):
    assert client.head("/api/v1/submissions").status_code == 405  # POST only
    assert client.head("/no-such-page").status_code == 404
    assert "head" not in client.get("/openapi.json").json()["paths"]["/healthz"]
