"""What every response shares, whatever the page or endpoint: hardening headers, compression and HEAD.

(The content security policy and framing rules are in tests/test_map_pages.py.)
"""


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
